package org.parley.jingle.colibri2;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

import org.dom4j.Element;
import org.parley.jingle.xml.Ns;
import org.parley.jingle.xml.OpaqueElement;
import org.parley.jingle.xml.Xml;

/**
 * The focus's request to a bridge: {@code <conference-modify xmlns='jitsi:colibri2' meeting-id='...'
 * name='room@conference.example.com' create='true'>} with endpoints and relays. Sent as an IQ {@code set} to the
 * bridge's brewery occupant JID.
 *
 * <p>{@code name} is sent with {@code create}. {@code rtcstats-enabled} and {@code callstats-enabled} default to
 * true and are written only when false. Other children (e.g. {@code <connects>}) are kept in {@code extensions}.
 *
 * @param meetingId the conference's meeting id (the room's {@code muc#roominfo_meetingId}); required, not blank
 */
public record ConferenceModify(String meetingId, String name, boolean create, boolean expire,
                               boolean rtcstatsEnabled, boolean callstatsEnabled, List<Endpoint> endpoints,
                               List<Relay> relays, List<OpaqueElement> extensions) {
    public static final String ELEMENT = "conference-modify";

    public ConferenceModify {
        Objects.requireNonNull(meetingId, "meetingId");
        if (meetingId.isBlank()) {
            throw new IllegalArgumentException("meeting-id must not be blank");
        }
        endpoints = List.copyOf(endpoints);
        relays = List.copyOf(relays);
        extensions = List.copyOf(extensions);
    }

    /** A request for an existing conference (no create, no expire, stats flags at their defaults). */
    public static ConferenceModify of(String meetingId, List<Endpoint> endpoints, List<Relay> relays) {
        return new ConferenceModify(meetingId, null, false, false, true, true, endpoints, relays, List.of());
    }

    /** The first request: creates the conference. */
    public static ConferenceModify create(String meetingId, String name, List<Endpoint> endpoints) {
        return new ConferenceModify(meetingId, name, true, false, true, true, endpoints, List.of(), List.of());
    }

    /** {@code <conference-modify meeting-id expire='true'/>}: ends the whole conference on the bridge. */
    public static ConferenceModify expireConference(String meetingId) {
        return new ConferenceModify(meetingId, null, false, true, true, true, List.of(), List.of(), List.of());
    }

    public static boolean isConferenceModify(Element e) {
        return e != null && Xml.is(e, ELEMENT, Ns.COLIBRI2);
    }

    public static ConferenceModify parse(Element e) {
        Xml.expect(e, ELEMENT, Ns.COLIBRI2);
        List<Endpoint> endpoints = new ArrayList<>();
        List<Relay> relays = new ArrayList<>();
        List<OpaqueElement> extensions = new ArrayList<>();
        for (Element c : Xml.children(e)) {
            if (Xml.is(c, Endpoint.ELEMENT, Ns.COLIBRI2)) {
                endpoints.add(Endpoint.parse(c));
            } else if (Xml.is(c, Relay.ELEMENT, Ns.COLIBRI2)) {
                relays.add(Relay.parse(c));
            } else {
                extensions.add(OpaqueElement.of(c));
            }
        }
        return new ConferenceModify(Xml.requireNonBlank(e, "meeting-id"), Xml.attr(e, "name"),
            Xml.boolAttr(e, "create", false), Xml.boolAttr(e, "expire", false),
            Xml.boolAttr(e, "rtcstats-enabled", true), Xml.boolAttr(e, "callstats-enabled", true), endpoints, relays,
            extensions);
    }

    public Element toElement() {
        Element e = Xml.create(ELEMENT, Ns.COLIBRI2);
        Xml.set(e, "meeting-id", meetingId);
        Xml.set(e, "name", name);
        Xml.setIfTrue(e, "create", create);
        Xml.setIfTrue(e, "expire", expire);
        Xml.setIfFalse(e, "rtcstats-enabled", rtcstatsEnabled);
        Xml.setIfFalse(e, "callstats-enabled", callstatsEnabled);
        for (Endpoint ep : endpoints) {
            ep.appendTo(e);
        }
        for (Relay r : relays) {
            r.appendTo(e);
        }
        for (OpaqueElement x : extensions) {
            x.appendTo(e);
        }
        return e;
    }
}
