package org.parley.focus.conference;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.dom4j.Element;
import org.parley.focus.FocusConfig;
import org.parley.focus.bridge.Bridge;
import org.parley.focus.conference.ColibriSession.RelayLink;
import org.parley.focus.conference.Participant.QueuedSources;
import org.parley.focus.conference.Participant.SessionState;
import org.parley.focus.source.ConferenceSources;
import org.parley.focus.source.EndpointSources;
import org.parley.focus.source.SourceException;
import org.parley.focus.state.ConferenceRecord;
import org.parley.focus.state.StateCodec;
import org.parley.focus.state.FocusStateSink;
import org.parley.focus.state.ParticipantRecord;
import org.parley.focus.xmpp.IqClient.Outcome;
import org.parley.focus.xmpp.Stanzas;
import org.parley.jingle.Content;
import org.parley.jingle.Jingle;
import org.parley.jingle.JingleAction;
import org.parley.jingle.ReasonCondition;
import org.parley.jingle.colibri2.Colibri2Error;
import org.parley.jingle.colibri2.Colibri2ErrorReason;
import org.parley.jingle.colibri2.ConferenceModified;
import org.parley.jingle.colibri2.ConferenceModify;
import org.parley.jingle.colibri2.Endpoint;
import org.parley.jingle.colibri2.Relay;
import org.parley.jingle.colibri2.Transport;
import org.parley.jingle.focus.ConferenceIq;
import org.parley.jingle.ice.IceUdpTransport;
import org.parley.jingle.ice.Setup;
import org.parley.jingle.xml.JingleParseException;
import org.parley.jingle.xml.Ns;
import org.parley.jingle.xml.OpaqueElement;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.xmpp.packet.IQ;
import org.parley.xmpp.jid.JidPrep;
import org.xmpp.packet.JID;
import org.xmpp.packet.Packet;
import org.xmpp.packet.PacketError;
import org.xmpp.packet.Presence;

/**
 * One conference: the focus in a MUC room, its participants, their endpoints on one or more bridges and their Jingle
 * sessions. An actor: every method below runs on {@link #executor()}, one step at a time, so nothing here locks;
 * entry points from other threads go through {@link #execute}. Nothing blocks: every IQ is asynchronous with its own
 * timeout ({@code IqClient}), and its answer comes back as a later step.
 *
 * <p>Lifecycle: a conference request creates it; the focus joins the room (nickname {@code focus}), reads the
 * meeting id from the room configuration (setting {@code whois=anyone} when it may), then answers the pending
 * requests with {@code ready='true'}. Participants are tracked from their presence; once {@code min-participants}
 * real ones are in, each gets a COLIBRI2 allocation and a {@code session-initiate}. When the last one leaves, every
 * bridge conference is expired and the focus leaves the room.
 */
public final class Conference {
    private static final Logger log = LoggerFactory.getLogger(Conference.class);

    enum State { JOINING, CONFIGURING, RUNNING, ENDED }

    private static final Set<String> STANDARD_PRESENCE = Set.of("show", "status", "priority", "error");

    private final ConferenceContext ctx;
    private final FocusConfig config;
    private final JID room;
    private final String roomName;
    private final ScheduledExecutorService exec;
    private final JID self;
    private final JID focusOccupant;

    private State state = State.JOINING;
    private String meetingId;
    private boolean focusIsOwner;
    private boolean rtcstatsEnabled = true;
    private final List<Requester> pendingRequests = new ArrayList<>();
    private final Map<String, Participant> participants = new LinkedHashMap<>();
    private final Map<Bridge, ColibriSession> sessions = new LinkedHashMap<>();
    private final ConferenceSources sources;
    private final Set<JID> excludedBridges = new HashSet<>();
    /** Bridges this conference left behind when they failed: told to expire it if they come back. */
    private final Set<Bridge> abandoned = new HashSet<>();
    private final Set<String> ownerGrantsPending = new HashSet<>();
    private final Map<String, List<Participant>> capsWaiting = new HashMap<>();
    private long joinCounter;
    private boolean noBridge;
    private ScheduledFuture<?> joinTimer;
    private ScheduledFuture<?> startTimer;
    private ScheduledFuture<?> aloneTimer;

    // Restored after a restart or taken over from another node (issue 8).
    /** The COLIBRI2 conference id the bridges know; the room's (possibly new) meeting id must not replace it. */
    private String restoredMeetingId;
    /** Endpoints of participants from before the restart that have not rejoined yet, by nick, with their record. */
    private final Map<String, ParticipantRecord> ghosts = new LinkedHashMap<>();
    private boolean probed = true;
    private boolean handedOver;
    private int probesPending;
    private ScheduledFuture<?> graceTimer;
    private volatile int participantCount;
    /** Elements modules put in the focus's presence, by name and namespace (a new one replaces the old). */
    private final Map<org.dom4j.QName, Element> moduleExtensions = new LinkedHashMap<>();
    /** The features plugged into this conference, called in this order. */
    private final List<ConferenceModule> modules = new ArrayList<>();

    Conference(ConferenceContext ctx, JID room, ScheduledExecutorService exec) {
        this.ctx = ctx;
        this.config = ctx.config();
        this.room = room;
        this.roomName = room.toBareJID();
        this.exec = exec;
        this.self = config.occupantRealJid();
        this.focusOccupant = new JID(room.getNode(), room.getDomain(), config.nickname());
        this.sources = new ConferenceSources(config.maxSourcesPerParticipant(), config.maxGroupsPerParticipant());
        ConferenceHandle handle = new ConferenceHandle(this);
        for (ConferenceModule.Factory f : ctx.modules()) modules.add(f.create(handle));
    }

    public JID room() { return room; }

    public ScheduledExecutorService executor() { return exec; }

    /** Runs {@code step} on the conference's actor. */
    public void execute(Runnable step) {
        try {
            exec.execute(() -> {
                try {
                    step.run();
                } catch (RuntimeException e) {
                    log.error("{}: a step failed", roomName, e);
                } finally {
                    // Occupants come and go only in steps that enter here (presence), so this count is never stale.
                    participantCount = realCount();
                }
            });
        } catch (java.util.concurrent.RejectedExecutionException stopped) {
            log.debug("{}: focus stopped, step dropped", roomName);
        }
    }

    /**
     * Participants people see (occupants other than the focus and those of hidden domains: recorders, transcribers)
     * after the last step; readable from any thread.
     */
    public int participantCount() { return participantCount; }

    boolean ended() { return state == State.ENDED; }

    State state() { return state; }

    String meetingId() { return meetingId; }

    // ------------------------------------------------------------------ lifecycle

    /**
     * Takes up a conference from its stored record (before {@link #start}): its meeting id, the bridge conferences it
     * has (on bridges the focus knows) and, as ghosts, the endpoints of its participants there. Each ghost is replaced
     * when its occupant rejoins (the stale endpoint is expired, a new one allocated in the same bridge conference and
     * offered); ghosts not back within {@code graceMillis} are expired. The conference answers requests only once the
     * bridges have confirmed what they still hold.
     */
    void restore(ConferenceRecord rec, long graceMillis) {
        restoredMeetingId = rec.meetingId();
        meetingId = rec.meetingId();
        Map<String, ColibriSession> byJid = new LinkedHashMap<>();
        for (ConferenceRecord.BridgeSessionRecord bs : rec.bridgeSessions()) {
            Bridge b;
            try {
                b = ctx.bridges().get(new JID(bs.bridge()));
            } catch (IllegalArgumentException e) {
                b = null;
            }
            if (b == null) {
                log.warn("{}: bridge {} of the restored conference is unknown; its participants get new sessions", roomName, bs.bridge());
                continue;
            }
            ColibriSession cs = new ColibriSession(b);
            cs.created = bs.created();
            if (bs.feedback() != null) {
                cs.feedback = bs.feedback();
                sources.reserve(cs.feedback);
            }
            sessions.put(b, cs);
            byJid.put(bs.bridge(), cs);
        }
        // Relays: the earlier session of a pair initiated it (see invite()).
        List<ColibriSession> ordered = new ArrayList<>(sessions.values());
        for (int i = 0; i < ordered.size(); i++) {
            for (int j = i + 1; j < ordered.size(); j++) {
                ColibriSession a = ordered.get(i);
                ColibriSession b = ordered.get(j);
                if (a.relayId != null && b.relayId != null) {
                    a.relays.put(b.relayId, new RelayLink(b, true));
                    b.relays.put(a.relayId, new RelayLink(a, false));
                }
            }
        }
        for (ParticipantRecord p : rec.participants()) {
            ColibriSession cs = p.bridge() == null ? null : byJid.get(p.bridge());
            if (cs == null) continue;
            cs.endpoints.add(p.endpointId());
            ghosts.put(p.endpointId(), p);
        }
        probed = sessions.isEmpty();
        if (rec.modules() != null) {
            Element state = null;
            try {
                state = org.parley.xmpp.xml.StoredXml.parse(rec.modules());
            } catch (IllegalArgumentException e) {
                log.warn("{}: the modules' stored state is unreadable, not restored: {}", roomName, e.getMessage());
            }
            if (state != null) for (ConferenceModule m : modules) m.restored(state);
        }
        log.info("{}: restored (meeting id {}, {} bridges, {} participants to rejoin)", roomName, meetingId, sessions.size(), ghosts.size());
        graceTimer = exec.schedule(this::graceOver, graceMillis, TimeUnit.MILLISECONDS);
    }

    /** Restored participants that did not come back lose their endpoints. */
    private void graceOver() {
        graceTimer = null;
        if (state == State.ENDED || ghosts.isEmpty()) return;
        log.info("{}: {} participants did not come back: {}", roomName, ghosts.size(), ghosts.keySet());
        for (String nick : List.copyOf(ghosts.keySet())) dropGhost(nick, true);
        if (state == State.RUNNING && realCount() == 0) {
            end("nobody came back", true);
            return;
        }
        changed();
    }

    /**
     * A participant the room already held when the restored focus joined it, with the client session its record
     * names: the node handed the room and the client's session over to this process (issue 18), so the client's
     * Jingle session and its endpoint on the bridge go on untouched. A participant that joins later, or another
     * client, is a ghost come back with a new session instead. True when adopted.
     */
    private boolean adopt(Participant q) {
        ParticipantRecord g = ghosts.get(q.nick);
        if (state != State.JOINING || g == null || g.sid() == null || g.realJid() == null || q.realJid == null
                || !g.realJid().equals(q.realJid.toString()) || !SessionState.ACTIVE.name().equals(g.sessionState())) {
            return false;
        }
        ColibriSession cs = null;
        for (ColibriSession s : sessions.values()) if (s.bridge.jid().toString().equals(g.bridge()) && s.endpoints.contains(q.nick)) cs = s;
        if (cs == null) return false;
        ghosts.remove(q.nick);
        q.bridgeSession = cs;
        q.sid = g.sid();
        q.bridgeSessionId = g.bridgeSessionId();
        q.state = SessionState.ACTIVE;
        if (g.features() != null && !g.features().isEmpty()) q.features = new java.util.HashSet<>(g.features());
        if (g.sources() != null && !g.sources().isEmpty()) sources.add(q.nick, g.sources());
        log.info("{}: {} kept its session {} across the hand-over", roomName, q.nick, q.sid);
        return true;
    }

    /** Forgets a ghost; expires its endpoint (and the bridge conference, when nothing else is left there). */
    private void dropGhost(String nick, boolean removeEmptySession) {
        ParticipantRecord g = ghosts.remove(nick);
        if (g == null) return;
        for (ColibriSession s : List.copyOf(sessions.values())) {
            if (!s.endpoints.remove(nick)) continue;
            if (s.endpoints.isEmpty() && removeEmptySession && state == State.RUNNING) {
                removeSession(s, true);
            } else if (!s.failed && meetingId != null) {
                sendColibri(s, ConferenceModify.of(meetingId, List.of(Endpoint.expiring(nick)), List.of()), true,
                        ok -> { }, err -> log.debug("{}: expiring stale endpoint {} failed: {}", roomName, nick, describe(err)));
                for (ColibriSession other : sessions.values()) {
                    RelayLink l = other.relays.get(s.relayId);
                    if (other != s && l != null) sendRelayEndpoints(other, l.id, List.of(Endpoint.expiring(nick)));
                }
            }
        }
    }

    /** How long a restore probe keeps asking a bridge that is not reachable yet, and how often. */
    static final long PROBE_PATIENCE_MILLIS = 20_000;
    private static final long PROBE_RETRY_MILLIS = 500;

    /** Asks every restored bridge whether it still has the conference; answers requests when all have answered. */
    private void probe() {
        probed = true;
        // The focus is in the room; the probe has a deadline of its own.
        cancel(joinTimer);
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(PROBE_PATIENCE_MILLIS);
        for (ColibriSession s : List.copyOf(sessions.values())) {
            if (!s.created) continue;
            probesPending++;
            probe(s, deadline);
        }
        if (probesPending == 0) ready();
    }

    private void probe(ColibriSession s, long deadline) {
        IQ iq = new IQ(IQ.Type.set);
        iq.setFrom(self);
        iq.setTo(s.bridge.jid());
        iq.setChildElement(ConferenceModify.of(meetingId, List.of(), List.of()).toElement());
        long sent = System.nanoTime();
        ctx.iq().request(iq, config.colibriTimeout(), config.colibriRetries(), exec, outcome -> {
            ctx.latency().colibri("modify", !outcome.timedOut(), System.nanoTime() - sent);
            if (state == State.ENDED) return;
            if (outcome.isError()) {
                Colibri2Error c = colibriError(outcome.answer());
                if (c == null && notBackYet(outcome.answer()) && System.nanoTime() < deadline) {
                    // After a restart the bridges reconnect (components) or rejoin the brewery only once our ports
                    // are open: the bridge is not there yet, which says nothing about its conference. Ask again.
                    log.debug("{}: {} not reachable yet for the restore probe; asking again", roomName, s.bridge.jid());
                    exec.schedule(() -> {
                        if (state != State.ENDED) probe(s, deadline);
                    }, PROBE_RETRY_MILLIS, TimeUnit.MILLISECONDS);
                    return;
                }
                if (c != null && c.errorReason() == Colibri2ErrorReason.CONFERENCE_NOT_FOUND) {
                    log.info("{}: {} no longer has the conference; it is created again on the next allocation", roomName, s.bridge.jid());
                } else {
                    log.warn("{}: {} answered the restore probe with {}", roomName, s.bridge.jid(), describe(outcome.answer()));
                }
                // Whatever it held is gone: the ghosts there have nothing left to expire.
                s.created = false;
                for (String nick : List.copyOf(s.endpoints)) if (ghosts.remove(nick) != null) s.endpoints.remove(nick);
                for (RelayLink l : s.relays.values()) l.remote.relays.remove(s.relayId);
                s.relays.clear();
            } else if (outcome.timedOut()) {
                ctx.bridges().reportTimeout(s.bridge, "COLIBRI2 request");
            }
            if (--probesPending == 0) ready();
        });
    }

    /** The router's or the brewery's answer for an address nobody holds now (not the bridge's own COLIBRI2 error). */
    private static boolean notBackYet(IQ answer) {
        PacketError e = answer == null ? null : answer.getError();
        if (e == null) return false;
        return switch (e.getCondition()) {
            case service_unavailable, remote_server_not_found, recipient_unavailable, item_not_found -> true;
            default -> false;
        };
    }

    /** Joins the room. */
    void start() {
        sendFocusPresence(true);
        joinTimer = exec.schedule(() -> {
            if (state == State.JOINING || state == State.CONFIGURING) {
                log.warn("{}: the focus could not join within {} ({})", roomName, config.joinTimeout(), state);
                end("join timeout", true);
            }
        }, config.joinTimeout().toMillis(), TimeUnit.MILLISECONDS);
    }

    /** A conference request for this room (already allowed by the policy). */
    void request(Requester requester, ConferenceIq request) {
        if (state == State.ENDED) {
            reply(requester, false);
            return;
        }
        if ("false".equalsIgnoreCase(request.property("rtcstatsEnabled")) && participants.isEmpty()) rtcstatsEnabled = false;
        for (ConferenceModule m : modules) m.requested(request);
        if (state == State.RUNNING) reply(requester, true);
        else pendingRequests.add(requester);
    }

    private void reply(Requester requester, boolean ready) {
        reply(ctx, roomName, requester, ready);
    }

    /** Answers a conference request for {@code roomName}; {@code ready=false} makes lib-jitsi-meet ask again later. */
    static void reply(ConferenceContext ctx, String roomName, Requester requester, boolean ready) {
        FocusConfig config = ctx.config();
        IQ reply = IQ.createResultIQ(requester.iq());
        boolean auth = config.policy().create() != FocusConfig.CreatePolicy.ANYONE;
        List<ConferenceIq.Property> props = ctx.replyProperties().apply(List.of(
                new ConferenceIq.Property("authentication", Boolean.toString(auth)),
                new ConferenceIq.Property("externalAuth", "false"),
                new ConferenceIq.Property("sipGatewayEnabled", "false"),
                new ConferenceIq.Property("visitors-supported", "false")));
        reply.setChildElement(ConferenceIq.reply(roomName, ready, config.focusJid().toBareJID(), null, props).toElement());
        requester.reply(reply);
    }

    /** Ends the conference: expires it on every bridge, leaves the room (unless the room is gone), forgets it. */
    void end(String why, boolean leaveRoom) {
        if (state == State.ENDED) return;
        log.info("{}: conference ends ({})", roomName, why);
        for (Requester r : pendingRequests) reply(r, false);
        pendingRequests.clear();
        state = State.ENDED;
        cancel(joinTimer);
        cancel(startTimer);
        cancel(aloneTimer);
        cancel(graceTimer);
        ghosts.clear();
        for (ColibriSession s : List.copyOf(sessions.values())) {
            if (!handedOver && !s.failed && s.bridge.failure() == null && meetingId != null) {
                sendColibri(s, ConferenceModify.expireConference(meetingId), true, ok -> { }, err -> { });
            }
        }
        sessions.clear();
        if (leaveRoom) {
            Presence leave = new Presence(Presence.Type.unavailable);
            leave.setFrom(self);
            leave.setTo(focusOccupant);
            ctx.iq().send(leave);
        }
        if (!handedOver) ctx.sink().conferenceEnded(roomName);
        for (ConferenceModule m : modules) m.ended();
        ctx.ended().accept(this);
    }

    /**
     * Another node owns the conference now (it took the lease over): stop here without touching the bridges or the
     * stored state, which are the new owner's.
     */
    void handOver() {
        handedOver = true;
        end("taken over by another node", true);
    }

    /**
     * The focus stops: the end of the conference; or, when the node hands over to its next process
     * ({@code handOver}), as when another node takes it over, and without leaving the room (the room goes to the next
     * process with the focus in it): the SFU keeps the conference and the stored state stays for the next process.
     */
    void stop(boolean handOver) {
        if (handOver) {
            handedOver = true;
            end("handed over to the next process", false);
        } else {
            end("focus stopping", true);
        }
    }

    private static void cancel(ScheduledFuture<?> f) {
        if (f != null) f.cancel(false);
    }

    private void sendFocusPresence(boolean join) {
        Presence p = new Presence();
        p.setFrom(self);
        p.setTo(focusOccupant);
        if (join) p.addChildElement("x", Stanzas.MUC);
        Element versions = p.addChildElement("versions", Stanzas.JITMEET);
        versions.addElement("component").addAttribute("type", "focus").setText("Parley");
        Element props = p.addChildElement("conference-properties", Stanzas.FOCUS);
        props.addElement("property").addAttribute("key", "support-terminate-restart").addAttribute("value", "true");
        props.addElement("property").addAttribute("key", "bridge-count").addAttribute("value", Integer.toString(sessions.size()));
        if (noBridge) p.addChildElement("bridgeNotAvailable", Stanzas.JITMEET);
        for (Element e : moduleExtensions.values()) p.getElement().add(e.createCopy());
        ctx.iq().send(p);
    }

    // ------------------------------------------------------------------ room presence

    /** A presence from the room (an occupant's, or the focus's own). */
    void presence(Presence p) {
        JID from = p.getFrom();
        if (state == State.ENDED || from == null || !roomName.equals(from.toBareJID()) || from.getResource() == null) return;
        String nick = from.getResource();
        if (nick.equals(config.nickname())) {
            selfPresence(p);
            return;
        }
        if (p.getType() == Presence.Type.error) return;
        if (p.getType() == Presence.Type.unavailable) {
            Participant gone = participants.get(nick);
            if (gone != null) left(gone);
            return;
        }
        if (p.getType() != null) return;
        Element item = item(p);
        JID realJid = null;
        if (item != null && item.attributeValue("jid") != null) {
            try {
                realJid = JidPrep.parse(item.attributeValue("jid"));
            } catch (IllegalArgumentException ignored) {
                // an occupant whose real JID we cannot read is still an occupant
            }
        }
        if (realJid != null && realJid.toBareJID().equals(config.focusJid().toBareJID())) return;
        Participant q = participants.get(nick);
        boolean joined = q == null;
        if (joined) {
            q = new Participant(nick, from, joinCounter++);
            participants.put(nick, q);
        }
        if (realJid != null) q.realJid = realJid;
        if (item != null) {
            q.affiliation = item.attributeValue("affiliation", q.affiliation);
            q.role = item.attributeValue("role", q.role);
            if ("owner".equals(q.affiliation)) ownerGrantsPending.remove(nick);
        }
        q.hidden = config.hidden(q.realJid);
        readPresenceExtensions(q, p.getElement());
        Member member = Member.of(q);
        if (joined) {
            log.debug("{}: {} joined ({})", roomName, nick, q.realJid);
            if (ghosts.containsKey(nick) && !adopt(q)) {
                // Back after the restart with a new client session: its old endpoint goes, a new one comes in the
                // same bridge conference.
                log.info("{}: {} is back", roomName, nick);
                dropGhost(nick, false);
            }
            for (ConferenceModule m : modules) m.joined(member);
            resolveFeatures(q, p.getElement());
            if (state == State.RUNNING) {
                cancel(startTimer);
                grantOwners();
                participantCountChanged();
                maybeInvite();
            }
        }
        for (ConferenceModule m : modules) m.presence(member, p);
    }

    private static Element item(Presence p) {
        Element x = Stanzas.child(p.getElement(), "x", Stanzas.MUC_USER);
        return x == null ? null : x.element("item");
    }

    private void readPresenceExtensions(Participant q, Element presence) {
        List<OpaqueElement> ext = new ArrayList<>();
        for (Element c : presence.elements()) {
            String ns = c.getNamespaceURI();
            if (Stanzas.MUC_USER.equals(ns) || "jabber:client".equals(ns) && STANDARD_PRESENCE.contains(c.getName())) continue;
            ext.add(OpaqueElement.of(c));
            switch (c.getName()) {
                case "stats-id" -> q.statsId = c.getTextTrim();
                case "region" -> {
                    String id = c.attributeValue("id");
                    if (id != null && !id.isBlank()) q.region = id;
                }
                case "jitsi_participant_region" -> {
                    if (!c.getTextTrim().isEmpty()) q.region = c.getTextTrim();
                }
                default -> { }
            }
        }
        q.presence = List.copyOf(ext);
    }

    private void selfPresence(Presence p) {
        if (p.getType() == Presence.Type.error) {
            log.warn("{}: the focus could not join: {}", roomName, p.getError() == null ? "error" : p.getError().getCondition());
            end("join refused", false);
            return;
        }
        if (p.getType() == Presence.Type.unavailable) {
            end("the focus was removed from the room", false);
            return;
        }
        Element item = item(p);
        focusIsOwner = item != null && "owner".equals(item.attributeValue("affiliation"));
        if (state == State.JOINING) {
            state = State.CONFIGURING;
            configure();
        }
    }

    /** Reads the meeting id (and makes the room non-anonymous) from the owner form, or from disco#info. */
    private void configure() {
        if (!focusIsOwner) {
            discoMeetingId();
            return;
        }
        IQ get = new IQ(IQ.Type.get);
        get.setFrom(self);
        get.setTo(room);
        get.setChildElement("query", Stanzas.MUC_OWNER);
        ctx.iq().request(get, config.joinTimeout(), 0, exec, outcome -> {
            if (state != State.CONFIGURING) return;
            if (!outcome.isResult()) {
                discoMeetingId();
                return;
            }
            Element form = Stanzas.child(outcome.answer().getChildElement(), "x", Stanzas.DATA);
            meetingId = Stanzas.formValue(form, Stanzas.MEETING_ID);
            String whois = Stanzas.formValue(form, Stanzas.WHOIS);
            if (form != null && !"anyone".equals(whois)) {
                IQ set = new IQ(IQ.Type.set);
                set.setFrom(self);
                set.setTo(room);
                Element x = set.setChildElement("query", Stanzas.MUC_OWNER).addElement("x", Stanzas.DATA);
                x.addAttribute("type", "submit");
                x.addElement("field").addAttribute("var", "FORM_TYPE").addElement("value").setText(Stanzas.ROOMCONFIG);
                x.addElement("field").addAttribute("var", Stanzas.WHOIS).addElement("value").setText("anyone");
                ctx.iq().request(set, config.joinTimeout(), 0, exec, done -> {
                    if (!done.isResult()) log.warn("{}: could not make the room non-anonymous", roomName);
                    if (meetingId == null) discoMeetingId();
                    else ready();
                });
            } else if (meetingId == null) {
                discoMeetingId();
            } else {
                ready();
            }
        });
    }

    private void discoMeetingId() {
        IQ get = new IQ(IQ.Type.get);
        get.setFrom(self);
        get.setTo(room);
        get.setChildElement("query", Stanzas.DISCO_INFO);
        ctx.iq().request(get, config.joinTimeout(), 0, exec, outcome -> {
            if (state != State.CONFIGURING) return;
            if (outcome.isResult()) {
                Element form = Stanzas.child(outcome.answer().getChildElement(), "x", Stanzas.DATA);
                meetingId = Stanzas.formValue(form, Stanzas.MEETING_ID);
            }
            ready();
        });
    }

    private void ready() {
        if (state != State.CONFIGURING) return;
        if (restoredMeetingId != null) meetingId = restoredMeetingId;
        if (!probed) {
            probe();
            return;
        }
        if (meetingId == null || meetingId.isBlank()) meetingId = UUID.randomUUID().toString();
        state = State.RUNNING;
        cancel(joinTimer);
        log.info("{}: focus in the room, meeting id {}", roomName, meetingId);
        for (Requester r : pendingRequests) reply(r, true);
        pendingRequests.clear();
        for (ConferenceModule m : modules) m.created();
        if (realCount() == 0 && ghosts.isEmpty()) {
            startTimer = exec.schedule(() -> {
                if (state == State.RUNNING && realCount() == 0) end("nobody joined", true);
            }, config.conferenceStartTimeout().toMillis(), TimeUnit.MILLISECONDS);
        }
        grantOwners();
        participantCountChanged();
        maybeInvite();
        changed();
    }

    private int realCount() {
        int n = 0;
        for (Participant p : participants.values()) if (!p.hidden) n++;
        return n;
    }

    // ------------------------------------------------------------------ owners

    /** Auto-owner: the first real participant (the next one when it leaves), or every authenticated one. */
    private void grantOwners() {
        FocusConfig.Policy policy = config.policy();
        if (!policy.autoOwner() || !focusIsOwner || state != State.RUNNING) return;
        if (policy.create() == FocusConfig.CreatePolicy.AUTHENTICATED) {
            for (Participant p : participants.values()) {
                if (!p.hidden && p.realJid != null && policy.authenticatedDomains().contains(p.realJid.getDomain())
                        && !"owner".equals(p.affiliation) && !ownerGrantsPending.contains(p.nick)) {
                    grantOwner(p);
                }
            }
            return;
        }
        Participant first = null;
        for (Participant p : participants.values()) {
            if (p.hidden || p.realJid == null) continue;
            if ("owner".equals(p.affiliation) || ownerGrantsPending.contains(p.nick)) return;
            if (first == null || p.joinOrder < first.joinOrder) first = p;
        }
        if (first != null) grantOwner(first);
    }

    private void grantOwner(Participant p) {
        ownerGrantsPending.add(p.nick);
        IQ set = new IQ(IQ.Type.set);
        set.setFrom(self);
        set.setTo(room);
        Element q = set.setChildElement("query", Stanzas.MUC_ADMIN);
        q.addElement("item").addAttribute("affiliation", "owner").addAttribute("jid", p.realJid.toBareJID());
        ctx.iq().request(set, config.jingleTimeout(), 0, exec, outcome -> {
            if (!outcome.isResult()) {
                log.warn("{}: could not make {} an owner", roomName, p.nick);
                ownerGrantsPending.remove(p.nick);
            }
        });
    }

    // ------------------------------------------------------------------ capabilities

    private void resolveFeatures(Participant q, Element presence) {
        String key = Capabilities.capsKey(presence);
        Set<String> direct = Capabilities.presenceFeatures(presence);
        log.debug("{}: {} caps {} in {}", roomName, q.nick, key, presence.asXML());
        if (key == null) {
            q.features = direct;
            return;
        }
        Set<String> known = ctx.capabilities().cached(key);
        if (known != null) {
            q.features = union(known, direct);
            return;
        }
        q.capsKey = key;
        List<Participant> waiting = capsWaiting.get(key);
        if (waiting != null) {
            waiting.add(q);
            return;
        }
        waiting = new ArrayList<>();
        waiting.add(q);
        capsWaiting.put(key, waiting);
        IQ get = new IQ(IQ.Type.get);
        get.setFrom(self);
        get.setTo(q.occupantJid);
        Element query = get.setChildElement("query", Stanzas.DISCO_INFO);
        query.addAttribute("node", key);
        ctx.iq().request(get, config.discoTimeout(), 0, exec, outcome -> {
            List<Participant> all = capsWaiting.remove(key);
            Set<String> features = outcome.isResult()
                    ? ctx.capabilities().learn(key, outcome.answer().getChildElement()) : Set.of();
            log.debug("{}: features of {}: {} ({})", roomName, key, features, outcome.answer() == null ? "timeout" : outcome.answer().getType());
            if (all == null) return;
            for (Participant p : all) {
                if (participants.get(p.nick) != p) continue;
                p.features = union(features, direct);
            }
            maybeInvite();
        });
    }

    private static Set<String> union(Set<String> a, Set<String> b) {
        if (b.isEmpty()) return a;
        Set<String> s = new HashSet<>(a);
        s.addAll(b);
        return s;
    }

    // ------------------------------------------------------------------ invitations

    private void maybeInvite() {
        if (state != State.RUNNING) return;
        boolean enough = realCount() >= config.minParticipants() || !ghosts.isEmpty();
        boolean running = false;
        for (Participant p : participants.values()) if (p.hasSession()) running = true;
        for (Participant p : List.copyOf(participants.values())) {
            if (p.state != SessionState.NONE || p.features == null) continue;
            if (enough || (p.hidden && running)) {
                p.parkedAlone = false;
                invite(p);
            }
        }
    }

    private void participantCountChanged() {
        if (realCount() == 1) {
            if (aloneTimer == null || aloneTimer.isDone()) {
                aloneTimer = exec.schedule(this::aloneTimeout, config.singleParticipantTimeout().toMillis(),
                        TimeUnit.MILLISECONDS);
            }
        } else {
            cancel(aloneTimer);
            aloneTimer = null;
        }
    }

    /**
     * The only participant left for a while loses its session; it gets a new one when someone joins. Not while a
     * recorder or transcriber (a hidden participant) takes the media: a teacher recording a lesson alone is not alone,
     * as Jicofo, which counts its Jibri as a participant, sees it too.
     */
    private void aloneTimeout() {
        aloneTimer = null;
        if (state != State.RUNNING || realCount() != 1) return;
        for (Participant p : participants.values()) if (p.hidden && p.hasSession()) return;
        for (Participant p : List.copyOf(participants.values())) {
            if (!p.hasSession()) continue;
            log.info("{}: {} is alone; ending its session", roomName, p.nick);
            if (p.sid != null) sendJingle(p, ctx.offers().sessionTerminate(p.sid, ReasonCondition.EXPIRED, "alone"), o -> { });
            expireEndpoint(p);
            removeSources(p);
            p.resetSession();
            p.parkedAlone = true;
        }
        changed();
    }

    /** Allocates an endpoint for {@code p} on a bridge, then offers it a session. */
    private void invite(Participant p) {
        if (state != State.RUNNING || p.features == null) return;
        long now = System.currentTimeMillis();
        Map<Bridge, Integer> use = new LinkedHashMap<>();
        for (ColibriSession s : sessions.values()) use.put(s.bridge, s.endpoints.size());
        List<Bridge> all = new ArrayList<>();
        for (Bridge b : ctx.bridges().all()) if (!excludedBridges.contains(b.jid())) all.add(b);
        Bridge bridge = ctx.selector().select(all, use, p.region, now);
        if (bridge == null) {
            if (!noBridge) {
                log.warn("{}: no bridge available for {}", roomName, p.nick);
                noBridge = true;
                sendFocusPresence(false);
            }
            return;
        }
        if (noBridge) {
            noBridge = false;
            sendFocusPresence(false);
        }
        ColibriSession s = sessions.get(bridge);
        boolean newSession = s == null;
        if (newSession) {
            s = new ColibriSession(bridge);
            sessions.put(bridge, s);
        }
        p.state = SessionState.ALLOCATING;
        p.bridgeSession = s;
        int generation = ++p.generation;
        s.endpoints.add(p.nick);
        bridge.endpointAllocated(now);
        Endpoint ep = ctx.offers().allocation(p.nick, p.statsId);
        Member member = Member.of(p);
        for (ConferenceModule m : modules) ep = m.allocating(member, ep);
        ConferenceModify cm = s.created ? ConferenceModify.of(meetingId, List.of(ep), List.of())
                : new ConferenceModify(meetingId, roomName, true, false, rtcstatsEnabled, true, List.of(ep), List.of(), List.of());
        s.created = true;
        ColibriSession session = s;
        sendColibri(s, cm, false, answer -> allocated(p, generation, session, answer),
                error -> allocationFailed(p, generation, session, error, cm));
        if (newSession) {
            for (ColibriSession other : List.copyOf(sessions.values())) if (other != s) link(other, s);
            sendFocusPresence(false);
        } else {
            for (ColibriSession other : sessions.values()) {
                RelayLink l = other.relays.get(s.relayId);
                if (other != s && l != null) {
                    sendRelayEndpoints(other, l.id, List.of(ctx.offers().relayEndpoint(p.nick, p.statsId, true, nonEmpty(sources.get(p.nick)))));
                }
            }
        }
    }

    private static EndpointSources nonEmpty(EndpointSources s) {
        return s.isEmpty() ? null : s;
    }

    private void allocated(Participant p, int generation, ColibriSession s, IQ answer) {
        if (stale(p, generation, s)) return;
        ConferenceModified cm;
        try {
            cm = ConferenceModified.parse(answer.getChildElement());
        } catch (JingleParseException | NullPointerException e) {
            log.warn("{}: malformed allocation answer from {}: {}", roomName, s.bridge.jid(), e.getMessage());
            sessionFailed(s, "malformed answer", true);
            return;
        }
        Endpoint ep = cm.endpoint(p.nick);
        if (ep == null || ep.transport() == null || ep.transport().iceUdp() == null) {
            log.warn("{}: {} allocated {} without a transport", roomName, s.bridge.jid(), p.nick);
            sessionFailed(s, "no transport", true);
            return;
        }
        if (cm.sources() != null) {
            s.feedback = EndpointSources.fromColibri(cm.sources());
            sources.reserve(s.feedback);
        }
        p.bridgeTransport = ep.transport().iceUdp();
        p.sctpPort = ep.transport().sctp() == null ? null : ep.transport().sctp().port();
        offer(p);
    }

    private boolean stale(Participant p, int generation, ColibriSession s) {
        return state != State.RUNNING || participants.get(p.nick) != p || p.generation != generation
                || p.bridgeSession != s || sessions.get(s.bridge) != s;
    }

    private void allocationFailed(Participant p, int generation, ColibriSession s, IQ error, ConferenceModify request) {
        if (state != State.RUNNING || sessions.get(s.bridge) != s) return;
        Colibri2Error c = colibriError(error);
        Colibri2ErrorReason reason = c == null ? null : c.errorReason();
        boolean current = !stale(p, generation, s);
        if (current && reason == Colibri2ErrorReason.CONFERENCE_ALREADY_EXISTS && request.create()) {
            // The bridge still has this meeting (e.g. after a focus restart): use it.
            log.info("{}: {} already has the conference; allocating in it", roomName, s.bridge.jid());
            retryAllocation(p, s, ConferenceModify.of(meetingId, request.endpoints(), List.of()));
            return;
        }
        if (current && reason == Colibri2ErrorReason.CONFERENCE_NOT_FOUND && !request.create()) {
            log.info("{}: {} lost the conference; creating it again", roomName, s.bridge.jid());
            retryAllocation(p, s, new ConferenceModify(meetingId, roomName, true, false, rtcstatsEnabled, true,
                    request.endpoints(), List.of(), List.of()));
            return;
        }
        log.warn("{}: allocation of {} on {} failed: {}", roomName, p.nick, s.bridge.jid(), describe(error));
        excludedBridges.add(s.bridge.jid());
        sessionFailed(s, "allocation failed", true);
    }

    private void retryAllocation(Participant p, ColibriSession s, ConferenceModify cm) {
        int generation = ++p.generation;
        sendColibri(s, cm, false, answer -> allocated(p, generation, s, answer), error -> {
            if (stale(p, generation, s)) return;
            log.warn("{}: allocation of {} on {} failed again: {}", roomName, p.nick, s.bridge.jid(), describe(error));
            excludedBridges.add(s.bridge.jid());
            sessionFailed(s, "allocation failed", true);
        });
    }

    private void offer(Participant p) {
        ColibriSession s = p.bridgeSession;
        String sid = Long.toString(Math.abs(UUID.randomUUID().getMostSignificantBits()), 36);
        p.sid = sid;
        p.bridgeSessionId = UUID.randomUUID().toString();
        p.state = SessionState.OFFERED;
        p.queued.clear();
        List<Offers.Remote> others = new ArrayList<>();
        for (Participant q : participants.values()) {
            if (q == p) continue;
            EndpointSources es = sources.get(q.nick);
            if (!es.isEmpty()) others.add(new Offers.Remote(q.nick, q.occupantJid.toString(), es));
        }
        Jingle initiate = ctx.offers().sessionInitiate(sid, focusOccupant.toString(), p.bridgeTransport, p.sctpPort,
                p.bridgeSessionId, s.bridge.region(), others, s.feedback, p.supports(org.parley.focus.source.CompactJson.FEATURE));
        Member member = Member.of(p);
        for (ConferenceModule m : modules) initiate = m.offering(member, initiate);
        int generation = p.generation;
        sendJingle(p, initiate, outcome -> {
            if (participants.get(p.nick) != p || p.generation != generation || !sid.equals(p.sid)) return;
            if (!outcome.isResult()) inviteFailed(p, outcome.timedOut() ? "no answer" : describe(outcome.answer()));
        });
        changed();
    }

    private void inviteFailed(Participant p, String why) {
        p.inviteFailures++;
        log.warn("{}: session-initiate to {} failed ({}), attempt {}", roomName, p.nick, why, p.inviteFailures);
        expireEndpoint(p);
        p.resetSession();
        if (p.inviteFailures <= config.inviteRetries()) {
            int generation = p.generation;
            exec.schedule(() -> {
                if (participants.get(p.nick) == p && p.generation == generation && p.state == SessionState.NONE) invite(p);
            }, 500L * p.inviteFailures, TimeUnit.MILLISECONDS);
        }
        changed();
    }

    // ------------------------------------------------------------------ Jingle from clients

    /** A Jingle IQ (or any other IQ request, offered to the modules) from an occupant. */
    void jingle(IQ iq) {
        if (iq.getType() != IQ.Type.set && iq.getType() != IQ.Type.get) return;
        String nick = iq.getFrom() == null ? null : iq.getFrom().getResource();
        Element child = iq.getChildElement();
        if (!Jingle.isJingle(child)) {
            Participant from = nick == null ? null : participants.get(nick);
            if (from != null && state == State.RUNNING) {
                Member member = Member.of(from);
                for (ConferenceModule m : modules) if (m.iq(member, iq)) return;
            }
            ctx.iq().send(Stanzas.error(iq, PacketError.Condition.service_unavailable, null));
            return;
        }
        Jingle j;
        try {
            j = Jingle.parse(child);
        } catch (JingleParseException e) {
            ctx.iq().send(Stanzas.error(iq, PacketError.Condition.bad_request, e.getMessage()));
            return;
        }
        Participant p = nick == null ? null : participants.get(nick);
        if (p == null || p.sid == null || !p.sid.equals(j.sid())) {
            ctx.iq().send(Stanzas.jingleError(iq, PacketError.Condition.item_not_found, "unknown-session", "No session " + j.sid()));
            return;
        }
        switch (j.jingleAction()) {
            case SESSION_ACCEPT -> sessionAccept(p, iq, j);
            case TRANSPORT_INFO -> transportInfo(p, iq, j);
            case SOURCE_ADD, ADDSOURCE -> sourceAdd(p, iq, j);
            case SOURCE_REMOVE, REMOVESOURCE -> sourceRemove(p, iq, j);
            case SESSION_TERMINATE -> sessionTerminate(p, iq, j);
            case SESSION_INFO, TRANSPORT_ACCEPT, TRANSPORT_REJECT -> result(iq);
            default -> ctx.iq().send(Stanzas.error(iq, PacketError.Condition.feature_not_implemented, "Unsupported action " + j.action()));
        }
    }

    private void result(IQ iq) {
        ctx.iq().send(IQ.createResultIQ(iq));
    }

    private void sessionAccept(Participant p, IQ iq, Jingle j) {
        if (p.state != SessionState.OFFERED) {
            ctx.iq().send(Stanzas.jingleError(iq, PacketError.Condition.unexpected_request, "out-of-order", "The session is not waiting for an answer"));
            return;
        }
        EndpointSources claimed = EndpointSources.fromContents(j.contents());
        ConferenceSources.Change change;
        try {
            // The accept carries the client's whole source set: a new session (restart, move) may bring new SSRCs.
            change = sources.validateReplace(p.nick, claimed);
        } catch (SourceException e) {
            log.info("{}: session-accept from {} refused: {}", roomName, p.nick, e.getMessage());
            ctx.iq().send(Stanzas.error(iq, PacketError.Condition.bad_request, e.getMessage()));
            return;
        }
        result(iq);
        p.state = SessionState.ACTIVE;
        p.inviteFailures = 0;
        p.clientTransport = transport(j);
        p.initialLastN = initialLastN(j);
        if (!change.removed().isEmpty()) sources.remove(p.nick, change.removed());
        if (!change.added().isEmpty()) sources.add(p.nick, change.added());
        updateEndpoint(p, p.clientTransport, true);
        updateRelays(p);
        if (!change.removed().isEmpty()) propagate(false, p, change.removed());
        if (!change.added().isEmpty()) propagate(true, p, change.added());
        List<QueuedSources> queued = List.copyOf(p.queued);
        p.queued.clear();
        for (QueuedSources q : queued) {
            sendJingle(p, ctx.offers().sourceChange(q.add(), p.sid, q.owner(), q.ownerOccupant().toString(), q.sources(),
                    p.supports(org.parley.focus.source.CompactJson.FEATURE)), o -> { });
        }
        changed();
    }

    private static IceUdpTransport transport(Jingle j) {
        IceUdpTransport any = null;
        for (Content c : j.contents()) {
            IceUdpTransport t = c.transport();
            if (t == null) continue;
            if (t.ufrag() != null || !t.fingerprints().isEmpty()) return t;
            if (any == null) any = t;
        }
        return any;
    }

    private static Integer initialLastN(Jingle j) {
        for (Content c : j.contents()) {
            for (OpaqueElement x : c.extensions()) {
                if (x.is("initial-last-n", Ns.COLIBRI2)) {
                    try {
                        return Integer.valueOf(x.attribute("value"));
                    } catch (NumberFormatException | NullPointerException e) {
                        return null;
                    }
                }
            }
        }
        return null;
    }

    private void transportInfo(Participant p, IQ iq, Jingle j) {
        result(iq);
        IceUdpTransport t = transport(j);
        if (t == null || p.bridgeSession == null || p.state == SessionState.ALLOCATING) return;
        updateEndpoint(p, t, false);
    }

    private void sourceAdd(Participant p, IQ iq, Jingle j) {
        EndpointSources fresh;
        try {
            fresh = sources.validateAdd(p.nick, EndpointSources.fromContents(j.contents()));
        } catch (SourceException e) {
            log.info("{}: source-add from {} refused: {}", roomName, p.nick, e.getMessage());
            ctx.iq().send(Stanzas.error(iq, PacketError.Condition.bad_request, e.getMessage()));
            return;
        }
        result(iq);
        if (fresh.isEmpty()) return;
        sources.add(p.nick, fresh);
        if (p.state == SessionState.ACTIVE) updateEndpoint(p, null, true);
        updateRelays(p);
        propagate(true, p, fresh);
        changed();
    }

    private void sourceRemove(Participant p, IQ iq, Jingle j) {
        EndpointSources gone;
        try {
            gone = sources.validateRemove(p.nick, EndpointSources.fromContents(j.contents()));
        } catch (SourceException e) {
            log.info("{}: source-remove from {} refused: {}", roomName, p.nick, e.getMessage());
            ctx.iq().send(Stanzas.error(iq, PacketError.Condition.bad_request, e.getMessage()));
            return;
        }
        result(iq);
        if (gone.isEmpty()) return;
        sources.remove(p.nick, gone);
        if (p.state == SessionState.ACTIVE) updateEndpoint(p, null, true);
        updateRelays(p);
        propagate(false, p, gone);
        changed();
    }

    private void sessionTerminate(Participant p, IQ iq, Jingle j) {
        boolean restart = j.bridgeSession() != null && j.bridgeSession().restart();
        if (restart && !restartAllowed(p)) {
            log.info("{}: restart request from {} rate-limited", roomName, p.nick);
            ctx.iq().send(Stanzas.error(iq, PacketError.Condition.resource_constraint, "Too many restart requests"));
            return;
        }
        result(iq);
        expireEndpoint(p);
        removeSources(p);
        p.resetSession();
        if (restart) {
            log.info("{}: {} asked for a new session", roomName, p.nick);
            p.inviteFailures = 0;
            invite(p);
        }
        changed();
    }

    private boolean restartAllowed(Participant p) {
        long now = System.currentTimeMillis();
        FocusConfig.RestartLimits limits = config.restart();
        while (!p.restarts.isEmpty() && p.restarts.peekFirst() < now - limits.interval().toMillis()) p.restarts.pollFirst();
        if (!p.restarts.isEmpty() && p.restarts.peekLast() > now - limits.minInterval().toMillis()) return false;
        if (p.restarts.size() >= limits.maxRequests()) return false;
        p.restarts.addLast(now);
        return true;
    }

    /** Tells every other client about {@code owner}'s new or removed sources (queued for those not yet active). */
    private void propagate(boolean add, Participant owner, EndpointSources delta) {
        for (Participant q : participants.values()) {
            if (q == owner) continue;
            if (q.state == SessionState.ACTIVE) {
                sendJingle(q, ctx.offers().sourceChange(add, q.sid, owner.nick, owner.occupantJid.toString(), delta,
                        q.supports(org.parley.focus.source.CompactJson.FEATURE)), o -> { });
            } else if (q.state == SessionState.OFFERED) {
                q.queued.add(new QueuedSources(add, owner.nick, owner.occupantJid, delta));
            }
        }
    }

    private void removeSources(Participant p) {
        EndpointSources had = sources.removeEndpoint(p.nick);
        if (!had.isEmpty()) {
            propagate(false, p, had);
            updateRelays(p);
        }
    }

    // ------------------------------------------------------------------ leaving

    private void left(Participant p) {
        participants.remove(p.nick);
        ownerGrantsPending.remove(p.nick);
        log.debug("{}: {} left", roomName, p.nick);
        Member member = Member.of(p);
        for (ConferenceModule m : modules) m.left(member);
        if (state != State.RUNNING) return;
        EndpointSources had = sources.removeEndpoint(p.nick);
        expireEndpoint(p);
        if (!had.isEmpty()) propagate(false, p, had);
        p.resetSession();
        if (realCount() == 0 && ghosts.isEmpty()) {
            end("the last participant left", true);
            return;
        }
        grantOwners();
        participantCountChanged();
        changed();
    }

    /** Expires {@code p}'s endpoint on its bridge and on the relays of the others; the bridge conference when empty. */
    private void expireEndpoint(Participant p) {
        ColibriSession s = p.bridgeSession;
        p.bridgeSession = null;
        if (s == null || sessions.get(s.bridge) != s) return;
        s.endpoints.remove(p.nick);
        if (s.endpoints.isEmpty()) {
            removeSession(s, true);
            return;
        }
        sendColibri(s, ConferenceModify.of(meetingId, List.of(Endpoint.expiring(p.nick)), List.of()), true,
                ok -> { }, err -> log.debug("{}: expiring {} failed: {}", roomName, p.nick, describe(err)));
        for (ColibriSession other : sessions.values()) {
            RelayLink l = other.relays.get(s.relayId);
            if (other != s && l != null) sendRelayEndpoints(other, l.id, List.of(Endpoint.expiring(p.nick)));
        }
    }

    /** Drops a bridge from the conference: its conference there (if it can still hear us) and the relays to it. */
    private void removeSession(ColibriSession s, boolean expire) {
        if (sessions.remove(s.bridge) != s) return;
        if (expire && !s.failed && s.bridge.failure() == null) {
            sendColibri(s, ConferenceModify.expireConference(meetingId), true, ok -> { }, err -> { });
        }
        for (ColibriSession other : sessions.values()) {
            if (other.relays.remove(s.relayId) != null) {
                sendColibri(other, ConferenceModify.of(meetingId, List.of(), List.of(Relay.expiring(s.relayId))), true,
                        ok -> { }, err -> { });
            }
        }
        sendFocusPresence(false);
    }

    // ------------------------------------------------------------------ bridges

    /** A bridge failed: every participant on it is moved to another bridge. */
    void bridgeDown(Bridge bridge, String reason) {
        if (state != State.RUNNING) return;
        ColibriSession s = sessions.get(bridge);
        if (s != null) sessionFailed(s, "bridge " + reason, false);
    }

    /** A bridge became usable: participants waiting for one are invited. */
    void bridgeUp(Bridge bridge) {
        excludedBridges.remove(bridge.jid());
        if (abandoned.remove(bridge) && state == State.RUNNING && !sessions.containsKey(bridge)) {
            // It hung and recovered: what it still holds of this conference is orphaned.
            sendColibri(new ColibriSession(bridge), ConferenceModify.expireConference(meetingId), true, ok -> { }, err -> { });
        }
        if (state == State.RUNNING && noBridge) maybeInvite();
    }

    /**
     * The conference cannot use {@code s} any more: its participants get {@code session-terminate} "moving" and a new
     * allocation and offer elsewhere; the others keep their sessions.
     */
    private void sessionFailed(ColibriSession s, String why, boolean expire) {
        if (sessions.get(s.bridge) != s) return;
        List<Participant> moved = new ArrayList<>();
        for (String nick : s.endpoints) {
            Participant p = participants.get(nick);
            if (p != null && p.bridgeSession == s) moved.add(p);
        }
        log.warn("{}: moving {} participants off {} ({})", roomName, moved.size(), s.bridge.jid(), why);
        removeSession(s, expire);
        s.failed = true;
        if (!expire && s.bridge.failure() != null && !"left".equals(s.bridge.failure())) abandoned.add(s.bridge);
        for (Participant p : moved) {
            if (p.sid != null && (p.state == SessionState.OFFERED || p.state == SessionState.ACTIVE)) {
                sendJingle(p, ctx.offers().sessionTerminate(p.sid, ReasonCondition.SUCCESS, "moving"), o -> { });
            }
            p.bridgeSession = null;
            p.resetSession();
        }
        for (Participant p : moved) if (participants.get(p.nick) == p && p.state == SessionState.NONE) invite(p);
        changed();
    }

    // ------------------------------------------------------------------ COLIBRI2 to bridges

    /** Sends the client's transport and/or its sources to its bridge. */
    private void updateEndpoint(Participant p, IceUdpTransport transport, boolean withSources) {
        sendEndpoint(p, new Endpoint(p.nick, false, false, p.statsId, null, List.of(),
                transport == null ? null : Transport.of(transport),
                withSources ? sources.get(p.nick).toColibri(p.nick) : null, null,
                withSources ? p.initialLastN : null, List.of(), List.of()));
    }

    /** A module's change to an occupant's endpoint; false when it has none now. */
    boolean updateEndpoint(Endpoint change) {
        Participant p = participants.get(change.id());
        if (p == null || p.bridgeSession == null || sessions.get(p.bridgeSession.bridge) != p.bridgeSession) return false;
        sendEndpoint(p, change);
        return true;
    }

    /** Sends a change of {@code p}'s endpoint to its bridge; an endpoint the bridge lost is invited again. */
    private void sendEndpoint(Participant p, Endpoint ep) {
        ColibriSession s = p.bridgeSession;
        if (s == null || sessions.get(s.bridge) != s) return;
        int generation = p.generation;
        sendColibri(s, ConferenceModify.of(meetingId, List.of(ep), List.of()), true, ok -> { }, error -> {
            if (sessions.get(s.bridge) != s) return;
            Colibri2Error c = colibriError(error);
            if (c != null && c.errorReason() == Colibri2ErrorReason.UNKNOWN_ENDPOINT && c.endpointId() != null) {
                Participant gone = participants.get(c.endpointId());
                if (gone != null && gone.generation == generation) {
                    log.warn("{}: {} lost endpoint {}; inviting it again", roomName, s.bridge.jid(), gone.nick);
                    if (gone.sid != null) sendJingle(gone, ctx.offers().sessionTerminate(gone.sid, ReasonCondition.SUCCESS, "moving"), o -> { });
                    s.endpoints.remove(gone.nick);
                    gone.bridgeSession = null;
                    gone.resetSession();
                    invite(gone);
                }
                return;
            }
            log.warn("{}: update on {} failed: {}", roomName, s.bridge.jid(), describe(error));
            sessionFailed(s, "update failed", true);
        });
    }

    /** Sends {@code p}'s sources to the relays that lead to its bridge. */
    private void updateRelays(Participant p) {
        ColibriSession s = p.bridgeSession;
        if (s == null) return;
        EndpointSources es = sources.get(p.nick);
        for (ColibriSession other : sessions.values()) {
            RelayLink l = other.relays.get(s.relayId);
            if (other != s && l != null) {
                sendRelayEndpoints(other, l.id, List.of(ctx.offers().relayEndpoint(p.nick, p.statsId, false, es)));
            }
        }
    }

    private void sendRelayEndpoints(ColibriSession on, String relayId, List<Endpoint> endpoints) {
        Relay r = Relay.of(relayId).withEndpoints(endpoints);
        sendColibri(on, ConferenceModify.of(meetingId, List.of(), List.of(r)), true, ok -> { },
                err -> log.debug("{}: relay endpoint update on {} failed: {}", roomName, on.bridge.jid(), describe(err)));
    }

    /** Connects two bridges of the conference with a relay pair ({@code a} initiates). */
    private void link(ColibriSession a, ColibriSession b) {
        if (a.relayId == null || b.relayId == null) {
            log.warn("{}: cannot relay between {} and {}: missing relay id", roomName, a.bridge.jid(), b.bridge.jid());
            return;
        }
        a.relays.put(b.relayId, new RelayLink(b, true));
        b.relays.put(a.relayId, new RelayLink(a, false));
        createRelay(a, b, true);
        createRelay(b, a, false);
    }

    private void createRelay(ColibriSession on, ColibriSession remote, boolean initiator) {
        List<Endpoint> remoteEndpoints = new ArrayList<>();
        for (String nick : remote.endpoints) {
            Participant p = participants.get(nick);
            remoteEndpoints.add(ctx.offers().relayEndpoint(nick, p == null ? null : p.statsId, true, nonEmpty(sources.get(nick))));
        }
        Relay relay = ctx.offers().createRelay(remote.relayId, initiator, remoteEndpoints);
        sendColibri(on, ConferenceModify.of(meetingId, List.of(), List.of(relay)), false, answer -> {
            if (sessions.get(on.bridge) != on || sessions.get(remote.bridge) != remote) return;
            ConferenceModified cm;
            try {
                cm = ConferenceModified.parse(answer.getChildElement());
            } catch (JingleParseException | NullPointerException e) {
                sessionFailed(on, "malformed relay answer", true);
                return;
            }
            Relay created = cm.relay(remote.relayId);
            if (created == null || created.transport() == null || created.transport().iceUdp() == null) {
                sessionFailed(on, "relay without transport", true);
                return;
            }
            // Hand this side's transport to the other side, with the other side's DTLS role.
            RelayLink back = remote.relays.get(on.relayId);
            if (back == null) return;
            IceUdpTransport t = created.transport().iceUdp().withSetup(back.initiator ? Setup.ACTIVE : Setup.PASSIVE);
            if (!back.initiator) t = t.withWebSockets(List.of());
            Relay setTransport = Relay.of(on.relayId).withTransport(Transport.of(t));
            sendColibri(remote, ConferenceModify.of(meetingId, List.of(), List.of(setTransport)), true, ok -> { },
                    err -> log.warn("{}: relay transport on {} failed: {}", roomName, remote.bridge.jid(), describe(err)));
        }, error -> {
            if (sessions.get(on.bridge) != on) return;
            log.warn("{}: relay on {} failed: {}", roomName, on.bridge.jid(), describe(error));
            sessionFailed(on, "relay failed", true);
        });
    }

    /**
     * Sends a COLIBRI2 request to a bridge. A timeout means the bridge is hung: it is reported (and then moved off,
     * for every conference). {@code repeatable} requests are retried first; creations are not.
     */
    private void sendColibri(ColibriSession s, ConferenceModify cm, boolean repeatable, Consumer<IQ> onResult,
                             Consumer<IQ> onError) {
        IQ iq = new IQ(IQ.Type.set);
        iq.setFrom(self);
        iq.setTo(s.bridge.jid());
        iq.setChildElement(cm.toElement());
        String op = RequestLatency.colibriOp(cm);
        long sent = System.nanoTime();
        ctx.iq().request(iq, config.colibriTimeout(), repeatable ? config.colibriRetries() : 0, exec, outcome -> {
            ctx.latency().colibri(op, !outcome.timedOut(), System.nanoTime() - sent);
            if (outcome.timedOut()) {
                log.warn("{}: COLIBRI2 request to {} timed out", roomName, s.bridge.jid());
                ctx.bridges().reportTimeout(s.bridge, "COLIBRI2 request");
            } else if (outcome.isError()) {
                onError.accept(outcome.answer());
            } else {
                onResult.accept(outcome.answer());
            }
        });
    }

    private void sendJingle(Participant p, Jingle j, Consumer<Outcome> done) {
        IQ iq = new IQ(IQ.Type.set);
        iq.setFrom(self);
        iq.setTo(p.occupantJid);
        iq.setChildElement(j.toElement());
        long sent = System.nanoTime();
        ctx.iq().request(iq, config.jingleTimeout(), config.jingleRetries(), exec, outcome -> {
            ctx.latency().jingle(j.action(), !outcome.timedOut(), System.nanoTime() - sent);
            done.accept(outcome);
        });
    }

    private static Colibri2Error colibriError(IQ error) {
        try {
            return Colibri2Error.fromStanzaError(error.getElement().element("error"));
        } catch (JingleParseException e) {
            return null;
        }
    }

    private static String describe(Packet answer) {
        if (answer == null) return "no answer";
        Element e = answer.getElement().element("error");
        if (e == null) return answer.getElement().getName();
        Colibri2Error c = answer instanceof IQ iq ? colibriError(iq) : null;
        String condition = e.elements().isEmpty() ? "error" : e.elements().get(0).getName();
        return condition + (c != null ? " (" + c.reason() + ")" : "");
    }

    /** A service's message about this conference (see {@link ConferenceModule#message}). */
    void message(org.xmpp.packet.Message m) {
        if (state != State.RUNNING) return;
        for (ConferenceModule module : modules) module.message(m);
    }

    // ------------------------------------------------------------------ for modules (ConferenceHandle)

    JID focusOccupant() { return focusOccupant; }

    Participant participant(String nick) { return participants.get(nick); }

    java.util.Collection<Participant> participantList() { return participants.values(); }

    void sendAsFocus(IQ iq) {
        iq.setFrom(self);
        ctx.iq().send(iq);
    }

    void requestAsFocus(IQ request, java.time.Duration timeout, Consumer<IQ> answer) {
        request.setFrom(self);
        ctx.iq().request(request, timeout, 0, exec, outcome -> {
            if (state != State.ENDED) answer.accept(outcome.answer());
        });
    }

    /** A module's element for the focus's presence (replacing one of the same name); sent at once while in the room. */
    void focusPresenceExtension(Element e) {
        moduleExtensions.put(e.getQName(), e.createCopy());
        if (state != State.JOINING && state != State.ENDED) sendFocusPresence(false);
    }

    void notifyOccupant(IQ request) {
        request.setFrom(self);
        ctx.iq().request(request, config.jingleTimeout(), 0, exec, outcome -> {
            if (!outcome.isResult()) log.debug("{}: {} to {}: {}", roomName, request.getChildElement().getName(), request.getTo(), describe(outcome.answer()));
        });
    }

    // ------------------------------------------------------------------ state for persistence

    void modulesChanged() {
        if (state != State.ENDED) changed();
    }

    boolean isHandedOver() { return handedOver; }

    private void changed() {
        FocusStateSink sink = ctx.sink();
        if (sink != FocusStateSink.NONE) sink.conferenceChanged(record());
    }

    /** A consistent snapshot of this conference (call on the actor). */
    ConferenceRecord record() {
        List<ConferenceRecord.BridgeSessionRecord> bs = new ArrayList<>();
        for (ColibriSession s : sessions.values()) {
            bs.add(new ConferenceRecord.BridgeSessionRecord(s.bridge.jid().toString(), s.relayId, s.created,
                    List.copyOf(s.relays.keySet()), List.copyOf(s.endpoints), s.feedback));
        }
        List<ParticipantRecord> ps = new ArrayList<>();
        for (Participant p : participants.values()) {
            ps.add(new ParticipantRecord(p.nick, p.occupantJid.toString(), p.realJid == null ? null : p.realJid.toString(),
                    p.statsId, p.region, p.bridgeSession == null ? null : p.bridgeSession.bridge.jid().toString(), p.sid,
                    p.bridgeSessionId, p.state.name(), sources.get(p.nick),
                    p.features == null ? List.of() : List.copyOf(p.features)));
        }
        for (ParticipantRecord g : ghosts.values()) if (!participants.containsKey(g.endpointId())) ps.add(g);
        Element moduleState = null;
        for (ConferenceModule m : modules) {
            Element e = m.persistentState();
            if (e == null) continue;
            if (moduleState == null) {
                moduleState = org.dom4j.DocumentHelper.createElement(
                        org.dom4j.QName.get(StateCodec.MODULES, StateCodec.MODULES_NS));
            }
            moduleState.add(e.createCopy());
        }
        return new ConferenceRecord(roomName, meetingId, state.name(), bs, ps, moduleState == null ? null : moduleState.asXML());
    }

    /** For tests and metrics: participants by nick with their session state. */
    Map<String, String> sessionStates() {
        Map<String, String> out = new LinkedHashMap<>();
        for (Participant p : participants.values()) out.put(p.nick, p.state.name());
        return out;
    }

    /** For tests and metrics: the bridges in use. */
    List<Bridge> bridgesInUse() {
        return List.copyOf(sessions.keySet());
    }
}
