package org.parley.bench.load;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class MeetingSizesTest {
    @Test
    void defaultMixIsMostlySmallWithSomeThirtiesAndAFewHundreds() {
        SplittableRandom rnd = new SplittableRandom(20);
        int n = 100_000, small = 0, thirty = 0, hundred = 0;
        long people = 0;
        for (int i = 0; i < n; i++) {
            int s = MeetingSizes.DEFAULT.draw(rnd);
            assertTrue(s >= 2 && s <= 150, "size " + s);
            if (s <= 10) small++;
            if (s >= 25 && s <= 35) thirty++;
            if (s >= 100) hundred++;
            people += s;
        }
        assertEquals(0.88, small / (double) n, 0.01);
        assertEquals(0.045, thirty / (double) n, 0.005);
        assertEquals(0.015, hundred / (double) n, 0.003);
        assertEquals(MeetingSizes.DEFAULT.mean(), people / (double) n, 0.2);
        assertEquals(7.625, MeetingSizes.DEFAULT.mean(), 1e-9);
    }

    @Test
    void sameSeedSameMeetings() {
        SplittableRandom a = new SplittableRandom(7), b = new SplittableRandom(7);
        for (int i = 0; i < 1000; i++) assertEquals(MeetingSizes.DEFAULT.draw(a), MeetingSizes.DEFAULT.draw(b));
    }

    @Test
    void parsesBandsAndWritesThemBack() {
        MeetingSizes m = MeetingSizes.parse("2:1, 10-12:3");
        assertEquals("2:1,10-12:3", m.toString());
        assertEquals((2 * 1 + 11 * 3) / 4.0, m.mean(), 1e-9);
        // people in meetings of 10+: 3 bands' weight spread over 10, 11, 12
        assertEquals(33.0 / 35.0, m.participantShareAtLeast(10), 1e-9);
        assertEquals(MeetingSizes.DEFAULT.toString(), MeetingSizes.parse(MeetingSizes.DEFAULT.toString()).toString());
        SplittableRandom rnd = new SplittableRandom(1);
        for (int i = 0; i < 1000; i++) {
            int s = m.draw(rnd);
            assertTrue(s == 2 || (s >= 10 && s <= 12), "size " + s);
        }
    }

    @Test
    void refusesNonsense() {
        assertThrows(IllegalArgumentException.class, () -> MeetingSizes.parse(""));
        assertThrows(IllegalArgumentException.class, () -> MeetingSizes.parse("5"));
        assertThrows(IllegalArgumentException.class, () -> MeetingSizes.parse("5-3:1"));
        assertThrows(IllegalArgumentException.class, () -> MeetingSizes.parse("0:1"));
        assertThrows(IllegalArgumentException.class, () -> MeetingSizes.parse("3:0"));
    }
}
