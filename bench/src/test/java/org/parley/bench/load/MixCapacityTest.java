package org.parley.bench.load;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class MixCapacityTest {
    private static MixStats.Latency ms(double p99) {
        return new MixStats.Latency(p99 / 2, p99, p99 * 2, 100);
    }

    private static MixStep step(int target, double presenceP99, double initiateP99, long failed, boolean reached) {
        return new MixStep(target, target * 1.01, target / 8, 10, 2.5, 1.5, ms(presenceP99), ms(initiateP99), ms(5),
                1000, failed, 500_000, -1, reached);
    }

    @Test
    void focusModeBendsOnJoinToInitiate() {
        MixCapacity c = new MixCapacity(500, 0.01, true);
        MixStep a = step(250, 900, 20, 0, true), b = step(500, 900, 120, 0, true), bad = step(1000, 5, 501, 0, true);
        MixCapacity.Result r = c.of(List.of(a, b, bad));
        assertSame(b, r.last());
        assertSame(bad, r.bent());
        assertEquals(505, r.participants(), 1e-9);
        assertTrue(r.why().contains("join -> session-initiate"), r.why());
    }

    @Test
    void mucOnlyBendsOnPresenceFanOut() {
        MixCapacity c = new MixCapacity(500, 0.01, false);
        MixCapacity.Result r = c.of(List.of(step(250, 40, Double.NaN, 0, true), step(500, 600, Double.NaN, 0, true)));
        assertEquals(252.5, r.participants(), 1e-9);
        assertTrue(r.why().contains("presence"), r.why());
    }

    @Test
    void failuresAndAMissedCountAreBendsToo() {
        MixCapacity c = new MixCapacity(500, 0.01, false);
        assertTrue(c.exceeded(step(250, 1, 1, 11, true)).contains("11 of 1000"));
        assertNull(c.exceeded(step(250, 1, 1, 10, true)));
        assertTrue(c.exceeded(step(250, 1, 1, 0, false)).contains("did not reach 250"));
    }

    @Test
    void noBendMeansTheLargestStepIsALowerBound() {
        MixCapacity c = new MixCapacity(500, 0.01, true);
        MixStep last = step(2000, 10, 10, 0, true);
        MixCapacity.Result r = c.of(List.of(step(1000, 10, 10, 0, true), last));
        assertNull(r.bent());
        assertSame(last, r.last());
        MixCapacity.Result none = c.of(List.of(step(250, 10, 900, 0, true)));
        assertEquals(0, none.participants());
        assertNull(none.last());
    }

    @Test
    void perParticipantFigures() {
        MixStep s = step(1000, 1, 1, 0, true); // 1010 participants, 2.5 CPU s in 10 s
        assertEquals(2.5 / 10 / 1010 * 1e6, s.cpuMicrosPerParticipant(), 1e-6);
        assertEquals(1010 / 0.25, s.participantsPerCore(), 1e-6);
        assertEquals(0.15, s.clientCores(), 1e-9);
    }
}
