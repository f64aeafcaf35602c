package org.parley.focus.jibri;

import java.util.LinkedHashMap;
import java.util.Map;
import org.dom4j.DocumentHelper;
import org.dom4j.Element;
import org.dom4j.QName;

/**
 * The {@code <jibri xmlns='http://jitsi.org/protocol/jibri'/>} payload of the IQs between clients, the focus and
 * Jibris (jitsi-xmpp-extensions' JibriIq): every field is an attribute, absent when null. Values longer than
 * {@link #MAX_VALUE} are refused: a client's request is bounded input.
 */
public record JibriIq(String action, String status, String recordingMode, String streamId, String youTubeBroadcastId,
                      String sipAddress, String displayName, String room, String sessionId, String appData,
                      String failureReason, String shouldRetry) {
    public static final String NS = "http://jitsi.org/protocol/jibri";
    public static final String ELEMENT = "jibri";
    /** Longest attribute value taken (app data carries a small JSON document). */
    public static final int MAX_VALUE = 8192;

    public static boolean isJibriIq(Element child) {
        return child != null && ELEMENT.equals(child.getName()) && NS.equals(child.getNamespaceURI());
    }

    public static JibriIq parse(Element e) {
        return new JibriIq(attr(e, "action"), attr(e, "status"), attr(e, "recording_mode"), attr(e, "streamid"),
                attr(e, "you_tube_broadcast_id"), attr(e, "sipaddress"), attr(e, "displayname"), attr(e, "room"),
                attr(e, "session_id"), attr(e, "app_data"), attr(e, "failure_reason"), attr(e, "should_retry"));
    }

    private static String attr(Element e, String name) {
        String v = e.attributeValue(name);
        if (v == null || v.isBlank()) return null;
        if (v.length() > MAX_VALUE) throw new IllegalArgumentException("attribute " + name + " too long");
        return v;
    }

    public static JibriIq empty() {
        return new JibriIq(null, null, null, null, null, null, null, null, null, null, null, null);
    }

    public JibriIq withStatus(String status) {
        return new JibriIq(action, status, recordingMode, streamId, youTubeBroadcastId, sipAddress, displayName, room,
                sessionId, appData, failureReason, shouldRetry);
    }

    /** Whether Jibri asks for the session to be moved to another Jibri ({@code should_retry}); absent = no. */
    public boolean retry() {
        return "true".equalsIgnoreCase(shouldRetry);
    }

    public Element toElement() {
        Element e = DocumentHelper.createElement(QName.get(ELEMENT, NS));
        Map<String, String> attrs = new LinkedHashMap<>();
        attrs.put("action", action);
        attrs.put("status", status);
        attrs.put("recording_mode", recordingMode);
        attrs.put("streamid", streamId);
        attrs.put("you_tube_broadcast_id", youTubeBroadcastId);
        attrs.put("sipaddress", sipAddress);
        attrs.put("displayname", displayName);
        attrs.put("room", room);
        attrs.put("session_id", sessionId);
        attrs.put("app_data", appData);
        attrs.put("failure_reason", failureReason);
        attrs.put("should_retry", shouldRetry);
        attrs.forEach((k, v) -> {
            if (v != null) e.addAttribute(k, v);
        });
        return e;
    }
}
