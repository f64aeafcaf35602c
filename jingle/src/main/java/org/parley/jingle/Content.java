package org.parley.jingle;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

import org.dom4j.Element;
import org.parley.jingle.ice.IceUdpTransport;
import org.parley.jingle.rtp.RtpDescription;
import org.parley.jingle.xml.Ns;
import org.parley.jingle.xml.OpaqueElement;
import org.parley.jingle.xml.Xml;

/**
 * A Jingle {@code <content creator='initiator' name='audio' senders='both'>} with an RTP description and an ICE-UDP
 * transport. Jitsi's contents are named {@code audio}, {@code video} and {@code data}.
 *
 * <p>{@code creator} and {@code senders} are optional here: XEP-0166 requires {@code creator}, but Jitsi's
 * source-add/-remove and transport-info do not always write it, and an absent {@code senders} means {@code both}.
 * A description or transport in another namespace, a second one, and other children (lib-jitsi-meet puts a COLIBRI2
 * {@code <initial-last-n>} in its video content) are kept in {@code extensions}.
 */
public record Content(Creator creator, String name, Senders senders, String disposition, RtpDescription description,
                      IceUdpTransport transport, List<OpaqueElement> extensions) {
    public static final String ELEMENT = "content";

    public Content {
        Objects.requireNonNull(name, "name");
        extensions = List.copyOf(extensions);
    }

    public Content(Creator creator, String name, Senders senders, RtpDescription description,
                   IceUdpTransport transport) {
        this(creator, name, senders, null, description, transport, List.of());
    }

    public Content withTransport(IceUdpTransport newTransport) {
        return new Content(creator, name, senders, disposition, description, newTransport, extensions);
    }

    public Content withDescription(RtpDescription newDescription) {
        return new Content(creator, name, senders, disposition, newDescription, transport, extensions);
    }

    /** {@code senders}, with XEP-0166's default ({@code both}) when absent. */
    public Senders effectiveSenders() {
        return senders == null ? Senders.BOTH : senders;
    }

    public static Content parse(Element e) {
        Xml.expect(e, ELEMENT, Ns.JINGLE);
        RtpDescription description = null;
        IceUdpTransport transport = null;
        List<OpaqueElement> extensions = new ArrayList<>();
        for (Element c : Xml.children(e)) {
            if (description == null && RtpDescription.isRtpDescription(c)) {
                description = RtpDescription.parse(c);
            } else if (transport == null && IceUdpTransport.isIceUdpTransport(c)) {
                transport = IceUdpTransport.parse(c);
            } else {
                extensions.add(OpaqueElement.of(c));
            }
        }
        return new Content(Xml.closedEnum(e, "creator", Creator.class, false), Xml.requireNonBlank(e, "name"),
            Xml.closedEnum(e, "senders", Senders.class, false), Xml.attr(e, "disposition"), description, transport,
            extensions);
    }

    public void appendTo(Element parent) {
        Element e = Xml.add(parent, ELEMENT, Ns.JINGLE);
        if (creator != null) {
            Xml.set(e, "creator", creator.wire());
        }
        Xml.set(e, "name", name);
        if (senders != null) {
            Xml.set(e, "senders", senders.wire());
        }
        Xml.set(e, "disposition", disposition);
        if (description != null) {
            description.appendTo(e);
        }
        if (transport != null) {
            transport.appendTo(e);
        }
        for (OpaqueElement x : extensions) {
            x.appendTo(e);
        }
    }
}
