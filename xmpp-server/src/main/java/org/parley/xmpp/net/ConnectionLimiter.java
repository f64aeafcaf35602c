package org.parley.xmpp.net;

import java.net.InetAddress;
import java.util.concurrent.ConcurrentHashMap;
import org.parley.xmpp.metrics.ServerMetrics;

/**
 * Caps simultaneous connections per remote address, so one host cannot take every file descriptor, and (when
 * given a rate) how many new connections an address may open per second: a token bucket per address, refilled
 * at {@code perSecond} up to {@code burst}. Refusals are counted in the metrics.
 */
public final class ConnectionLimiter {
    /** Buckets kept before full (idle) ones are dropped. */
    private static final int SWEEP_AT = 10_000;
    private final int maxPerAddress;
    private final double perNano;
    private final double burst;
    private final ServerMetrics metrics;
    private final ServerMetrics.Limit countLimit;
    private final ConcurrentHashMap<InetAddress, Integer> open = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<InetAddress, Bucket> rates = new ConcurrentHashMap<>();

    /** A count limit only, uncounted (BOSH sessions, counted where they are refused). */
    public ConnectionLimiter(int maxPerAddress) {
        this(maxPerAddress, 0, 0, null, null);
    }

    /**
     * @param perSecond new connections per second per address; 0 for no rate limit
     * @param countLimit the limit to count a refusal for too many open connections under, or null
     */
    public ConnectionLimiter(int maxPerAddress, int perSecond, int burst, ServerMetrics metrics, ServerMetrics.Limit countLimit) {
        this.maxPerAddress = maxPerAddress;
        this.perNano = perSecond / 1e9;
        this.burst = Math.max(1, burst);
        this.metrics = metrics;
        this.countLimit = countLimit;
    }

    public boolean tryAcquire(InetAddress address) {
        if (perNano > 0 && !rate(address)) {
            if (metrics != null) metrics.limitHit(ServerMetrics.Limit.NEW_CONNECTIONS_PER_SECOND);
            return false;
        }
        boolean[] ok = new boolean[1];
        open.compute(address, (a, n) -> {
            int count = n == null ? 0 : n;
            ok[0] = count < maxPerAddress;
            return ok[0] ? count + 1 : (count == 0 ? null : count);
        });
        if (!ok[0] && metrics != null && countLimit != null) metrics.limitHit(countLimit);
        return ok[0];
    }

    private boolean rate(InetAddress address) {
        long now = System.nanoTime();
        if (rates.size() > SWEEP_AT) rates.values().removeIf(b -> b.full(now));
        Bucket b = rates.computeIfAbsent(address, a -> new Bucket(burst, now));
        return b.take(now);
    }

    public void release(InetAddress address) {
        open.computeIfPresent(address, (a, n) -> n <= 1 ? null : n - 1);
    }

    public int open(InetAddress address) {
        return open.getOrDefault(address, 0);
    }

    private final class Bucket {
        private double tokens;
        private long last;

        Bucket(double tokens, long now) {
            this.tokens = tokens;
            this.last = now;
        }

        synchronized boolean take(long now) {
            tokens = Math.min(burst, tokens + (now - last) * perNano);
            last = now;
            if (tokens < 1) return false;
            tokens -= 1;
            return true;
        }

        synchronized boolean full(long now) {
            return tokens + (now - last) * perNano >= burst;
        }
    }
}
