package org.parley.xmpp.session;

/**
 * A token bucket per session. A flooding client is not disconnected: its socket stops being read until it
 * is back under its rate, which pushes the cost back onto the sender through TCP flow control.
 */
public final class StanzaRateLimiter {
    private final double perNano;
    private final double burst;
    private double tokens;
    private long last;

    public StanzaRateLimiter(int perSecond, int burst) {
        this.perNano = perSecond / 1e9;
        this.burst = Math.max(1, burst);
        this.tokens = this.burst;
        this.last = System.nanoTime();
    }

    /** Takes one token; returns how many milliseconds reading should pause, 0 when under the rate. */
    public long acquire(long now) {
        tokens = Math.min(burst, tokens + (now - last) * perNano);
        last = now;
        tokens -= 1;
        if (tokens >= 0) return 0;
        return (long) Math.ceil(-tokens / perNano / 1e6);
    }
}
