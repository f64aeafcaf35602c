package org.parley.jingle.colibri2;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

import org.dom4j.Element;
import org.parley.jingle.xml.Ns;
import org.parley.jingle.xml.OpaqueElement;
import org.parley.jingle.xml.Xml;

/**
 * COLIBRI2 {@code <endpoint id='abcd1234' create='true' stats-id='Garett-w1o'>}: a participant on the bridge (its id
 * is the participant's MUC nickname). Also the remote endpoints of a {@link Relay}, and the endpoint named in an
 * {@code unknown_endpoint} error.
 *
 * @param mucRole     {@code muc-role} (Jicofo sets {@code visitor} for visitors), or null
 * @param initialLastN the {@code <initial-last-n value>}, or null
 * @param capabilities the names of the {@code <capability name>} children ({@link #SOURCE_NAMES} is required by the
 *                     bridge on create)
 * @param sources     null when the request leaves the endpoint's sources unchanged
 */
public record Endpoint(String id, boolean create, boolean expire, String statsId, String mucRole, List<Media> media,
                       Transport transport, Sources sources, ForceMute forceMute, Integer initialLastN,
                       List<String> capabilities, List<OpaqueElement> extensions) {
    public static final String ELEMENT = "endpoint";
    /** Source-name signaling (multi-stream); jitsi-videobridge refuses to create an endpoint without it. */
    public static final String SOURCE_NAMES = "source-names";
    public static final String SSRC_REWRITING = "ssrc-rewriting";
    public static final String RTP_MID_DEMUX = "rtp-mid-demux";

    public Endpoint {
        Objects.requireNonNull(id, "id");
        media = List.copyOf(media);
        capabilities = List.copyOf(capabilities);
        extensions = List.copyOf(extensions);
    }

    /** {@code <endpoint id expire='true'/>}. */
    public static Endpoint expiring(String id) {
        return new Endpoint(id, false, true, null, null, List.of(), null, null, null, null, List.of(), List.of());
    }

    /** {@code <endpoint id/>}, to be filled with the {@code with*} methods. */
    public static Endpoint of(String id) {
        return new Endpoint(id, false, false, null, null, List.of(), null, null, null, null, List.of(), List.of());
    }

    public Endpoint withCreate(boolean newCreate, String newStatsId) {
        return new Endpoint(id, newCreate, expire, newStatsId, mucRole, media, transport, sources, forceMute,
            initialLastN, capabilities, extensions);
    }

    public Endpoint withMedia(List<Media> newMedia) {
        return new Endpoint(id, create, expire, statsId, mucRole, newMedia, transport, sources, forceMute,
            initialLastN, capabilities, extensions);
    }

    public Endpoint withTransport(Transport newTransport) {
        return new Endpoint(id, create, expire, statsId, mucRole, media, newTransport, sources, forceMute,
            initialLastN, capabilities, extensions);
    }

    public Endpoint withSources(Sources newSources) {
        return new Endpoint(id, create, expire, statsId, mucRole, media, transport, newSources, forceMute,
            initialLastN, capabilities, extensions);
    }

    public Endpoint withForceMute(ForceMute newForceMute) {
        return new Endpoint(id, create, expire, statsId, mucRole, media, transport, sources, newForceMute,
            initialLastN, capabilities, extensions);
    }

    public Endpoint withInitialLastN(Integer newInitialLastN) {
        return new Endpoint(id, create, expire, statsId, mucRole, media, transport, sources, forceMute,
            newInitialLastN, capabilities, extensions);
    }

    public Endpoint withCapabilities(List<String> newCapabilities) {
        return new Endpoint(id, create, expire, statsId, mucRole, media, transport, sources, forceMute,
            initialLastN, newCapabilities, extensions);
    }

    public boolean hasCapability(String name) {
        return capabilities.contains(name);
    }

    public static Endpoint parse(Element e) {
        Xml.expect(e, ELEMENT, Ns.COLIBRI2);
        List<Media> media = new ArrayList<>();
        Transport transport = null;
        Sources sources = null;
        ForceMute forceMute = null;
        Integer initialLastN = null;
        List<String> capabilities = new ArrayList<>();
        List<OpaqueElement> extensions = new ArrayList<>();
        for (Element c : Xml.children(e)) {
            if (!c.getNamespaceURI().equals(Ns.COLIBRI2)) {
                extensions.add(OpaqueElement.of(c));
                continue;
            }
            switch (c.getName()) {
                case Media.ELEMENT -> media.add(Media.parse(c));
                case Transport.ELEMENT -> {
                    if (transport != null) {
                        throw Xml.error(c, null, "more than one <transport>");
                    }
                    transport = Transport.parse(c);
                }
                case Sources.ELEMENT -> {
                    if (sources != null) {
                        throw Xml.error(c, null, "more than one <sources>");
                    }
                    sources = Sources.parse(c);
                }
                case ForceMute.ELEMENT -> forceMute = ForceMute.parse(c);
                case "initial-last-n" -> initialLastN = Xml.requireInt(c, "value");
                case "capability" -> capabilities.add(Xml.requireNonBlank(c, "name"));
                default -> extensions.add(OpaqueElement.of(c));
            }
        }
        return new Endpoint(Xml.requireNonBlank(e, "id"), Xml.boolAttr(e, "create", false),
            Xml.boolAttr(e, "expire", false), Xml.attr(e, "stats-id"), Xml.attr(e, "muc-role"), media, transport,
            sources, forceMute, initialLastN, capabilities, extensions);
    }

    public Element toElement() {
        Element e = Xml.create(ELEMENT, Ns.COLIBRI2);
        fill(e);
        return e;
    }

    public void appendTo(Element parent) {
        fill(Xml.add(parent, ELEMENT, Ns.COLIBRI2));
    }

    private void fill(Element e) {
        Xml.set(e, "id", id);
        Xml.setIfTrue(e, "create", create);
        Xml.setIfTrue(e, "expire", expire);
        Xml.set(e, "stats-id", statsId);
        Xml.set(e, "muc-role", mucRole);
        for (Media m : media) {
            m.appendTo(e);
        }
        if (transport != null) {
            transport.appendTo(e);
        }
        if (sources != null) {
            sources.appendTo(e);
        }
        if (forceMute != null) {
            forceMute.appendTo(e);
        }
        for (String cap : capabilities) {
            Xml.set(Xml.add(e, "capability", Ns.COLIBRI2), "name", cap);
        }
        if (initialLastN != null) {
            Xml.set(Xml.add(e, "initial-last-n", Ns.COLIBRI2), "value", initialLastN);
        }
        for (OpaqueElement x : extensions) {
            x.appendTo(e);
        }
    }
}
