package org.parley.focus.bridge;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.parley.focus.FocusConfig;
import org.parley.focus.brewery.Brewery;
import org.parley.focus.state.BridgeRecord;
import org.parley.focus.state.FocusStateSink;
import org.parley.focus.xmpp.IqClient;
import org.parley.jingle.focus.ColibriStats;
import org.parley.jingle.xml.JingleParseException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.xmpp.packet.IQ;
import org.xmpp.packet.JID;
import org.xmpp.packet.Presence;

/**
 * The SFUs the focus can use, found both ways: occupants of the brewery rooms that publish COLIBRI stats in their
 * presence (jitsi-videobridge), and external components on configured domains that send the same presence to the
 * focus. Every {@code health-interval} each gets a Jitsi healthcheck IQ; an error, a timeout, the bridge leaving, or a
 * COLIBRI2 request timing out ({@link #reportTimeout}) marks it failed and tells the listeners, whose conferences then
 * move their participants. A failed bridge that answers a health check again is usable again for new allocations.
 *
 * <p>All state changes run on one executor; readers get {@link Bridge} snapshots without locking.
 */
public final class Bridges implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Bridges.class);
    public static final String HEALTHCHECK_NS = "http://jitsi.org/protocol/healthcheck";

    private final FocusConfig config;
    private final IqClient iq;
    private final ScheduledExecutorService exec;
    private final JID self;
    /** The brewery rooms by bare JID. */
    private final Map<String, Brewery> breweries = new java.util.LinkedHashMap<>();
    private final Set<String> componentDomains = ConcurrentHashMap.newKeySet();
    private final Map<JID, Bridge> bridges = new ConcurrentHashMap<>();
    private final List<BridgeListener> listeners = new CopyOnWriteArrayList<>();
    private volatile boolean closed;
    /** Bridges the operator drained, by JID: the flag outlives the bridge leaving and joining again. */
    private final Set<JID> adminDrained = ConcurrentHashMap.newKeySet();
    /** When the operator last changed a bridge's drain on this node (the database may lag that by a write). */
    private final Map<JID, Long> drainChangedAt = new ConcurrentHashMap<>();

    private final FocusStateSink sink;

    public Bridges(FocusConfig config, IqClient iq, ScheduledExecutorService exec) {
        this(config, iq, exec, FocusStateSink.NONE);
    }

    public Bridges(FocusConfig config, IqClient iq, ScheduledExecutorService exec, FocusStateSink sink) {
        this.config = config;
        this.iq = iq;
        this.exec = exec;
        this.sink = sink;
        this.self = config.occupantRealJid();
        for (JID b : config.bridges().breweries()) {
            breweries.putIfAbsent(b.toBareJID(), new Brewery(b, self, config.nickname(), iq::send, exec,
                    config.bridges().healthInterval(), new Brewery.Listener() {
                        @Override
                        public void presence(JID occupant, Presence p) {
                            memberPresence(p, true);
                        }

                        @Override
                        public void left(JID occupant) {
                            memberLeft(occupant);
                        }
                    }));
        }
        componentDomains.addAll(config.bridges().components());
    }

    public void addListener(BridgeListener l) {
        listeners.add(l);
    }

    /** Joins the breweries, greets the component SFUs and starts the health checks. */
    public void start() {
        for (Brewery b : breweries.values()) b.start();
        exec.execute(() -> {
            for (String domain : componentDomains) greet(domain);
        });
        long interval = config.bridges().healthInterval().toMillis();
        exec.scheduleWithFixedDelay(this::tick, interval, interval, TimeUnit.MILLISECONDS);
    }

    /**
     * Takes up the bridges known before a restart (call before {@link #start}), with their last stats, so that load
     * balancing works before fresh reports arrive. Each is health-checked as usual: one that is gone fails then.
     */
    public void restore(List<BridgeRecord> records) {
        for (BridgeRecord r : records) {
            if (r.stats() == null) continue;
            JID jid;
            try {
                jid = new JID(r.jid());
            } catch (IllegalArgumentException e) {
                continue;
            }
            if (!handles(jid)) continue;
            if (r.adminDrain()) adminDrained.add(jid);
            Bridge b = new Bridge(jid, Bridge.Kind.valueOf(r.kind()), r.stats(), r.lastSeenMillis());
            b.restored();
            if (r.adminDrain()) b.adminDrained(true);
            if (r.failure() != null) b.fail(r.failure());
            if (bridges.putIfAbsent(jid, b) == null) {
                log.info("bridge {} restored (region {}, stress {}{}{})", jid, b.region(), b.stress(),
                        r.adminDrain() ? ", drained by the operator" : "",
                        r.failure() == null ? "" : ", failed: " + r.failure());
            }
        }
    }

    /** Whether a presence from {@code from} is about bridges (a brewery occupant or a component SFU). */
    public boolean handles(JID from) {
        return from != null && (breweries.containsKey(from.toBareJID()) || componentDomains.contains(from.getDomain()));
    }

    /** Every known bridge, failed ones included (selection skips those). */
    public List<Bridge> all() {
        return List.copyOf(bridges.values());
    }

    public Bridge get(JID jid) {
        return bridges.get(jid);
    }

    /** Brewery rooms the focus has joined. */
    public Set<String> joinedBreweries() {
        Set<String> in = new java.util.HashSet<>();
        for (Brewery b : breweries.values()) if (b.joined()) in.add(b.room().toBareJID());
        return Set.copyOf(in);
    }

    public void onPresence(Presence p) {
        Brewery brewery = p.getFrom() == null ? null : breweries.get(p.getFrom().toBareJID());
        if (brewery != null) brewery.onPresence(p);
        else run(() -> memberPresence(p, false));
    }

    /**
     * Drains a known bridge (or ends the drain) on the operator's word: it takes no new conference, and new
     * participants of its conferences go to another bridge where their conference can cascade. Returns the bridge, or
     * null when no bridge has that JID. Conferences waiting for a bridge are told when one opens again.
     */
    public Bridge drain(JID jid, boolean drain) {
        Bridge b = bridges.get(jid);
        if (b == null) return null;
        drainChangedAt.put(jid, System.currentTimeMillis());
        return applyDrain(b, drain, true);
    }

    /**
     * Takes up the operator's drains as stored by any node, so a standby learns of another node's drain without a
     * restart. A drain changed on this node within {@code graceMillis} is left alone: the database may not have it yet.
     */
    public void syncAdminDrains(Set<String> drainedInDatabase, long now, long graceMillis) {
        for (Bridge b : bridges.values()) {
            boolean stored = drainedInDatabase.contains(b.jid().toString());
            if (stored == b.adminDrained()) continue;
            Long changed = drainChangedAt.get(b.jid());
            if (changed != null && now - changed < graceMillis) continue;
            applyDrain(b, stored, false);
        }
    }

    private Bridge applyDrain(Bridge b, boolean drain, boolean byOperatorHere) {
        JID jid = b.jid();
        if (drain) adminDrained.add(jid);
        else adminDrained.remove(jid);
        boolean wasClosed = b.closedToNewConferences();
        boolean wasDrained = b.adminDrained();
        b.adminDrained(drain);
        if (wasDrained != drain) {
            log.info("bridge {} {} by the operator{}", jid, drain ? "drained" : "no longer drained",
                    byOperatorHere ? "" : " (through another node)");
            if (byOperatorHere && sink != FocusStateSink.NONE) sink.bridgeAdminDrain(jid.toString(), drain);
        }
        if (wasClosed && !b.closedToNewConferences()) {
            exec.execute(() -> {
                for (BridgeListener l : listeners) l.bridgeUp(b);
            });
        }
        return b;
    }

    /** A COLIBRI2 request to {@code bridge} went unanswered: the bridge is hung and counts as failed. */
    public void reportTimeout(Bridge bridge, String what) {
        run(() -> fail(bridge, what + " timed out"));
    }

    /** Hands a step to the bridges' thread; after {@link #close} (the brewery's goodbye presences) it is dropped. */
    private void run(Runnable step) {
        try {
            exec.execute(step);
        } catch (java.util.concurrent.RejectedExecutionException stopped) {
            log.debug("focus stopped, bridge event dropped");
        }
    }

    /** A brewery member's available presence, or any presence of a component SFU. */
    private void memberPresence(Presence p, boolean brewery) {
        JID from = p.getFrom();
        if (closed || from == null) return;
        if (p.getType() == Presence.Type.error) {
            // A configured component SFU that is not connected bounces the focus's greeting; it is greeted again later.
            log.debug("component SFU {} not reachable: {}", from, p.getError() == null ? "error" : p.getError().getCondition());
            return;
        }
        if (p.getType() == Presence.Type.unavailable) {
            memberLeft(from);
            return;
        }
        if (p.getType() != null) return;
        ColibriStats stats;
        try {
            stats = ColibriStats.fromPresence(p.getElement());
            if (stats != null) validate(stats);
        } catch (JingleParseException e) {
            log.warn("bridge {} sent malformed stats ({}); ignored", from, e.getMessage());
            return;
        }
        if (stats == null) return;
        long now = System.currentTimeMillis();
        Bridge b = bridges.get(from);
        if (b == null) {
            b = new Bridge(from, brewery ? Bridge.Kind.BREWERY : Bridge.Kind.COMPONENT, stats, now);
            if (adminDrained.contains(from)) b.adminDrained(true);
            bridges.put(from, b);
            log.info("bridge {} joined (region {}, relay id {}, stress {})", from, b.region(), b.relayId(), b.stress());
            for (BridgeListener l : listeners) l.bridgeUp(b);
        } else {
            boolean wasClosed = b.closedToNewConferences();
            b.stats(stats, now);
            if (wasClosed && !b.closedToNewConferences()) for (BridgeListener l : listeners) l.bridgeUp(b);
        }
        changed(b);
    }

    private void memberLeft(JID from) {
        if (closed) return;
        Bridge gone = bridges.remove(from);
        if (gone != null) {
            gone.fail("left");
            log.info("bridge {} left", from);
            if (sink != FocusStateSink.NONE) sink.bridgeRemoved(from.toString());
            for (BridgeListener l : listeners) l.bridgeDown(gone, "left");
        }
    }

    /** Reports a bridge's state to the sink (issue 8: load balancing resumes from the last known stats). */
    private void changed(Bridge b) {
        if (sink == FocusStateSink.NONE) return;
        sink.bridgeChanged(record(b));
    }

    public static BridgeRecord record(Bridge b) {
        return new BridgeRecord(b.jid().toString(), b.kind().name(), b.stats(), b.lastSeenMillis(), b.failure(),
                b.recentAllocations(), b.adminDrained());
    }

    private static void validate(ColibriStats s) {
        s.stressLevel();
        s.gracefulShutdown();
        s.shuttingDown();
        s.drain();
        s.healthy();
    }

    private void greet(String domain) {
        if (closed) return;
        Presence hello = new Presence();
        hello.setFrom(self);
        hello.setTo(domain);
        iq.send(hello);
    }

    /** A periodic task that throws is never run again by its executor: the health checks must survive anything. */
    private void tick() {
        try {
            checkAll();
        } catch (RuntimeException e) {
            log.warn("bridge health round failed; the next one runs as usual", e);
        }
    }

    private void checkAll() {
        if (closed) return;
        for (String domain : componentDomains) {
            boolean known = false;
            for (Bridge b : bridges.values()) if (b.kind() == Bridge.Kind.COMPONENT && b.fresh() && b.jid().getDomain().equals(domain)) known = true;
            if (!known) greet(domain);
        }
        for (Bridge b : bridges.values()) healthCheck(b);
    }

    private void healthCheck(Bridge b) {
        IQ check = new IQ(IQ.Type.get);
        check.setFrom(self);
        check.setTo(b.jid());
        check.setChildElement("healthcheck", HEALTHCHECK_NS);
        iq.request(check, config.bridges().healthTimeout(), 0, exec, outcome -> {
            if (bridges.get(b.jid()) != b) return;
            if (outcome.timedOut()) {
                fail(b, "health check timed out");
            } else if (outcome.isError()) {
                var error = outcome.answer().getError();
                fail(b, "health check failed: " + (error == null ? "error" : error.getCondition()));
            } else if (b.failure() != null && !"left".equals(b.failure())) {
                log.info("bridge {} healthy again", b.jid());
                b.recover();
                changed(b);
                for (BridgeListener l : listeners) l.bridgeUp(b);
            }
        });
    }

    private void fail(Bridge b, String why) {
        if (b.failure() != null) return;
        b.fail(why);
        log.warn("bridge {} failed: {}", b.jid(), why);
        changed(b);
        for (BridgeListener l : listeners) l.bridgeDown(b, why);
    }

    /** Leaves the breweries. */
    @Override
    public void close() {
        closed = true;
        for (Brewery b : breweries.values()) b.close();
    }
}
