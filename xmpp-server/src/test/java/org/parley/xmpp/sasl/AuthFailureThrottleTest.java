package org.parley.xmpp.sasl;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

class AuthFailureThrottleTest {
    static final class MutableClock extends Clock {
        Instant now = Instant.parse("2025-01-01T00:00:00Z");
        void advance(Duration d) { now = now.plus(d); }
        @Override public ZoneOffset getZone() { return ZoneOffset.UTC; }
        @Override public Clock withZone(java.time.ZoneId zone) { return this; }
        @Override public Instant instant() { return now; }
    }

    private final MutableClock clock = new MutableClock();
    private final InetAddress a = addr("192.0.2.1");
    private final InetAddress b = addr("192.0.2.2");

    static InetAddress addr(String s) {
        try {
            return InetAddress.getByName(s);
        } catch (java.net.UnknownHostException e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void delayGrowsExponentiallyAndIsCapped() {
        AuthFailureThrottle t = new AuthFailureThrottle(clock);
        assertThat(t.delay(a)).isZero();
        List<Long> seen = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            t.recordFailure(a);
            seen.add(t.delay(a).toSeconds());
        }
        assertThat(seen).containsExactly(0L, 1L, 2L, 4L, 8L, 16L, 30L, 30L, 30L, 30L);
        assertThat(t.delay(b)).isZero();
        for (int i = 0; i < 100; i++) t.recordFailure(a);
        assertThat(t.delay(a)).isEqualTo(Duration.ofSeconds(30));
    }

    @Test
    void successResets() {
        AuthFailureThrottle t = new AuthFailureThrottle(clock);
        for (int i = 0; i < 4; i++) t.recordFailure(a);
        assertThat(t.delay(a)).isEqualTo(Duration.ofSeconds(4));
        t.recordSuccess(a);
        assertThat(t.delay(a)).isZero();
        t.recordFailure(a);
        assertThat(t.delay(a)).isZero();
    }

    @Test
    void failuresAreForgottenAfterTenQuietMinutes() {
        AuthFailureThrottle t = new AuthFailureThrottle(clock);
        for (int i = 0; i < 3; i++) t.recordFailure(a);
        clock.advance(Duration.ofMinutes(9));
        assertThat(t.delay(a)).isEqualTo(Duration.ofSeconds(2));
        t.recordFailure(a); // resets the quiet period
        clock.advance(Duration.ofMinutes(9));
        assertThat(t.delay(a)).isEqualTo(Duration.ofSeconds(4));
        clock.advance(Duration.ofMinutes(1));
        assertThat(t.delay(a)).isZero();
        t.recordFailure(a);
        t.recordFailure(a);
        assertThat(t.delay(a)).isEqualTo(Duration.ofSeconds(1));
    }

    @Test
    void ipv6IsTrackedPerSlash64() {
        AuthFailureThrottle t = new AuthFailureThrottle(clock);
        t.recordFailure(addr("2001:db8::1"));
        t.recordFailure(addr("2001:db8::2"));
        t.recordFailure(addr("2001:db8::3"));
        assertThat(t.delay(addr("2001:db8::ffff"))).isEqualTo(Duration.ofSeconds(2));
        assertThat(t.delay(addr("2001:db8:0:1::1"))).isZero();
    }

    @Test
    void tableIsBoundedAndDropsTheStalest() {
        AuthFailureThrottle t = new AuthFailureThrottle(clock, 3);
        InetAddress c = addr("192.0.2.3");
        InetAddress d = addr("192.0.2.4");
        for (InetAddress x : List.of(a, a, a, b, b, c, c)) {
            t.recordFailure(x);
            clock.advance(Duration.ofSeconds(1));
        }
        t.recordFailure(a); // a is now the most recent
        t.recordFailure(d);
        t.recordFailure(d);
        assertThat(t.size()).isEqualTo(3);
        assertThat(t.delay(b)).isZero();
        assertThat(t.delay(a)).isEqualTo(Duration.ofSeconds(4));
        assertThat(t.delay(c)).isEqualTo(Duration.ofSeconds(1));
        assertThat(t.delay(d)).isEqualTo(Duration.ofSeconds(1));
    }

    @Test
    void defaultCapacityHolds() {
        AuthFailureThrottle t = new AuthFailureThrottle(Clock.systemUTC());
        byte[] raw = new byte[4];
        for (int i = 0; i < AuthFailureThrottle.DEFAULT_CAPACITY + 500; i++) {
            raw[0] = 10;
            raw[1] = (byte) (i >> 16);
            raw[2] = (byte) (i >> 8);
            raw[3] = (byte) i;
            try {
                t.recordFailure(InetAddress.getByAddress(raw));
            } catch (java.net.UnknownHostException e) {
                throw new AssertionError(e);
            }
        }
        assertThat(t.size()).isEqualTo(AuthFailureThrottle.DEFAULT_CAPACITY);
    }

    @Test
    void concurrentFailuresAreAllCounted() throws Exception {
        AuthFailureThrottle t = new AuthFailureThrottle(clock);
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<?>> fs = new ArrayList<>();
            for (int i = 0; i < 4; i++) fs.add(pool.submit(() -> { for (int j = 0; j < 1000; j++) t.recordFailure(a); }));
            for (Future<?> f : fs) f.get();
        } finally {
            pool.shutdownNow();
        }
        assertThat(t.delay(a)).isEqualTo(Duration.ofSeconds(30));
    }
}
