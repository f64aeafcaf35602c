package org.parley.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.parley.bench.load.Metric;
import org.parley.bench.load.ScenarioResult;
import org.parley.bench.load.Settings;

/**
 * A tiny ramp of the meeting mix, with the focus and the test SFU, against the server jar the reactor built
 * ({@code mvn -pl app,bench -am verify} packages app first): checks that the participants log in, get their offers,
 * live and leave, and that every figure is measured, not how fast (the limits are wide on purpose: the machine is
 * shared).
 */
class MeetingMixSmokeTest {
    @Test
    @Timeout(120)
    void tinyRampWithTheFocus() throws Exception {
        Path jar = Path.of("..", "app", "target", "parley.jar");
        assertTrue(Files.isRegularFile(jar), "build the server jar first: mvn -pl app,bench -am verify (" + jar.toAbsolutePath() + ")");
        Settings s = new Settings();
        for (String[] kv : new String[][] {
                {"--mix-steps", "12"}, {"--mix-settle-seconds", "1"}, {"--mix-measure-seconds", "3"},
                {"--mix-sizes", "2-4:1"}, {"--mix-mute-seconds", "0.5-1"}, {"--mix-endpoint-seconds", "1"},
                {"--mix-chat-seconds", "2"}, {"--mix-stay-seconds", "2"}, {"--mix-meeting-seconds", "6"},
                {"--mix-capacity-ms", "20000"}, {"--mix-max-failed", "0.05"}}) {
            assertTrue(s.apply(kv[0], kv[1]), kv[0]);
        }
        ScenarioResult r = MeetingMix.measure(s, true, jar, "256m");
        assertFalse(r.notes().stream().anyMatch(n -> n.contains("bends at")), String.valueOf(r.notes()));
        assertTrue(r.metric("mix.capacity").value() >= 10, String.valueOf(r.metric("mix.capacity")));
        for (String key : new String[] {"mix.cpu", "mix.presence.p99", "mix.initiate.p99", "mix.message.p99", "mix.rss", "mix.heap"}) {
            Metric m = r.metric(key);
            assertFalse(m == null || Double.isNaN(m.value()), key + ": " + m);
        }
        assertEquals(0, r.notes().stream().filter(n -> n.contains("XEP-0198")).count(), String.valueOf(r.notes()));
    }
}
