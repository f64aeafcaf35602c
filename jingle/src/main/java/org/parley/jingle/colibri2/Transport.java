package org.parley.jingle.colibri2;

import java.util.ArrayList;
import java.util.List;

import org.dom4j.Element;
import org.parley.jingle.ice.IceUdpTransport;
import org.parley.jingle.xml.Ns;
import org.parley.jingle.xml.OpaqueElement;
import org.parley.jingle.xml.Xml;

/**
 * COLIBRI2 {@code <transport ice-controlling='true' use-unique-port='true' ice-restart='true'>}, wrapping an ICE-UDP
 * {@code <transport xmlns='urn:xmpp:jingle:transports:ice-udp:1'>} and an optional {@code <sctp/>}.
 *
 * <p>Flags default to false and are written only when set, as Jitsi does.
 */
public record Transport(boolean iceControlling, boolean useUniquePort, boolean iceRestart, IceUdpTransport iceUdp,
                        Sctp sctp, List<OpaqueElement> extensions) {
    public static final String ELEMENT = "transport";

    public Transport {
        extensions = List.copyOf(extensions);
    }

    /** The allocation request's transport: the bridge controls ICE; optionally with an SCTP data channel. */
    public static Transport request(boolean iceControlling, boolean sctp) {
        return new Transport(iceControlling, false, false, null, sctp ? Sctp.requested() : null, List.of());
    }

    /** A transport that only carries the remote side's ICE-UDP transport (after session-accept). */
    public static Transport of(IceUdpTransport iceUdp) {
        return new Transport(false, false, false, iceUdp, null, List.of());
    }

    public static Transport parse(Element e) {
        Xml.expect(e, ELEMENT, Ns.COLIBRI2);
        IceUdpTransport ice = null;
        Sctp sctp = null;
        List<OpaqueElement> extensions = new ArrayList<>();
        for (Element c : Xml.children(e)) {
            if (ice == null && IceUdpTransport.isIceUdpTransport(c)) {
                ice = IceUdpTransport.parse(c);
            } else if (sctp == null && Xml.is(c, Sctp.ELEMENT, Ns.COLIBRI2)) {
                sctp = Sctp.parse(c);
            } else {
                extensions.add(OpaqueElement.of(c));
            }
        }
        return new Transport(Xml.boolAttr(e, "ice-controlling", false), Xml.boolAttr(e, "use-unique-port", false),
            Xml.boolAttr(e, "ice-restart", false), ice, sctp, extensions);
    }

    public void appendTo(Element parent) {
        Element e = Xml.add(parent, ELEMENT, Ns.COLIBRI2);
        Xml.setIfTrue(e, "ice-controlling", iceControlling);
        Xml.setIfTrue(e, "use-unique-port", useUniquePort);
        Xml.setIfTrue(e, "ice-restart", iceRestart);
        if (iceUdp != null) {
            iceUdp.appendTo(e);
        }
        if (sctp != null) {
            sctp.appendTo(e);
        }
        for (OpaqueElement x : extensions) {
            x.appendTo(e);
        }
    }
}
