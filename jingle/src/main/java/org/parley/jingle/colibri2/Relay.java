package org.parley.jingle.colibri2;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

import org.dom4j.Element;
import org.parley.jingle.xml.Ns;
import org.parley.jingle.xml.OpaqueElement;
import org.parley.jingle.xml.Xml;

/**
 * COLIBRI2 {@code <relay id='<remote bridge relay_id>' create='true' mesh-id='0'>}: a bridge-to-bridge link for a
 * cascaded conference, with the media both sides use, the remote bridge's endpoints in {@code <endpoints>}, and a
 * transport (whose fingerprint the focus rewrites to {@code active}/{@code passive} before handing it to the other
 * side).
 *
 * @param endpoints the remote endpoints; empty when the element is absent
 */
public record Relay(String id, boolean create, boolean expire, String meshId, List<Media> media, Transport transport,
                    Sources sources, List<Endpoint> endpoints, List<OpaqueElement> extensions) {
    public static final String ELEMENT = "relay";

    public Relay {
        Objects.requireNonNull(id, "id");
        media = List.copyOf(media);
        endpoints = List.copyOf(endpoints);
        extensions = List.copyOf(extensions);
    }

    /** {@code <relay id expire='true'/>}. */
    public static Relay expiring(String id) {
        return new Relay(id, false, true, null, List.of(), null, null, List.of(), List.of());
    }

    /** {@code <relay id/>}, to be filled with the {@code with*} methods. */
    public static Relay of(String id) {
        return new Relay(id, false, false, null, List.of(), null, null, List.of(), List.of());
    }

    public Relay withCreate(boolean newCreate) {
        return new Relay(id, newCreate, expire, meshId, media, transport, sources, endpoints, extensions);
    }

    public Relay withMeshId(String newMeshId) {
        return new Relay(id, create, expire, newMeshId, media, transport, sources, endpoints, extensions);
    }

    public Relay withMedia(List<Media> newMedia) {
        return new Relay(id, create, expire, meshId, newMedia, transport, sources, endpoints, extensions);
    }

    public Relay withTransport(Transport newTransport) {
        return new Relay(id, create, expire, meshId, media, newTransport, sources, endpoints, extensions);
    }

    public Relay withEndpoints(List<Endpoint> newEndpoints) {
        return new Relay(id, create, expire, meshId, media, transport, sources, newEndpoints, extensions);
    }

    public static Relay parse(Element e) {
        Xml.expect(e, ELEMENT, Ns.COLIBRI2);
        List<Media> media = new ArrayList<>();
        Transport transport = null;
        Sources sources = null;
        List<Endpoint> endpoints = new ArrayList<>();
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
                case "endpoints" -> {
                    for (Element ep : Xml.children(c)) {
                        if (Xml.is(ep, Endpoint.ELEMENT, Ns.COLIBRI2)) {
                            endpoints.add(Endpoint.parse(ep));
                        }
                    }
                }
                default -> extensions.add(OpaqueElement.of(c));
            }
        }
        return new Relay(Xml.requireNonBlank(e, "id"), Xml.boolAttr(e, "create", false),
            Xml.boolAttr(e, "expire", false), Xml.attr(e, "mesh-id"), media, transport, sources, endpoints,
            extensions);
    }

    public void appendTo(Element parent) {
        Element e = Xml.add(parent, ELEMENT, Ns.COLIBRI2);
        Xml.set(e, "id", id);
        Xml.setIfTrue(e, "create", create);
        Xml.setIfTrue(e, "expire", expire);
        Xml.set(e, "mesh-id", meshId);
        for (Media m : media) {
            m.appendTo(e);
        }
        if (!endpoints.isEmpty()) {
            Element eps = Xml.add(e, "endpoints", Ns.COLIBRI2);
            for (Endpoint ep : endpoints) {
                ep.appendTo(eps);
            }
        }
        if (transport != null) {
            transport.appendTo(e);
        }
        if (sources != null) {
            sources.appendTo(e);
        }
        for (OpaqueElement x : extensions) {
            x.appendTo(e);
        }
    }
}
