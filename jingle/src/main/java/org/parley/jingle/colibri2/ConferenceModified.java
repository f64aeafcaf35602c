package org.parley.jingle.colibri2;

import java.util.ArrayList;
import java.util.List;

import org.dom4j.Element;
import org.parley.jingle.xml.Ns;
import org.parley.jingle.xml.OpaqueElement;
import org.parley.jingle.xml.Xml;

/**
 * The bridge's answer: {@code <conference-modified xmlns='jitsi:colibri2'>} with, per created or changed endpoint and
 * relay, its transport (ICE credentials, candidates, DTLS fingerprint with {@code setup='actpass'}, the bridge
 * channel's web-socket, SCTP port), and on conference creation the bridge's feedback sources
 * ({@code jvb-a0}/{@code jvb-v0}).
 *
 * @param sources the conference-level feedback sources, or null when absent
 */
public record ConferenceModified(List<Endpoint> endpoints, List<Relay> relays, Sources sources,
                                 List<OpaqueElement> extensions) {
    public static final String ELEMENT = "conference-modified";

    public ConferenceModified {
        endpoints = List.copyOf(endpoints);
        relays = List.copyOf(relays);
        extensions = List.copyOf(extensions);
    }

    /** The endpoint with that id, or null. */
    public Endpoint endpoint(String id) {
        for (Endpoint e : endpoints) {
            if (e.id().equals(id)) {
                return e;
            }
        }
        return null;
    }

    /** The relay with that id, or null. */
    public Relay relay(String id) {
        for (Relay r : relays) {
            if (r.id().equals(id)) {
                return r;
            }
        }
        return null;
    }

    public static boolean isConferenceModified(Element e) {
        return e != null && Xml.is(e, ELEMENT, Ns.COLIBRI2);
    }

    public static ConferenceModified parse(Element e) {
        Xml.expect(e, ELEMENT, Ns.COLIBRI2);
        List<Endpoint> endpoints = new ArrayList<>();
        List<Relay> relays = new ArrayList<>();
        Sources sources = null;
        List<OpaqueElement> extensions = new ArrayList<>();
        for (Element c : Xml.children(e)) {
            if (Xml.is(c, Endpoint.ELEMENT, Ns.COLIBRI2)) {
                endpoints.add(Endpoint.parse(c));
            } else if (Xml.is(c, Relay.ELEMENT, Ns.COLIBRI2)) {
                relays.add(Relay.parse(c));
            } else if (sources == null && Xml.is(c, Sources.ELEMENT, Ns.COLIBRI2)) {
                sources = Sources.parse(c);
            } else {
                extensions.add(OpaqueElement.of(c));
            }
        }
        return new ConferenceModified(endpoints, relays, sources, extensions);
    }

    public Element toElement() {
        Element e = Xml.create(ELEMENT, Ns.COLIBRI2);
        for (Endpoint ep : endpoints) {
            ep.appendTo(e);
        }
        for (Relay r : relays) {
            r.appendTo(e);
        }
        if (sources != null) {
            sources.appendTo(e);
        }
        for (OpaqueElement x : extensions) {
            x.appendTo(e);
        }
        return e;
    }
}
