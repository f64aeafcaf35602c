package org.parley.focus.jigasi;

import java.util.ArrayList;
import java.util.List;
import org.dom4j.Element;

/**
 * A Rayo {@code <dial xmlns='urn:xmpp:rayo:1' to=... from=...>} as lib-jitsi-meet sends it to the focus's occupant
 * (jitsi-xmpp-extensions' {@code DialIq}): {@code to} is a phone number or SIP address, or
 * {@value #TRANSCRIBER} for the transcriber; {@code <header name value/>} children carry the room
 * ({@value #ROOM_NAME_HEADER}) and its password.
 */
public record RayoDial(String to, String from, List<Header> headers) {
    public static final String NS = "urn:xmpp:rayo:1";
    public static final String DIAL = "dial";
    public static final String HEADER = "header";
    /** jigasi's {@code CallControl.TRANSCRIPTION_DIAL_IQ_DESTINATION}. */
    public static final String TRANSCRIBER = "jitsi_meet_transcribe";
    public static final String ROOM_NAME_HEADER = "JvbRoomName";
    /** More headers than this is not a dial lib-jitsi-meet would send. */
    static final int MAX_HEADERS = 16;

    public record Header(String name, String value) {}

    public static boolean isDial(Element e) {
        return e != null && DIAL.equals(e.getName()) && NS.equals(e.getNamespaceURI());
    }

    /** Parses a dial element; throws {@link IllegalArgumentException} saying what is wrong. */
    public static RayoDial parse(Element dial) {
        String to = dial.attributeValue("to");
        if (to == null || to.isBlank()) throw new IllegalArgumentException("dial without 'to'");
        List<Header> headers = new ArrayList<>();
        for (Element h : dial.elements()) {
            if (!HEADER.equals(h.getName())) continue;
            if (headers.size() == MAX_HEADERS) throw new IllegalArgumentException("more than " + MAX_HEADERS + " headers");
            String name = h.attributeValue("name");
            if (name == null || name.isBlank()) throw new IllegalArgumentException("header without 'name'");
            headers.add(new Header(name, h.attributeValue("value", "")));
        }
        return new RayoDial(to.trim(), dial.attributeValue("from"), List.copyOf(headers));
    }

    public boolean transcriber() {
        return TRANSCRIBER.equals(to);
    }

    /** The {@value #ROOM_NAME_HEADER} header's value, or null. */
    public String roomName() {
        for (Header h : headers) if (ROOM_NAME_HEADER.equals(h.name())) return h.value();
        return null;
    }
}
