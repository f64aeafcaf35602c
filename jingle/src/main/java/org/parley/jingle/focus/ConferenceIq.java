package org.parley.jingle.focus;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

import org.dom4j.Element;
import org.parley.jingle.xml.Ns;
import org.parley.jingle.xml.Xml;

/**
 * Jitsi's conference request and its reply, {@code <conference xmlns='http://jitsi.org/protocol/focus'>}.
 *
 * <p>Request (client -> {@code focus.<domain>}, IQ set), as lib-jitsi-meet's moderator sends it:
 * {@code <conference room='room@conference.example.com' machine-uid='...' token='...' session-id='...'>} with
 * {@code <property name value/>}s ({@code startAudioMuted}, {@code startVideoMuted}, {@code rtcstatsEnabled},
 * {@code visitors-version}, {@code visitor}).
 *
 * <p>Reply (IQ result): the same element with {@code ready='true|false'}, {@code focusjid}, optionally
 * {@code vnode} (a visitor redirect), {@code identity}, {@code session-id}, and properties
 * ({@code authentication}, {@code externalAuth}, {@code sipGatewayEnabled}, {@code visitors-supported},
 * {@code live}).
 *
 * @param room  the MUC room's bare JID; required
 * @param ready null in a request; {@code ready='true|false'} in a reply
 */
public record ConferenceIq(String room, String machineUid, String sessionId, String token, String identity,
                           Boolean ready, String focusJid, String vnode, List<Property> properties) {
    public static final String ELEMENT = "conference";

    /** A {@code <property name value/>}. */
    public record Property(String name, String value) {
        public Property {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(value, "value");
        }
    }

    public ConferenceIq {
        Objects.requireNonNull(room, "room");
        properties = List.copyOf(properties);
    }

    /** A request as a client sends it. */
    public static ConferenceIq request(String room, String machineUid, String token, String sessionId,
                                       List<Property> properties) {
        return new ConferenceIq(room, machineUid, sessionId, token, null, null, null, null, properties);
    }

    /** The focus's reply to {@code request}. */
    public static ConferenceIq reply(String room, boolean ready, String focusJid, String vnode,
                                     List<Property> properties) {
        return new ConferenceIq(room, null, null, null, null, ready, focusJid, vnode, properties);
    }

    /** The value of the first property with that name, or null. */
    public String property(String name) {
        for (Property p : properties) {
            if (p.name().equals(name)) {
                return p.value();
            }
        }
        return null;
    }

    /** The properties as a map (the last of duplicate names wins, as in Jicofo). */
    public Map<String, String> propertyMap() {
        Map<String, String> map = new LinkedHashMap<>();
        for (Property p : properties) {
            map.put(p.name(), p.value());
        }
        return map;
    }

    public static boolean isConferenceIq(Element e) {
        return e != null && Xml.is(e, ELEMENT, Ns.FOCUS);
    }

    public static ConferenceIq parse(Element e) {
        Xml.expect(e, ELEMENT, Ns.FOCUS);
        List<Property> properties = new ArrayList<>();
        for (Element c : Xml.children(e)) {
            if (Xml.is(c, "property", Ns.FOCUS)) {
                properties.add(new Property(Xml.requireNonBlank(c, "name"), Xml.requireAttr(c, "value")));
            }
        }
        return new ConferenceIq(Xml.requireNonBlank(e, "room"), Xml.attr(e, "machine-uid"),
            Xml.attr(e, "session-id"), Xml.attr(e, "token"), Xml.attr(e, "identity"), Xml.optBoolAttr(e, "ready"),
            Xml.attr(e, "focusjid"), Xml.attr(e, "vnode"), properties);
    }

    public Element toElement() {
        Element e = Xml.create(ELEMENT, Ns.FOCUS);
        Xml.set(e, "room", room);
        Xml.set(e, "machine-uid", machineUid);
        Xml.set(e, "session-id", sessionId);
        Xml.set(e, "token", token);
        Xml.set(e, "identity", identity);
        Xml.set(e, "ready", ready);
        Xml.set(e, "focusjid", focusJid);
        Xml.set(e, "vnode", vnode);
        for (Property p : properties) {
            Element pe = Xml.add(e, "property", Ns.FOCUS);
            pe.addAttribute("name", p.name());
            pe.addAttribute("value", p.value());
        }
        return e;
    }
}
