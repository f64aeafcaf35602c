package org.parley.focus;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.dom4j.Element;
import org.parley.focus.bridge.Bridges;
import org.parley.focus.conference.ConferenceModule;
import org.parley.focus.jibri.JibriModule;
import org.parley.focus.jibri.Jibris;
import org.parley.focus.conference.Conferences;
import org.parley.focus.jigasi.JigasiModule;
import org.parley.focus.jigasi.Jigasis;
import org.parley.focus.moderation.MuteModule;
import org.parley.focus.moderation.StartMutedModule;
import org.parley.focus.conference.Requester;
import org.parley.focus.state.BridgeRecord;
import org.parley.focus.state.ConferenceRecord;
import org.parley.focus.state.FocusStateSink;
import org.parley.focus.state.FocusStateWriter;
import org.parley.focus.state.PersistenceSettings;
import org.parley.focus.state.StateCodec;
import org.parley.storage.FocusStateRepository;
import org.parley.storage.StoredBridge;
import org.parley.storage.StoredConference;
import org.parley.focus.xmpp.Actors;
import org.parley.focus.xmpp.IqClient;
import org.parley.focus.xmpp.Stanzas;
import org.parley.focus.xmpp.XmppLink;
import org.parley.jingle.focus.ConferenceIq;
import org.parley.jingle.xml.JingleParseException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.xmpp.packet.IQ;
import org.parley.xmpp.jid.JidPrep;
import org.xmpp.packet.JID;
import org.xmpp.packet.Packet;
import org.xmpp.packet.PacketError;
import org.xmpp.packet.Presence;

/**
 * The focus, independent of how its stanzas travel: {@link #onRequestDomain} takes what is addressed to
 * {@code focus.<host>} (conference requests), {@link #onFocusJid} what is addressed to the focus's own JID (room and
 * brewery presence, Jingle from clients, answers are matched by the links). Both are called on the sender's thread and
 * only hand work to actors.
 */
public final class Focus implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Focus.class);

    private final FocusConfig config;
    private final XmppLink focusLink;
    private final XmppLink requestLink;
    private final Actors actors;
    private final ScheduledExecutorService bridgeExec;
    private final Bridges bridges;
    private final Jibris jibris;
    private final Conferences conferences;
    private final ConferencePolicy policy;
    private final IqClient iq;
    private final Jigasis jigasis;

    public Focus(FocusConfig config, XmppLink focusLink, XmppLink requestLink, FocusStateSink sink) {
        this.config = config;
        this.focusLink = focusLink;
        this.requestLink = requestLink;
        this.actors = new Actors(config.threads(), "focus");
        this.bridgeExec = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "focus-bridges");
            t.setDaemon(true);
            return t;
        });
        this.iq = new IqClient(focusLink);
        this.bridges = new Bridges(config, iq, bridgeExec, sink);
        this.jibris = new Jibris(config, iq, bridgeExec);
        this.jigasis = new Jigasis(config.jigasi(), config.occupantRealJid(), config.nickname(), iq::send, bridgeExec,
                config.bridges().healthInterval());
        List<ConferenceModule.Factory> modules = modules(config, jibris);
        if (config.jigasi().enabled()) modules.add(c -> new JigasiModule(c, jigasis));
        this.conferences = new Conferences(config, iq, requestLink, bridges, sink, actors, modules);
        if (config.jigasi().enabled()) {
            conferences.replyProperties().add(() -> List.of(
                    new ConferenceIq.Property("sipGatewayEnabled", Boolean.toString(jigasis.sipAvailable())),
                    new ConferenceIq.Property("transcriptionEnabled", Boolean.toString(jigasis.transcriptionAvailable()))));
        }
        bridges.addListener(conferences);
        this.policy = new ConferencePolicy(config);
    }

    /** The features every conference gets (each a {@link ConferenceModule}), as configured. */
    static List<ConferenceModule.Factory> modules(FocusConfig config, Jibris jibris) {
        List<ConferenceModule.Factory> modules = new ArrayList<>();
        if (config.moderation().mute()) modules.add(MuteModule::new);
        if (config.moderation().startMuted()) modules.add(StartMutedModule::new);
        if (config.jibri().brewery() != null || config.jibri().sipBrewery() != null) modules.add(JibriModule.factory(jibris));
        return modules;
    }

    public FocusConfig config() { return config; }

    public Bridges bridges() { return bridges; }

    /** The Jibris (recording, streaming, SIP video gateway) the focus knows. */
    public Jibris jibris() { return jibris; }

    public Conferences conferences() { return conferences; }

    /** The Jigasis from the Jigasi breweries (none when {@code parley.focus.jigasi.breweries} is empty). */
    public Jigasis jigasis() { return jigasis; }

    /** The focus's IQ requests in flight (for tests and metrics). */
    public int pendingRequests() { return iq.pendingCount(); }

    /** Joins the breweries and starts health checks. */
    public void start() {
        bridges.start();
        jibris.start();
        jigasis.start();
    }

    // ------------------------------------------------------------------ persistence (issue 8)

    private volatile FocusStateRepository stateRepo;
    private volatile FocusStateWriter stateWriter;
    private volatile PersistenceSettings persistence;
    private List<org.parley.focus.conference.Conference> restored = List.of();
    /** Set while a takeover claim is in flight and until its conferences are in place. */
    private final AtomicBoolean takingOver = new AtomicBoolean();
    /** How long a conference request for a room not running here waits for its lease to be read. */
    private static final long LEASE_CHECK_TIMEOUT_MILLIS = 2000;

    /**
     * Loads the stored SFUs and claims this node's conferences (its own leases and expired ones) before the focus's
     * addresses are reachable; {@link #startRestored} then re-joins their rooms. Blocks (bounded): meant for start-up.
     * When the database cannot be read, the focus starts empty and logs why. Returns how many conferences it resumes.
     */
    public int restore(FocusStateRepository repo, FocusStateWriter writer, PersistenceSettings settings) {
        this.stateRepo = repo;
        this.stateWriter = writer;
        this.persistence = settings;
        writer.onLeaseLost(conferences::handOver);
        long t0 = System.nanoTime();
        try {
            List<BridgeRecord> bs = new ArrayList<>();
            for (StoredBridge b : repo.bridges().get(30, TimeUnit.SECONDS)) bs.add(StateCodec.fromStored(b));
            bridges.restore(bs);
            long now = System.currentTimeMillis();
            List<StoredConference> stored = repo.claimConferences(settings.nodeId(), now + settings.lease().toMillis(), now)
                    .get(30, TimeUnit.SECONDS);
            restored = adopt(stored);
            log.info("focus state: node {} restored {} SFUs and {} conferences in {} ms", settings.nodeId(), bs.size(),
                    restored.size(), (System.nanoTime() - t0) / 1_000_000);
            return restored.size();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return 0;
        } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException | RuntimeException e) {
            log.error("focus state: could not load the stored state ({}); starting without it", e.toString());
            return 0;
        }
    }

    private List<org.parley.focus.conference.Conference> adopt(List<StoredConference> stored) {
        List<ConferenceRecord> records = new ArrayList<>();
        for (StoredConference c : stored) {
            try {
                ConferenceRecord r = StateCodec.fromStored(c);
                if (r.meetingId() == null) continue;
                stateWriter.restored(r);
                records.add(r);
            } catch (RuntimeException e) {
                log.warn("focus state: conference {} unreadable, skipped: {}", c.room(), e.getMessage());
            }
        }
        return conferences.restore(records, persistence.rejoinGrace().toMillis());
    }

    /** Re-joins the rooms of restored conferences and starts polling for conferences other nodes left behind. */
    public void startRestored() {
        conferences.startRestored(restored);
        restored = List.of();
        if (stateRepo == null) return;
        long every = persistence.takeoverInterval().toMillis();
        bridgeExec.scheduleWithFixedDelay(() -> {
            // A periodic task that throws is never run again: takeovers must survive any one failed poll.
            try {
                takeOver();
            } catch (RuntimeException e) {
                log.warn("focus state: takeover poll failed; the next one runs as usual", e);
            }
        }, every, every, TimeUnit.MILLISECONDS);
    }

    /**
     * Takes over the conferences whose owner stopped renewing its lease (another node died). One claim at a time: the
     * timer and conference requests for rooms with an expired lease both call it.
     */
    private void takeOver() {
        syncAdminDrains();
        // A node in graceful shutdown is on its way out: the conferences of dead nodes are for the others.
        if (conferences.closedToNew()) return;
        if (!stateWriter.mayTakeOver(System.currentTimeMillis())) {
            log.debug("focus state: no takeover while this node's own database access is not steady");
            return;
        }
        if (!takingOver.compareAndSet(false, true)) return;
        long now = System.currentTimeMillis();
        CompletableFuture<List<StoredConference>> claim;
        try {
            claim = stateRepo.claimExpiredConferences(persistence.nodeId(), now + persistence.lease().toMillis(), now);
        } catch (RuntimeException e) {
            takingOver.set(false);
            log.warn("focus state: takeover poll failed: {}", e.toString());
            return;
        }
        claim.whenComplete((stored, error) -> {
            if (error != null || stored.isEmpty()) {
                takingOver.set(false);
                return;
            }
            try {
                bridgeExec.execute(() -> {
                    try {
                        List<org.parley.focus.conference.Conference> taken = adopt(stored);
                        log.info("focus state: took over {} conferences: {}", taken.size(),
                                taken.stream().map(c -> c.room().toBareJID()).toList());
                        conferences.startRestored(taken);
                    } finally {
                        takingOver.set(false);
                    }
                });
            } catch (RejectedExecutionException stopped) {
                takingOver.set(false);
            }
        });
    }

    /** The operator's SFU drains as every node stored them (see {@link Bridges#syncAdminDrains}). */
    private void syncAdminDrains() {
        long grace = 2 * persistence.takeoverInterval().toMillis() + 1000;
        try {
            stateRepo.bridges().whenComplete((stored, error) -> {
                if (error != null) return; // the writer reports the database's state
                Set<String> drained = new HashSet<>();
                for (StoredBridge b : stored) if (b.adminDrain()) drained.add(b.jid());
                try {
                    bridgeExec.execute(() -> bridges.syncAdminDrains(drained, System.currentTimeMillis(), grace));
                } catch (RejectedExecutionException stopped) {
                    // the focus is closing
                }
            });
        } catch (RuntimeException e) {
            log.debug("focus state: could not read the SFUs' drains: {}", e.toString());
        }
    }

    // ------------------------------------------------------------------ focus.<host>

    public void onRequestDomain(Packet p) {
        if (!(p instanceof IQ iq) || !iq.isRequest()) return;
        Element child = iq.getChildElement();
        if (child == null) {
            requestLink.send(Stanzas.error(iq, PacketError.Condition.bad_request, null));
            return;
        }
        if (iq.getType() == IQ.Type.get && Stanzas.DISCO_INFO.equals(child.getNamespaceURI())) {
            requestLink.send(discoInfo(iq, "Parley focus"));
        } else if (iq.getType() == IQ.Type.get && Stanzas.PING.equals(child.getNamespaceURI())) {
            requestLink.send(IQ.createResultIQ(iq));
        } else if (iq.getType() == IQ.Type.set && ConferenceIq.isConferenceIq(child)) {
            conferenceRequest(new Requester(iq, requestLink::send), child);
        } else {
            requestLink.send(Stanzas.error(iq, PacketError.Condition.service_unavailable, null));
        }
    }

    /**
     * A conference request that did not come as a stanza (Jicofo's HTTP API): {@code iq} is the IQ set it stands for,
     * and every answer, result or error, goes to {@code answer} instead of the router. Called on any thread.
     */
    public void conferenceRequest(IQ iq, java.util.function.Consumer<IQ> answer) {
        Element child = iq.getChildElement();
        if (!ConferenceIq.isConferenceIq(child)) {
            answer.accept(Stanzas.error(iq, PacketError.Condition.bad_request, "Not a conference request"));
            return;
        }
        conferenceRequest(new Requester(iq, answer), child);
    }

    private void conferenceRequest(Requester requester, Element child) {
        IQ iq = requester.iq();
        ConferenceIq request;
        try {
            request = ConferenceIq.parse(child);
        } catch (JingleParseException e) {
            requester.reply(Stanzas.error(iq, PacketError.Condition.bad_request, e.getMessage()));
            return;
        }
        JID room;
        try {
            room = JidPrep.parse(request.room());
        } catch (IllegalArgumentException e) {
            requester.reply(Stanzas.error(iq, PacketError.Condition.bad_request, "Not a room JID: " + request.room()));
            return;
        }
        if (room.getNode() == null || room.getResource() != null || !config.mucDomains().contains(room.getDomain())) {
            requester.reply(Stanzas.error(iq, PacketError.Condition.not_acceptable,
                    "Not a conference room of this server: " + request.room()));
            return;
        }
        if (conferences.get(room.toBareJID()) == null) {
            String refusal = policy.refusal(iq.getFrom(), request, room);
            if (refusal != null) {
                log.info("conference request for {} from {} refused: {}", room, iq.getFrom() == null ? "HTTP" : iq.getFrom(), refusal);
                requester.reply(Stanzas.error(iq, PacketError.Condition.not_authorized, refusal));
                return;
            }
            if (stateRepo != null) {
                startUnlessOwnedElsewhere(room, requester, request);
                return;
            }
        }
        conferences.request(room, requester, request);
    }

    /**
     * A room this node runs no conference for may be another node's: the node holding its lease runs it, in a room of
     * its own MUC, so a second conference here would split the meeting and create a second SFU conference. Such a
     * request gets "not ready" (lib-jitsi-meet asks again later); when that lease has run out, the takeover runs now
     * rather than at the next poll, and the next request finds the conference being resumed. When the database does not
     * answer in time the conference starts here: its first write takes the lease, or finds another node's and stops it.
     */
    private void startUnlessOwnedElsewhere(JID room, Requester requester, ConferenceIq request) {
        String key = room.toBareJID();
        CompletableFuture<FocusStateRepository.Lease> lease;
        try {
            lease = stateRepo.lease(key);
        } catch (RuntimeException e) {
            lease = CompletableFuture.failedFuture(e);
        }
        lease.orTimeout(LEASE_CHECK_TIMEOUT_MILLIS, TimeUnit.MILLISECONDS).whenComplete((l, error) -> {
            if (error == null && l != null) {
                if (!l.owner().equals(persistence.nodeId())) {
                    boolean live = l.expiresMillis() >= System.currentTimeMillis();
                    log.info("conference request for {}: node {} {}; answered not ready", key, l.owner(),
                            live ? "runs it" : "left it (lease expired), taking it over");
                    if (!live) takeOver();
                    conferences.notReady(room, requester);
                    return;
                }
                // Ours but not running here: a takeover that has just claimed it may still be putting it in place
                // (the flag is read first: it is cleared only once the conference is in place).
                boolean claiming = takingOver.get();
                if (claiming && conferences.get(key) == null) {
                    conferences.notReady(room, requester);
                    return;
                }
            }
            if (error != null) log.warn("conference request for {}: lease unknown ({}); starting it here", key, error.toString());
            conferences.request(room, requester, request);
        });
    }

    // ------------------------------------------------------------------ focus@auth.<host>

    public void onFocusJid(Packet p) {
        JID from = p.getFrom();
        if (from == null) return;
        if (p instanceof Presence pr) {
            if (log.isDebugEnabled()) log.debug("presence {} from {} (conference {})", pr.getType(), from, conferences.get(from.toBareJID()) != null);
            if (config.mucDomains().contains(from.getDomain()) && conferences.get(from.toBareJID()) != null) {
                conferences.presence(pr);
            } else if (bridges.handles(from)) {
                bridges.onPresence(pr);
            } else if (jibris.handles(from)) {
                jibris.onPresence(pr);
            } else if (jigasis.handles(from)) {
                jigasis.onPresence(pr);
            }
            return;
        }
        if (p instanceof org.xmpp.packet.Message m) {
            serviceMessage(m, from);
            return;
        }
        if (p instanceof IQ answer && !answer.isRequest()) {
            this.iq.answer(answer);
            return;
        }
        if (p instanceof IQ iq && iq.isRequest()) {
            Element child = iq.getChildElement();
            if (child != null && iq.getType() == IQ.Type.get && Stanzas.PING.equals(child.getNamespaceURI())) {
                focusLink.send(IQ.createResultIQ(iq));
            } else if (child != null && iq.getType() == IQ.Type.get && Stanzas.DISCO_INFO.equals(child.getNamespaceURI())) {
                focusLink.send(discoInfo(iq, "Parley focus"));
            } else if (jibris.handles(from) && from.getResource() != null) {
                jibris.onIq(iq);
            } else if (config.mucDomains().contains(from.getDomain()) && from.getResource() != null) {
                if (!conferences.iq(iq)) {
                    focusLink.send(Stanzas.jingleError(iq, PacketError.Condition.item_not_found, "unknown-session", "No such conference"));
                }
            } else {
                focusLink.send(Stanzas.error(iq, PacketError.Condition.service_unavailable, null));
            }
        }
    }

    /** A message from the AV moderation component, handed to the conference of the room it names. */
    private void serviceMessage(org.xmpp.packet.Message m, JID from) {
        FocusConfig.Moderation moderation = config.moderation();
        if (!moderation.mute() || !moderation.avModeration() || from.getNode() != null || from.getResource() != null
                || !from.getDomain().equals(moderation.avModerationComponent())) {
            return; // Messages (room subjects, chat) mean nothing to the focus.
        }
        String room = MuteModule.avModerationRoom(m);
        if (room != null && !conferences.message(room, m)) log.info("AV moderation message for {}, which has no conference here", room);
    }

    private static IQ discoInfo(IQ request, String name) {
        IQ reply = IQ.createResultIQ(request);
        Element q = reply.setChildElement("query", Stanzas.DISCO_INFO);
        q.addElement("identity").addAttribute("category", "component").addAttribute("type", "focus").addAttribute("name", name);
        q.addElement("feature").addAttribute("var", Stanzas.DISCO_INFO);
        q.addElement("feature").addAttribute("var", Stanzas.FOCUS);
        q.addElement("feature").addAttribute("var", "urn:xmpp:jingle:1");
        q.addElement("feature").addAttribute("var", "urn:xmpp:jingle:apps:rtp:1");
        q.addElement("feature").addAttribute("var", "jitsi:colibri2");
        return reply;
    }

    /** Ends the conferences (expiring them on the bridges), leaves the rooms and breweries, stops the threads. */
    @Override
    public void close() {
        close(false);
    }

    /** {@code handOver}: the node hands over to its next process, which resumes the conferences (Conference#stop). */
    public void close(boolean handOver) {
        try {
            conferences.stopAll(handOver).get(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
            log.warn("not every conference ended within 5 s");
        }
        bridges.close();
        jibris.close();
        jigasis.close();
        actors.close();
        bridgeExec.shutdownNow();
        try {
            bridgeExec.awaitTermination(2, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
