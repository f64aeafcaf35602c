package org.parley.xmpp.session;

/**
 * A token bucket per session, for stanzas (one token each) or bytes (one per byte). A client over its rate is not
 * disconnected at once: its socket stops being read until it is back under its rate, which pushes the cost back
 * onto the sender through TCP flow control. A pause lasts until the client is back under its rate, at most a
 * second; one that stays over it, held back again within a second of every pause ending for {@code sustainNanos},
 * is flooding: {@link #flooding} says so and the session ends with {@code policy-violation}.
 */
public final class StanzaRateLimiter {
    private static final long GAP_NANOS = 1_000_000_000L;
    private static final long MAX_PAUSE_MILLIS = 1000;
    private final double perNano;
    private final double burst;
    private final long sustainNanos;
    private double tokens;
    private long last;
    private long streakStart;
    private long pauseEnds = Long.MIN_VALUE / 2;

    public StanzaRateLimiter(int perSecond, int burst) {
        this(perSecond, burst, Long.MAX_VALUE);
    }

    public StanzaRateLimiter(int perSecond, int burst, long sustainNanos) {
        this.perNano = perSecond / 1e9;
        this.burst = Math.max(1, burst);
        this.sustainNanos = sustainNanos;
        this.tokens = this.burst;
        this.last = System.nanoTime();
    }

    /** Takes one token; returns how many milliseconds reading should pause, 0 when under the rate. */
    public long acquire(long now) {
        return acquire(now, 1);
    }

    /** Takes {@code amount} tokens; returns how many milliseconds reading should pause, 0 when under the rate. */
    public long acquire(long now, int amount) {
        tokens = Math.min(burst, tokens + (now - last) * perNano);
        last = now;
        tokens -= amount;
        if (tokens >= 0) return 0;
        long pauseMillis = Math.min(MAX_PAUSE_MILLIS, (long) Math.ceil(-tokens / perNano / 1e6));
        if (now - pauseEnds > GAP_NANOS) streakStart = now;
        pauseEnds = now + pauseMillis * 1_000_000L;
        return pauseMillis;
    }

    /** True when the client has been held back, without a break of a second, for longer than allowed. */
    public boolean flooding(long now) {
        return now - pauseEnds <= GAP_NANOS && now - streakStart >= sustainNanos;
    }
}
