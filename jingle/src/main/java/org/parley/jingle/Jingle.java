package org.parley.jingle;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

import org.dom4j.Element;
import org.parley.jingle.xml.Ns;
import org.parley.jingle.xml.OpaqueElement;
import org.parley.jingle.xml.Xml;

/**
 * The {@code <jingle xmlns='urn:xmpp:jingle:1' action sid initiator responder>} child of a Jingle IQ (XEP-0166), with
 * the children Jitsi uses: contents, the BUNDLE {@link Group}, Jitsi's {@link BridgeSession}, a {@link Reason} (in
 * {@code session-terminate}) and the {@link JsonMessage} of JSON-encoded sources. Other children (e.g.
 * {@code <startmuted xmlns='http://jitsi.org/jitmeet/start-muted'/>}, {@code <ice-state/>}) are kept in
 * {@code extensions}.
 *
 * <p>The IQ around it (from, to, id, type) is not part of the model: the focus wraps this element in a Tinder IQ.
 *
 * @param action the action as written; see {@link #jingleAction()}
 * @param sid    the session id; required
 */
public record Jingle(String action, String sid, String initiator, String responder, List<Content> contents,
                     List<Group> groups, BridgeSession bridgeSession, Reason reason, JsonMessage jsonMessage,
                     List<OpaqueElement> extensions) {
    public static final String ELEMENT = "jingle";

    public Jingle {
        Objects.requireNonNull(action, "action");
        Objects.requireNonNull(sid, "sid");
        contents = List.copyOf(contents);
        groups = List.copyOf(groups);
        extensions = List.copyOf(extensions);
    }

    /** A Jingle element with contents only. */
    public Jingle(JingleAction action, String sid, String initiator, String responder, List<Content> contents) {
        this(wire(action), sid, initiator, responder, contents, List.of(), null, null, null, List.of());
    }

    public JingleAction jingleAction() {
        return JingleAction.of(action);
    }

    /** The content with that name, or null. */
    public Content content(String name) {
        for (Content c : contents) {
            if (c.name().equals(name)) {
                return c;
            }
        }
        return null;
    }

    /** The text of an {@code <ice-state xmlns='http://jitsi.org/protocol/focus'>} (session-info), or null. */
    public String iceState() {
        for (OpaqueElement x : extensions) {
            if (x.is("ice-state", Ns.FOCUS)) {
                return x.text();
            }
        }
        return null;
    }

    public Jingle withContents(List<Content> newContents) {
        return new Jingle(action, sid, initiator, responder, newContents, groups, bridgeSession, reason, jsonMessage,
            extensions);
    }

    public Jingle withGroups(List<Group> newGroups) {
        return new Jingle(action, sid, initiator, responder, contents, newGroups, bridgeSession, reason, jsonMessage,
            extensions);
    }

    public Jingle withBridgeSession(BridgeSession newBridgeSession) {
        return new Jingle(action, sid, initiator, responder, contents, groups, newBridgeSession, reason, jsonMessage,
            extensions);
    }

    public Jingle withReason(Reason newReason) {
        return new Jingle(action, sid, initiator, responder, contents, groups, bridgeSession, newReason, jsonMessage,
            extensions);
    }

    public Jingle withJsonMessage(JsonMessage newJsonMessage) {
        return new Jingle(action, sid, initiator, responder, contents, groups, bridgeSession, reason, newJsonMessage,
            extensions);
    }

    public Jingle withExtensions(List<OpaqueElement> newExtensions) {
        return new Jingle(action, sid, initiator, responder, contents, groups, bridgeSession, reason, jsonMessage,
            newExtensions);
    }

    /** Whether {@code e} is a {@code <jingle xmlns='urn:xmpp:jingle:1'>}. */
    public static boolean isJingle(Element e) {
        return e != null && Xml.is(e, ELEMENT, Ns.JINGLE);
    }

    /** Parses the {@code <jingle>} element (e.g. {@code iq.getChildElement()}). */
    public static Jingle parse(Element e) {
        Xml.expect(e, ELEMENT, Ns.JINGLE);
        List<Content> contents = new ArrayList<>();
        List<Group> groups = new ArrayList<>();
        BridgeSession bridgeSession = null;
        Reason reason = null;
        JsonMessage json = null;
        List<OpaqueElement> extensions = new ArrayList<>();
        for (Element c : Xml.children(e)) {
            if (Xml.is(c, Content.ELEMENT, Ns.JINGLE)) {
                contents.add(Content.parse(c));
            } else if (Xml.is(c, Group.ELEMENT, Ns.GROUPING)) {
                groups.add(Group.parse(c));
            } else if (bridgeSession == null && Xml.is(c, BridgeSession.ELEMENT, Ns.FOCUS)) {
                bridgeSession = BridgeSession.parse(c);
            } else if (reason == null && Xml.is(c, Reason.ELEMENT, Ns.JINGLE)) {
                reason = Reason.parse(c);
            } else if (json == null && Xml.is(c, JsonMessage.ELEMENT, Ns.JITMEET)) {
                json = JsonMessage.parse(c);
            } else {
                extensions.add(OpaqueElement.of(c));
            }
        }
        String action = Xml.requireNonBlank(e, "action");
        return new Jingle(action, Xml.requireNonBlank(e, "sid"), Xml.attr(e, "initiator"), Xml.attr(e, "responder"),
            contents, groups, bridgeSession, reason, json, extensions);
    }

    public Element toElement() {
        Element e = Xml.create(ELEMENT, Ns.JINGLE);
        fill(e);
        return e;
    }

    /** Appends the {@code <jingle>} element, e.g. to a Tinder IQ's root element. */
    public void appendTo(Element parent) {
        fill(Xml.add(parent, ELEMENT, Ns.JINGLE));
    }

    private void fill(Element e) {
        Xml.set(e, "action", action);
        Xml.set(e, "initiator", initiator);
        Xml.set(e, "responder", responder);
        Xml.set(e, "sid", sid);
        // Contents before the BUNDLE group, as Jicofo writes them: lib-jitsi-meet expands JSON-encoded sources into the
        // first element named content with the media's name in document order, which would be the group's empty
        // <content name='video'/> if the group came first, and the sources of a session-initiate would be lost.
        for (Content c : contents) {
            c.appendTo(e);
        }
        for (Group g : groups) {
            g.appendTo(e);
        }
        if (bridgeSession != null) {
            bridgeSession.appendTo(e);
        }
        if (reason != null) {
            reason.appendTo(e);
        }
        if (jsonMessage != null) {
            jsonMessage.appendTo(e);
        }
        for (OpaqueElement x : extensions) {
            x.appendTo(e);
        }
    }

    private static String wire(JingleAction action) {
        if (action == JingleAction.UNKNOWN) {
            throw new IllegalArgumentException("UNKNOWN has no wire value; use the String constructor");
        }
        return action.wire();
    }
}
