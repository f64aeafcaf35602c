package org.parley.bench.load;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.Test;

class MixStatsTest {
    @Test
    void readsTheSendTimeWhateverTheServerDidToTheQuotes() {
        String stamp = MixStats.stamp();
        long t = MixStats.stampOf("<presence from='r@c/x'>" + stamp + "</presence>");
        assertTrue(t > 0 && t <= System.nanoTime());
        assertEquals(123456789L, MixStats.stampOf("<message><ts xmlns=\"urn:parley:bench:mix\">123456789</ts></message>"));
        assertEquals(42L, MixStats.stampOf("<presence><bench:ts xmlns:bench='urn:parley:bench:mix'>42</bench:ts></presence>"));
    }

    @Test
    void noStampNoTime() {
        assertEquals(-1, MixStats.stampOf("<presence from='r@c/x'><nick>a</nick></presence>"));
        assertEquals(-1, MixStats.stampOf("<presence><ts xmlns='urn:parley:bench:mix'/></presence>"));
        assertEquals(-1, MixStats.stampOf("<presence><ts xmlns='urn:parley:bench:mix'>99999999999999999999</ts></presence>"));
    }

    @Test
    void latencyOfAHistogramInMilliseconds() {
        Histogram h = new Histogram(3);
        for (int i = 1; i <= 100; i++) h.recordValue(i * 1000L); // 1..100 ms in µs
        MixStats.Latency l = MixStats.Latency.of(h);
        assertEquals(50, l.p50(), 0.1);
        assertEquals(99, l.p99(), 0.1);
        assertEquals(100, l.max(), 0.1);
        assertEquals(100, l.count());
        assertTrue(Double.isNaN(MixStats.Latency.of(new Histogram(3)).p99()));
    }

    @Test
    void failuresKeepTheFirstReason() {
        MixStats s = new MixStats();
        s.failure("first");
        s.failure("second");
        assertEquals(2, s.failed.sum());
        assertEquals("first", s.firstFailure());
    }
}
