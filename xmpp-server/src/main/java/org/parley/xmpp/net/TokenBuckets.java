package org.parley.xmpp.net;

import java.util.concurrent.ConcurrentHashMap;

/**
 * A token bucket per key (an address, a session), refilled at {@code perSecond} up to {@code burst}; safe from any
 * thread. Full buckets are forgotten once many are kept, so a stream of distinct keys costs bounded memory.
 */
public final class TokenBuckets<K> {
    /** Buckets kept before full (idle) ones are dropped. */
    private static final int SWEEP_AT = 10_000;
    private final double perNano;
    private final double burst;
    private final ConcurrentHashMap<K, Bucket> buckets = new ConcurrentHashMap<>();

    public TokenBuckets(double perSecond, double burst) {
        this.perNano = perSecond / 1e9;
        this.burst = Math.max(1, burst);
    }

    /** Takes a token from {@code key}'s bucket; false when it has none left. */
    public boolean take(K key) {
        long now = System.nanoTime();
        if (buckets.size() > SWEEP_AT) buckets.values().removeIf(b -> b.full(now));
        return buckets.computeIfAbsent(key, k -> new Bucket(now)).take(now);
    }

    /** Gives back a token taken for something that did not happen after all. */
    public void refund(K key) {
        Bucket b = buckets.get(key);
        if (b != null) b.refund();
    }

    private final class Bucket {
        private double tokens = burst;
        private long last;

        Bucket(long now) {
            this.last = now;
        }

        synchronized boolean take(long now) {
            refill(now);
            if (tokens < 1) return false;
            tokens -= 1;
            return true;
        }

        synchronized void refund() {
            tokens = Math.min(burst, tokens + 1);
        }

        synchronized boolean full(long now) {
            refill(now);
            return tokens >= burst;
        }

        private void refill(long now) {
            tokens = Math.min(burst, tokens + (now - last) * perNano);
            last = now;
        }
    }
}
