package org.parley.it.sfu;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ThreadLocalRandom;
import org.dom4j.Element;
import org.parley.jingle.colibri2.Colibri2Error;
import org.parley.jingle.colibri2.Colibri2ErrorReason;
import org.parley.jingle.colibri2.ConferenceModified;
import org.parley.jingle.colibri2.ConferenceModify;
import org.parley.jingle.colibri2.Endpoint;
import org.parley.jingle.colibri2.MediaSource;
import org.parley.jingle.colibri2.Relay;
import org.parley.jingle.colibri2.Sctp;
import org.parley.jingle.colibri2.SctpRole;
import org.parley.jingle.colibri2.Sources;
import org.parley.jingle.colibri2.Transport;
import org.parley.jingle.ice.Candidate;
import org.parley.jingle.ice.Fingerprint;
import org.parley.jingle.ice.IceUdpTransport;
import org.parley.jingle.ice.Setup;
import org.parley.jingle.ice.WebSocket;
import org.parley.jingle.rtp.Source;

/**
 * What a jitsi-videobridge does with COLIBRI2, for the tests: conferences by meeting id, endpoints, relays, transports
 * and sources, with JVB's errors ({@code conference_already_exists}, {@code conference_not_found},
 * {@code unknown_endpoint}, {@code graceful_shutdown}, an endpoint without the {@code source-names} capability). Every
 * request is recorded. Thread-safe.
 */
public final class SfuLogic {
    /** A COLIBRI2 error to answer with: stanza condition, text and the COLIBRI2 extension. */
    public static final class SfuError extends Exception {
        public final String condition;
        public final Colibri2Error colibri;

        SfuError(Colibri2ErrorReason reason, String endpoint, String text) {
            super(text);
            this.condition = reason.stanzaCondition();
            this.colibri = new Colibri2Error(reason, endpoint);
        }

        SfuError(String condition, String text) {
            super(text);
            this.condition = condition;
            this.colibri = null;
        }

        public Element toStanzaError() {
            if (colibri != null) return colibri.toStanzaError(getMessage());
            Element e = org.dom4j.DocumentHelper.createElement(org.dom4j.QName.get("error", "jabber:client"));
            e.addAttribute("type", "cancel");
            e.addElement(condition, "urn:ietf:params:xml:ns:xmpp-stanzas");
            e.addElement("text", "urn:ietf:params:xml:ns:xmpp-stanzas").setText(getMessage());
            return e;
        }
    }

    /** An endpoint as the bridge holds it. */
    public static final class Ep {
        public final String id;
        public volatile String statsId;
        public volatile IceUdpTransport remoteTransport;
        public volatile Sources sources;
        /** What the focus's last {@code <force-mute>} said (jitsi-videobridge's Endpoint.updateForceMute). */
        public volatile boolean audioForceMuted;
        public volatile boolean videoForceMuted;

        Ep(String id, String statsId) {
            this.id = id;
            this.statsId = statsId;
        }
    }

    /** A relay to another bridge: its remote endpoints and the transport the focus handed over. */
    public static final class RelayState {
        public final String id;
        public final Map<String, Ep> endpoints = new LinkedHashMap<>();
        public volatile IceUdpTransport remoteTransport;
        public final boolean iceControlling;

        RelayState(String id, boolean iceControlling) {
            this.id = id;
            this.iceControlling = iceControlling;
        }
    }

    public static final class Conf {
        public final String meetingId;
        public final String name;
        public final Map<String, Ep> endpoints = new LinkedHashMap<>();
        public final Map<String, RelayState> relays = new LinkedHashMap<>();
        final long audioFeedback = ThreadLocalRandom.current().nextLong(1, 0xFFFF_FFFFL);
        final long videoFeedback = ThreadLocalRandom.current().nextLong(1, 0xFFFF_FFFFL);

        Conf(String meetingId, String name) {
            this.meetingId = meetingId;
            this.name = name;
        }
    }

    public final String name;
    public final String relayId;
    private final Map<String, Conf> conferences = new LinkedHashMap<>();
    /** Every conference-modify received, in order. */
    public final List<ConferenceModify> requests = new CopyOnWriteArrayList<>();
    /** Meeting ids of conferences that existed here at some point. */
    public final Set<String> everCreated = java.util.Collections.synchronizedSet(new LinkedHashSet<>());
    public volatile boolean gracefulShutdown;
    /**
     * Offer transports without a candidate. A browser's ICE then waits for one instead of failing (nothing answers
     * at 127.0.0.1:10000), which lib-jitsi-meet otherwise reports and answers with a restart request after ~15 s.
     */
    public volatile boolean withoutCandidates;

    public SfuLogic(String name) {
        this.name = name;
        this.relayId = "relay-" + name;
    }

    /** Every {@code <force-mute>} applied to an endpoint, as "endpoint audio=… video=…", in order. */
    public final List<String> forceMutes = new CopyOnWriteArrayList<>();

    /** Every error answered, as "reason: text" (e.g. conference_already_exists). */
    public final List<String> errors = new CopyOnWriteArrayList<>();

    /** Handles a conference-modify; returns the conference-modified to answer with. */
    public synchronized ConferenceModified handle(ConferenceModify cm) throws SfuError {
        requests.add(cm);
        try {
            return apply(cm);
        } catch (SfuError e) {
            errors.add((e.colibri != null ? e.colibri.toStanzaError(e.getMessage()).asXML() : e.condition) + ": " + e.getMessage());
            throw e;
        }
    }

    private ConferenceModified apply(ConferenceModify cm) throws SfuError {
        Conf conf = conferences.get(cm.meetingId());
        boolean created = false;
        if (cm.create()) {
            if (conf != null) throw new SfuError(Colibri2ErrorReason.CONFERENCE_ALREADY_EXISTS, null, "Conference already exists");
            if (gracefulShutdown) throw new SfuError(Colibri2ErrorReason.GRACEFUL_SHUTDOWN, null, "In graceful shutdown");
            conf = new Conf(cm.meetingId(), cm.name());
            conferences.put(cm.meetingId(), conf);
            everCreated.add(cm.meetingId());
            created = true;
        } else if (conf == null) {
            throw new SfuError(Colibri2ErrorReason.CONFERENCE_NOT_FOUND, null, "Conference not found for ID: " + cm.meetingId());
        }
        if (cm.expire()) {
            conferences.remove(cm.meetingId());
            return new ConferenceModified(List.of(), List.of(), null, List.of());
        }
        List<Endpoint> outEndpoints = new ArrayList<>();
        for (Endpoint e : cm.endpoints()) {
            if (e.expire()) {
                conf.endpoints.remove(e.id());
                continue;
            }
            Ep ep = conf.endpoints.get(e.id());
            if (e.create()) {
                if (ep != null) throw new SfuError("conflict", "Endpoint with ID " + e.id() + " already exists");
                if (!e.hasCapability(Endpoint.SOURCE_NAMES)) {
                    throw new SfuError("bad-request", "Endpoints must support source names");
                }
                ep = new Ep(e.id(), e.statsId());
                conf.endpoints.put(e.id(), ep);
                boolean sctp = e.transport() != null && e.transport().sctp() != null;
                outEndpoints.add(new Endpoint(e.id(), false, false, null, null, List.of(),
                        new Transport(false, false, false, transport(e.id(), conf), sctp ? new Sctp(5000, SctpRole.SERVER) : null, List.of()),
                        null, null, null, List.of(), List.of()));
            } else if (ep == null) {
                throw new SfuError(Colibri2ErrorReason.UNKNOWN_ENDPOINT, e.id(), "Endpoint not found for ID: " + e.id());
            }
            if (e.statsId() != null) ep.statsId = e.statsId();
            if (e.transport() != null && e.transport().iceUdp() != null) ep.remoteTransport = e.transport().iceUdp();
            if (e.sources() != null) ep.sources = e.sources();
            // As the bridge: both flags are set from the element, an absent attribute meaning false.
            if (e.forceMute() != null) {
                ep.audioForceMuted = e.forceMute().audio();
                ep.videoForceMuted = e.forceMute().video();
                forceMutes.add(e.id() + " audio=" + ep.audioForceMuted + " video=" + ep.videoForceMuted);
            }
        }
        List<Relay> outRelays = new ArrayList<>();
        for (Relay r : cm.relays()) {
            if (r.expire()) {
                conf.relays.remove(r.id());
                continue;
            }
            RelayState rs = conf.relays.get(r.id());
            if (r.create()) {
                if (rs != null) throw new SfuError("conflict", "Relay with ID " + r.id() + " already exists");
                rs = new RelayState(r.id(), r.transport() != null && r.transport().iceControlling());
                conf.relays.put(r.id(), rs);
                IceUdpTransport t = transport("relay-" + r.id(), conf)
                        .withWebSockets(List.of(new WebSocket("wss://" + name + ".example/colibri-relay-ws/" + r.id())));
                outRelays.add(new Relay(r.id(), false, false, null, List.of(), Transport.of(t), null, List.of(), List.of()));
            } else if (rs == null) {
                throw new SfuError("item-not-found", "Relay with ID " + r.id() + " doesn't exist");
            }
            for (Endpoint e : r.endpoints()) {
                if (e.expire()) {
                    rs.endpoints.remove(e.id());
                } else {
                    Ep ep = rs.endpoints.computeIfAbsent(e.id(), k -> new Ep(k, e.statsId()));
                    if (e.sources() != null) ep.sources = e.sources();
                }
            }
            if (r.transport() != null && r.transport().iceUdp() != null) rs.remoteTransport = r.transport().iceUdp();
        }
        Sources feedback = null;
        if (created) {
            feedback = new Sources(List.of(
                    new MediaSource("audio", "jvb-a0", List.of(new Source(conf.audioFeedback, "jvb-a0", null, null)), List.of(), List.of()),
                    new MediaSource("video", "jvb-v0", List.of(new Source(conf.videoFeedback, "jvb-v0", null, null)), List.of(), List.of())));
        }
        return new ConferenceModified(outEndpoints, outRelays, feedback, List.of());
    }

    private IceUdpTransport transport(String id, Conf conf) {
        String ufrag = name + "-" + Integer.toHexString(ThreadLocalRandom.current().nextInt());
        // ICE wants a password of 22 to 256 characters (RFC 8839; browsers refuse the offer otherwise).
        String pwd = String.format("pwd%016x%016x", ThreadLocalRandom.current().nextLong(), ThreadLocalRandom.current().nextLong());
        return new IceUdpTransport(ufrag, pwd, true,
                List.of(new Fingerprint("sha-256", Setup.ACTPASS, fingerprint(name))),
                withoutCandidates ? List.of()
                        : List.of(new Candidate(1, "1", 0, "c" + id, "127.0.0.1", 0, 10000, 2130706431L, "udp", null, null, "host", null)),
                List.of(new WebSocket("wss://" + name + ".example/colibri-ws/" + conf.meetingId + "/" + id)), null, List.of());
    }

    /**
     * A well-formed SHA-256 fingerprint (32 colon-separated hex bytes) of this bridge: browsers refuse an offer whose
     * fingerprint does not parse, before any ICE starts.
     */
    private static String fingerprint(String name) {
        try {
            byte[] d = java.security.MessageDigest.getInstance("SHA-256").digest(name.getBytes(java.nio.charset.StandardCharsets.UTF_8));
            StringBuilder sb = new StringBuilder();
            for (byte b : d) sb.append(sb.length() == 0 ? "" : ":").append(String.format("%02X", b));
            return sb.toString();
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    // ---------------------------------------------------------------- what tests look at

    public synchronized Conf conference(String meetingId) {
        return conferences.get(meetingId);
    }

    public synchronized List<Conf> conferences() {
        return List.copyOf(conferences.values());
    }

    /** Endpoint ids of the conference of {@code roomJid}, or empty. */
    public synchronized Set<String> endpoints(String roomJid) {
        for (Conf c : conferences.values()) if (roomJid.equals(c.name)) return Set.copyOf(c.endpoints.keySet());
        return Set.of();
    }

    public synchronized Conf byRoom(String roomJid) {
        for (Conf c : conferences.values()) if (roomJid.equals(c.name)) return c;
        return null;
    }

    /** Relay ids and their remote endpoint ids of the conference of {@code roomJid}. */
    public synchronized Map<String, Set<String>> relays(String roomJid) {
        Map<String, Set<String>> out = new LinkedHashMap<>();
        Conf c = byRoom(roomJid);
        if (c == null) return out;
        for (RelayState r : c.relays.values()) out.put(r.id, Set.copyOf(r.endpoints.keySet()));
        return out;
    }
}
