package org.parley.jingle.ice;

import java.util.Objects;

import org.dom4j.Element;
import org.parley.jingle.xml.Ns;
import org.parley.jingle.xml.Xml;

/**
 * An ICE candidate (XEP-0176), e.g. as jitsi-videobridge sends it:
 * {@code <candidate component='1' foundation='2' generation='0' id='...' network='0' priority='1694498815'
 * protocol='udp' type='srflx' ip='129.80.210.199' port='10000' rel-addr='0.0.0.0' rel-port='9'/>}.
 *
 * <p>Required: component, foundation, ip, port, priority, protocol, type. The rest are optional (browsers leave out
 * {@code network}, {@code id} and the related address for host candidates).
 *
 * @param type the candidate type as written; see {@link #candidateType()}
 */
public record Candidate(int component, String foundation, Integer generation, String id, String ip, Integer network,
                        int port, long priority, String protocol, String relAddr, Integer relPort, String type,
                        String tcpType) {
    public static final String ELEMENT = "candidate";

    public Candidate {
        Objects.requireNonNull(foundation, "foundation");
        Objects.requireNonNull(ip, "ip");
        Objects.requireNonNull(protocol, "protocol");
        Objects.requireNonNull(type, "type");
    }

    public CandidateType candidateType() {
        return CandidateType.of(type);
    }

    public static Candidate parse(Element e) {
        if (!e.getName().equals(ELEMENT)) {
            throw Xml.error(e, null, "expected <candidate>");
        }
        return new Candidate(Xml.requireInt(e, "component"), Xml.requireAttr(e, "foundation"),
            Xml.intAttr(e, "generation"), Xml.attr(e, "id"), Xml.requireAttr(e, "ip"), Xml.intAttr(e, "network"),
            Xml.requireInt(e, "port"), Xml.requireLong(e, "priority"), Xml.requireAttr(e, "protocol"),
            Xml.attr(e, "rel-addr"), Xml.intAttr(e, "rel-port"), Xml.requireAttr(e, "type"),
            Xml.attr(e, "tcptype"));
    }

    /** Appends the candidate to an ICE-UDP transport (in the transport's namespace). */
    public void appendTo(Element transport) {
        Element e = Xml.add(transport, ELEMENT, Ns.ICE_UDP);
        Xml.set(e, "component", component);
        Xml.set(e, "foundation", foundation);
        Xml.set(e, "generation", generation);
        Xml.set(e, "id", id);
        Xml.set(e, "network", network);
        Xml.set(e, "priority", priority);
        Xml.set(e, "protocol", protocol);
        Xml.set(e, "type", type);
        Xml.set(e, "ip", ip);
        Xml.set(e, "port", port);
        Xml.set(e, "rel-addr", relAddr);
        Xml.set(e, "rel-port", relPort);
        Xml.set(e, "tcptype", tcpType);
    }
}
