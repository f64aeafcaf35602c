package org.parley.focus.state;

import java.util.ArrayList;
import java.util.List;
import org.dom4j.DocumentHelper;
import org.dom4j.Element;
import org.parley.focus.source.EndpointSources;
import org.parley.jingle.colibri2.Sources;
import org.parley.jingle.focus.ColibriStats;
import org.parley.jingle.xml.Ns;
import org.parley.storage.StoredBridge;
import org.parley.storage.StoredConference;
import org.parley.storage.StoredParticipant;

/**
 * Turns the focus's state records into what {@code storage} keeps and back. The parts storage treats as opaque (a
 * conference's bridge sessions, a participant's details and sources, an SFU's stats) are small XML texts: sources in
 * their COLIBRI2 form, stats as the COLIBRI {@code <stats/>} element the SFU sent.
 */
public final class StateCodec {
    private static final String NS = "urn:parley:focus-state:1";
    /** The element holding the conference modules' state (see {@link ConferenceRecord#modules}). */
    public static final String MODULES = "modules";
    public static final String MODULES_NS = "urn:parley:focus-state:modules:1";

    private StateCodec() {}

    // ------------------------------------------------------------------ bridges

    public static StoredBridge toStored(BridgeRecord b) {
        ColibriStats s = b.stats();
        boolean drain = false;
        boolean shutting = false;
        String region = null;
        String version = null;
        if (s != null) {
            try { drain = s.drain() || s.gracefulShutdown(); } catch (RuntimeException ignored) { }
            try { shutting = s.shuttingDown(); } catch (RuntimeException ignored) { }
            region = s.region();
            version = s.version();
        }
        return new StoredBridge(b.jid(), b.kind(), region, version, s == null ? null : s.toElement().asXML(), b.failure(),
                drain, shutting, b.lastSeenMillis(), b.adminDrain());
    }

    public static BridgeRecord fromStored(StoredBridge b) {
        ColibriStats stats = null;
        if (b.stats() != null && !b.stats().isBlank()) {
            try {
                stats = ColibriStats.parse(parse(b.stats()));
            } catch (RuntimeException e) {
                stats = null;
            }
        }
        return new BridgeRecord(b.jid(), b.kind(), stats, b.lastSeenMillis(), b.failure(), List.of(), b.adminDrain());
    }

    // ------------------------------------------------------------------ conferences

    public static StoredConference toStored(ConferenceRecord c) {
        Element root = DocumentHelper.createElement(DocumentHelper.createQName("bridges", DocumentHelper.createNamespace("", NS)));
        for (ConferenceRecord.BridgeSessionRecord s : c.bridgeSessions()) {
            Element b = root.addElement("bridge", NS).addAttribute("jid", s.bridge()).addAttribute("created", Boolean.toString(s.created()));
            if (s.relayId() != null) b.addAttribute("relay-id", s.relayId());
            for (String r : s.relays()) b.addElement("relay", NS).addAttribute("id", r);
            for (String e : s.endpoints()) b.addElement("endpoint", NS).addAttribute("id", e);
            if (s.feedback() != null && !s.feedback().isEmpty()) s.feedback().toColibri("jvb").appendTo(b);
        }
        // The modules' state rides in the same opaque text (older builds read only the <bridge> elements).
        if (c.modules() != null) root.add(parse(c.modules()).createCopy());
        return new StoredConference(c.room(), c.meetingId(), c.state(), root.asXML(), List.of());
    }

    public static StoredParticipant toStored(ParticipantRecord p) {
        Element root = DocumentHelper.createElement(DocumentHelper.createQName("participant", DocumentHelper.createNamespace("", NS)));
        attr(root, "real-jid", p.realJid());
        attr(root, "stats-id", p.statsId());
        attr(root, "region", p.region());
        attr(root, "bridge-session", p.bridgeSessionId());
        for (String f : p.features()) root.addElement("feature", NS).addAttribute("var", f);
        if (p.sources() != null && !p.sources().isEmpty()) p.sources().toColibri(p.endpointId()).appendTo(root);
        return new StoredParticipant(p.endpointId(), p.occupantJid(), p.bridge(), p.sid(), p.sessionState(), root.asXML());
    }

    public static ConferenceRecord fromStored(StoredConference c) {
        List<ConferenceRecord.BridgeSessionRecord> sessions = new ArrayList<>();
        String modules = null;
        if (c.bridges() != null && !c.bridges().isBlank()) {
            Element root = parse(c.bridges());
            Element m = root.element(org.dom4j.QName.get(MODULES, MODULES_NS));
            if (m != null) modules = m.asXML();
            for (Element b : root.elements("bridge")) {
                List<String> relays = new ArrayList<>();
                for (Element r : b.elements("relay")) relays.add(r.attributeValue("id"));
                List<String> endpoints = new ArrayList<>();
                for (Element e : b.elements("endpoint")) endpoints.add(e.attributeValue("id"));
                sessions.add(new ConferenceRecord.BridgeSessionRecord(b.attributeValue("jid"), b.attributeValue("relay-id"),
                        Boolean.parseBoolean(b.attributeValue("created")), relays, endpoints, sources(b)));
            }
        }
        List<ParticipantRecord> ps = new ArrayList<>();
        for (StoredParticipant p : c.participants()) {
            Element d = p.data() == null || p.data().isBlank() ? null : parse(p.data());
            List<String> features = new ArrayList<>();
            if (d != null) for (Element f : d.elements("feature")) features.add(f.attributeValue("var"));
            ps.add(new ParticipantRecord(p.endpointId(), p.occupantJid(), d == null ? null : d.attributeValue("real-jid"),
                    d == null ? null : d.attributeValue("stats-id"), d == null ? null : d.attributeValue("region"),
                    p.bridge(), p.sid(), d == null ? null : d.attributeValue("bridge-session"), p.sessionState(),
                    d == null ? EndpointSources.EMPTY : sources(d), features));
        }
        return new ConferenceRecord(c.room(), c.meetingId(), c.state(), sessions, ps, modules);
    }

    private static EndpointSources sources(Element parent) {
        Element s = parent.element(org.dom4j.QName.get(Sources.ELEMENT, Ns.COLIBRI2));
        if (s == null) return EndpointSources.EMPTY;
        try {
            return EndpointSources.fromColibri(Sources.parse(s));
        } catch (RuntimeException e) {
            return EndpointSources.EMPTY;
        }
    }

    private static void attr(Element e, String name, String value) {
        if (value != null) e.addAttribute(name, value);
    }

    private static Element parse(String xml) {
        try {
            return org.parley.xmpp.xml.StoredXml.parse(xml);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("unreadable focus state: " + e.getMessage(), e);
        }
    }
}
