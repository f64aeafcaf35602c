package org.parley.xmpp.session;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class StanzaRateLimiterTest {
    private static final long S = 1_000_000_000L;

    @Test
    void pausesBeyondTheBurstUntilBackUnderTheRate() {
        StanzaRateLimiter l = new StanzaRateLimiter(10, 5, 3 * S);
        long t = System.nanoTime();
        for (int i = 0; i < 5; i++) assertThat(l.acquire(t)).isZero();
        assertThat(l.acquire(t)).isEqualTo(100);
        assertThat(l.flooding(t)).isFalse();
        // A big deficit pauses one second at most.
        assertThat(l.acquire(t, 100)).isEqualTo(1000);
    }

    @Test
    void aClientHeldBackWithoutABreakIsFloodingAfterTheSustainTime() {
        StanzaRateLimiter l = new StanzaRateLimiter(10, 5, 3 * S);
        long t = System.nanoTime();
        l.acquire(t, 100);
        for (long at = t; at < t + 3 * S; at += S) {
            l.acquire(at, 20);
            assertThat(l.flooding(at)).isFalse();
        }
        l.acquire(t + 3 * S, 20);
        assertThat(l.flooding(t + 3 * S)).isTrue();
    }

    @Test
    void aBreakOfMoreThanASecondStartsAnewStreak() {
        StanzaRateLimiter l = new StanzaRateLimiter(10, 5, 3 * S);
        long t = System.nanoTime();
        l.acquire(t, 10);                  // held back 0.5 s
        long later = t + 5 * S;            // quiet, then one more burst
        assertThat(l.acquire(later, 10)).isPositive();
        assertThat(l.flooding(later)).isFalse();
    }
}
