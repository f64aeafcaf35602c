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
    private final int maxPerAddress;
    private final TokenBuckets<InetAddress> rates;
    private final ServerMetrics metrics;
    private final ServerMetrics.Limit countLimit;
    private final ConcurrentHashMap<InetAddress, Integer> open = new ConcurrentHashMap<>();

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
        this.rates = perSecond > 0 ? new TokenBuckets<>(perSecond, burst) : null;
        this.metrics = metrics;
        this.countLimit = countLimit;
    }

    public boolean tryAcquire(InetAddress address) {
        if (rates != null && !rates.take(address)) {
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

    public void release(InetAddress address) {
        open.computeIfPresent(address, (a, n) -> n <= 1 ? null : n - 1);
    }

    public int open(InetAddress address) {
        return open.getOrDefault(address, 0);
    }
}
