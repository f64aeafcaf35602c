package org.parley.focus.bridge;

import java.util.ArrayDeque;
import java.util.Deque;
import org.parley.jingle.focus.ColibriStats;
import org.xmpp.packet.JID;

/**
 * One SFU as the focus knows it: its address (brewery occupant JID or component JID), its last COLIBRI stats and its
 * health. Written by {@link Bridges}, read by conference actors when they choose a bridge; every field is a
 * volatile snapshot or guarded, so reads never block on a lock held long.
 */
public final class Bridge {
    /** How the bridge announced itself. */
    public enum Kind { BREWERY, COMPONENT }

    private final JID jid;
    private final Kind kind;
    private volatile ColibriStats stats;
    private volatile long lastSeenMillis;
    private volatile String failure;
    private final Deque<Long> recentAllocations = new ArrayDeque<>();
    /** False for a bridge restored from storage until it reports again. */
    private volatile boolean fresh = true;
    /** Drained by the operator (admin API), whatever the bridge itself reports. */
    private volatile boolean adminDrained;

    public Bridge(JID jid, Kind kind, ColibriStats stats, long nowMillis) {
        this.jid = jid;
        this.kind = kind;
        this.stats = stats;
        this.lastSeenMillis = nowMillis;
    }

    public JID jid() { return jid; }

    public Kind kind() { return kind; }

    public ColibriStats stats() { return stats; }

    void stats(ColibriStats s, long nowMillis) {
        this.fresh = true;
        this.stats = s;
        this.lastSeenMillis = nowMillis;
    }

    public long lastSeenMillis() { return lastSeenMillis; }

    /** Whether its stats come from the bridge since the focus started (false: the persisted ones, issue 8). */
    public boolean fresh() { return fresh; }

    void restored() { this.fresh = false; }

    /** Why the bridge is failed (left, health check error or timeout, COLIBRI timeout), or null if it is not. */
    public String failure() { return failure; }

    void fail(String why) { this.failure = why; }

    void recover() { this.failure = null; }

    /** Usable at all: not failed, and not reporting itself unhealthy or shutting down. */
    public boolean operational() {
        ColibriStats s = stats;
        return failure == null && (s == null || (!Boolean.FALSE.equals(safe(s::healthy)) && !Boolean.TRUE.equals(safe(s::shuttingDown))));
    }

    /** Takes no new conferences (graceful shutdown or drain, its own or the operator's); its conferences stay. */
    public boolean closedToNewConferences() {
        if (adminDrained) return true;
        ColibriStats s = stats;
        return s != null && (Boolean.TRUE.equals(safe(s::gracefulShutdown)) || Boolean.TRUE.equals(safe(s::drain)));
    }

    /** Drained through the admin API: no new conferences, and new participants elsewhere when their conference can go. */
    public boolean adminDrained() { return adminDrained; }

    void adminDrained(boolean drained) { this.adminDrained = drained; }

    public String region() { return stats == null ? null : stats.region(); }

    public String relayId() { return stats == null ? null : stats.relayId(); }

    public String version() { return stats == null ? null : stats.version(); }

    /** The reported stress level (0 when unknown or malformed). */
    public double stress() {
        ColibriStats s = stats;
        if (s == null) return 0;
        Double d = safe(s::stressLevel);
        return d == null ? 0 : d;
    }

    /** The stress corrected for endpoints allocated recently, which the bridge's report cannot show yet. */
    public double correctedStress(long nowMillis, long windowMillis, double perEndpoint) {
        synchronized (recentAllocations) {
            while (!recentAllocations.isEmpty() && recentAllocations.peekFirst() < nowMillis - windowMillis) {
                recentAllocations.pollFirst();
            }
            return stress() + perEndpoint * recentAllocations.size();
        }
    }

    /** When the focus allocated endpoints here recently (epoch millis), oldest first. */
    public java.util.List<Long> recentAllocations() {
        synchronized (recentAllocations) {
            return java.util.List.copyOf(recentAllocations);
        }
    }

    /** Called when the focus allocates an endpoint here. */
    public void endpointAllocated(long nowMillis) {
        synchronized (recentAllocations) {
            recentAllocations.addLast(nowMillis);
            if (recentAllocations.size() > 10_000) recentAllocations.pollFirst();
        }
    }

    private static <T> T safe(java.util.function.Supplier<T> read) {
        try {
            return read.get();
        } catch (RuntimeException malformed) {
            return null;
        }
    }

    @Override
    public String toString() {
        return "Bridge[" + jid + (failure != null ? ", failed: " + failure : "") + "]";
    }
}
