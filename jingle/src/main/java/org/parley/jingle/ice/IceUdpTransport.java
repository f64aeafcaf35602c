package org.parley.jingle.ice;

import java.util.ArrayList;
import java.util.List;

import org.dom4j.Element;
import org.parley.jingle.xml.Ns;
import org.parley.jingle.xml.OpaqueElement;
import org.parley.jingle.xml.Xml;

/**
 * {@code <transport xmlns='urn:xmpp:jingle:transports:ice-udp:1' ufrag pwd>} (XEP-0176) as Jitsi fills it: DTLS
 * fingerprints (XEP-0320), candidates, {@code <rtcp-mux/>}, the bridge channel's {@code <web-socket>} and, in the
 * data content, an {@code <sctpmap>}. The same element travels inside Jingle contents and, wrapped, inside COLIBRI2
 * transports.
 *
 * <p>{@code ufrag}/{@code pwd} are optional: a {@code transport-info} may carry only candidates. Unknown child
 * elements are kept in {@code extensions} and written after the known ones.
 */
public record IceUdpTransport(String ufrag, String pwd, boolean rtcpMux, List<Fingerprint> fingerprints,
                              List<Candidate> candidates, List<WebSocket> webSockets, SctpMap sctpMap,
                              List<OpaqueElement> extensions) {
    public static final String ELEMENT = "transport";

    public IceUdpTransport {
        fingerprints = List.copyOf(fingerprints);
        candidates = List.copyOf(candidates);
        webSockets = List.copyOf(webSockets);
        extensions = List.copyOf(extensions);
    }

    /** A transport with credentials, fingerprints and candidates only. */
    public IceUdpTransport(String ufrag, String pwd, List<Fingerprint> fingerprints, List<Candidate> candidates) {
        this(ufrag, pwd, false, fingerprints, candidates, List.of(), null, List.of());
    }

    public IceUdpTransport withFingerprints(List<Fingerprint> newFingerprints) {
        return new IceUdpTransport(ufrag, pwd, rtcpMux, newFingerprints, candidates, webSockets, sctpMap, extensions);
    }

    public IceUdpTransport withCandidates(List<Candidate> newCandidates) {
        return new IceUdpTransport(ufrag, pwd, rtcpMux, fingerprints, newCandidates, webSockets, sctpMap, extensions);
    }

    public IceUdpTransport withWebSockets(List<WebSocket> newWebSockets) {
        return new IceUdpTransport(ufrag, pwd, rtcpMux, fingerprints, candidates, newWebSockets, sctpMap, extensions);
    }

    public IceUdpTransport withSctpMap(SctpMap newSctpMap) {
        return new IceUdpTransport(ufrag, pwd, rtcpMux, fingerprints, candidates, webSockets, newSctpMap, extensions);
    }

    /** The same transport with every fingerprint's DTLS role set to {@code setup}. */
    public IceUdpTransport withSetup(Setup setup) {
        List<Fingerprint> fps = new ArrayList<>();
        for (Fingerprint f : fingerprints) {
            fps.add(f.withSetup(setup));
        }
        return withFingerprints(fps);
    }

    public static boolean isIceUdpTransport(Element e) {
        return Xml.is(e, ELEMENT, Ns.ICE_UDP);
    }

    public static IceUdpTransport parse(Element e) {
        Xml.expect(e, ELEMENT, Ns.ICE_UDP);
        boolean rtcpMux = false;
        List<Fingerprint> fingerprints = new ArrayList<>();
        List<Candidate> candidates = new ArrayList<>();
        List<WebSocket> webSockets = new ArrayList<>();
        SctpMap sctpMap = null;
        List<OpaqueElement> extensions = new ArrayList<>();
        for (Element c : Xml.children(e)) {
            String ns = c.getNamespaceURI();
            switch (c.getName()) {
                case "candidate" -> {
                    if (ns.equals(Ns.ICE_UDP) || ns.isEmpty()) {
                        candidates.add(Candidate.parse(c));
                    } else {
                        extensions.add(OpaqueElement.of(c));
                    }
                }
                case "rtcp-mux" -> {
                    if (rtcpMux) {
                        throw Xml.error(c, null, "duplicate <rtcp-mux/>");
                    }
                    rtcpMux = true;
                }
                case Fingerprint.ELEMENT -> {
                    if (ns.equals(Ns.DTLS)) {
                        fingerprints.add(Fingerprint.parse(c));
                    } else {
                        extensions.add(OpaqueElement.of(c));
                    }
                }
                case WebSocket.ELEMENT -> {
                    if (ns.equals(Ns.COLIBRI)) {
                        webSockets.add(WebSocket.parse(c));
                    } else {
                        extensions.add(OpaqueElement.of(c));
                    }
                }
                case SctpMap.ELEMENT -> {
                    if (!ns.equals(Ns.DTLS_SCTP)) {
                        extensions.add(OpaqueElement.of(c));
                    } else if (sctpMap != null) {
                        throw Xml.error(c, null, "more than one <sctpmap>");
                    } else {
                        sctpMap = SctpMap.parse(c);
                    }
                }
                default -> extensions.add(OpaqueElement.of(c));
            }
        }
        return new IceUdpTransport(Xml.attr(e, "ufrag"), Xml.attr(e, "pwd"), rtcpMux, fingerprints, candidates,
            webSockets, sctpMap, extensions);
    }

    public Element toElement() {
        Element e = Xml.create(ELEMENT, Ns.ICE_UDP);
        fill(e);
        return e;
    }

    public void appendTo(Element parent) {
        fill(Xml.add(parent, ELEMENT, Ns.ICE_UDP));
    }

    private void fill(Element e) {
        Xml.set(e, "ufrag", ufrag);
        Xml.set(e, "pwd", pwd);
        for (Fingerprint f : fingerprints) {
            f.appendTo(e);
        }
        for (WebSocket w : webSockets) {
            w.appendTo(e);
        }
        if (rtcpMux) {
            Xml.add(e, "rtcp-mux", Ns.ICE_UDP);
        }
        if (sctpMap != null) {
            sctpMap.appendTo(e);
        }
        for (Candidate c : candidates) {
            c.appendTo(e);
        }
        for (OpaqueElement x : extensions) {
            x.appendTo(e);
        }
    }
}
