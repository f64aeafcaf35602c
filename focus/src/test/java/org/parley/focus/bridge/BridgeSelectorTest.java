package org.parley.focus.bridge;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.parley.focus.FocusConfig.BridgeSettings;
import org.parley.jingle.focus.ColibriStats;
import org.parley.jingle.focus.ColibriStats.Stat;
import org.xmpp.packet.JID;

class BridgeSelectorTest {
    static BridgeSettings settings(int cap, boolean cascade) {
        return new BridgeSettings(List.of(), List.of(), Duration.ofSeconds(10), Duration.ofSeconds(5), 0.8, 0.01,
                Duration.ofSeconds(20), cap, cascade, true);
    }

    static Bridge bridge(String name, double stress, String region, String... flags) {
        List<Stat> stats = new ArrayList<>();
        stats.add(new Stat("stress_level", Double.toString(stress)));
        if (region != null) stats.add(new Stat("region", region));
        stats.add(new Stat("relay_id", "relay-" + name));
        stats.add(new Stat("version", "1"));
        for (String f : flags) stats.add(new Stat(f, "true"));
        return new Bridge(new JID("jvbbrewery@internal.localhost/" + name), Bridge.Kind.BREWERY, new ColibriStats(stats), 0);
    }

    private final BridgeSelector selector = new BridgeSelector(settings(4, true));

    @Test
    void leastStressedFirstAndRegionPreferred() {
        Bridge eu = bridge("eu", 0.5, "eu"), us = bridge("us", 0.1, "us"), eu2 = bridge("eu2", 0.2, "eu");
        List<Bridge> all = List.of(eu, us, eu2);
        assertThat(selector.select(all, Map.of(), null, 0)).isSameAs(us);
        assertThat(selector.select(all, Map.of(), "eu", 0)).isSameAs(eu2);
        assertThat(selector.select(all, Map.of(), "ap", 0)).isSameAs(us);
    }

    @Test
    void drainedAndShuttingDownBridgesTakeNoNewConference() {
        Bridge drained = bridge("d", 0.0, null, "drain"), graceful = bridge("g", 0.0, null, "graceful_shutdown");
        Bridge busy = bridge("b", 0.7, null);
        List<Bridge> all = List.of(drained, graceful, busy);
        assertThat(selector.select(all, Map.of(), null, 0)).isSameAs(busy);
        // ... but a conference already on the drained bridge stays there.
        assertThat(selector.select(all, Map.of(drained, 1), null, 0)).isSameAs(drained);
        assertThat(selector.select(List.of(bridge("x", 0, null, "shutting_down")), Map.of(), null, 0)).isNull();
    }

    @Test
    void anOperatorDrainedBridgeTakesNoNewConferenceAndItsConferencesGrowElsewhere() {
        Bridge drained = bridge("d", 0.0, null), other = bridge("o", 0.6, null);
        drained.adminDrained(true);
        assertThat(drained.closedToNewConferences()).isTrue();
        List<Bridge> all = List.of(drained, other);
        assertThat(selector.select(all, Map.of(), null, 0)).isSameAs(other);
        // Its conference cascades to the other bridge for a new participant ...
        assertThat(selector.select(all, Map.of(drained, 2), null, 0)).isSameAs(other);
        // ... unless there is none to go to: then the drained one still takes it.
        assertThat(selector.select(List.of(drained), Map.of(drained, 2), null, 0)).isSameAs(drained);
        // Without cascading a conference never leaves its one bridge.
        BridgeSelector single = new BridgeSelector(settings(4, false));
        assertThat(single.select(all, Map.of(drained, 2), null, 0)).isSameAs(drained);
        assertThat(single.select(all, Map.of(), null, 0)).isSameAs(other);
        drained.adminDrained(false);
        assertThat(selector.select(all, Map.of(), null, 0)).isSameAs(drained);
    }

    @Test
    void theConferenceStaysOnItsBridgeUntilTheCapThenCascades() {
        Bridge a = bridge("a", 0.3, null), b = bridge("b", 0.1, null);
        Map<Bridge, Integer> use = new LinkedHashMap<>();
        use.put(a, 3);
        assertThat(selector.select(List.of(a, b), use, null, 0)).isSameAs(a);
        use.put(a, 4);
        assertThat(selector.select(List.of(a, b), use, null, 0)).isSameAs(b);
        assertThat(selector.select(List.of(a), use, null, 0)).isSameAs(a);
        BridgeSelector noCascade = new BridgeSelector(settings(4, false));
        assertThat(noCascade.select(List.of(a, b), use, null, 0)).isSameAs(a);
    }

    @Test
    void recentAllocationsCountAsStressAndOverloadIsTheLastResort() {
        Bridge a = bridge("a", 0.10, null), b = bridge("b", 0.12, null);
        for (int i = 0; i < 5; i++) a.endpointAllocated(1000);
        assertThat(selector.select(List.of(a, b), Map.of(), null, 1000)).isSameAs(b);
        assertThat(selector.select(List.of(a, b), Map.of(), null, 1000 + 21_000)).isSameAs(a);
        Bridge hot = bridge("hot", 0.9, "eu"), warm = bridge("warm", 0.5, "us");
        assertThat(selector.select(List.of(hot, warm), Map.of(), "eu", 0)).isSameAs(warm);
        assertThat(selector.select(List.of(hot), Map.of(), "eu", 0)).isSameAs(hot);
    }

    @Test
    void regionsSplitAConferenceAndVersionsMustMatch() {
        Bridge eu = bridge("eu", 0.3, "eu"), us = bridge("us", 0.3, "us");
        assertThat(selector.select(List.of(eu, us), Map.of(eu, 1), "us", 0)).isSameAs(us);
        Bridge other = new Bridge(new JID("jvbbrewery@internal.localhost/v2"), Bridge.Kind.BREWERY,
                new ColibriStats(List.of(new Stat("stress_level", "0"), new Stat("region", "us"),
                        new Stat("relay_id", "r2"), new Stat("version", "2"))), 0);
        assertThat(selector.select(List.of(eu, other), Map.of(eu, 1), "us", 0)).isSameAs(eu);
    }

    @Test
    void failedBridgesAreSkipped() {
        Bridge a = bridge("a", 0.0, null), b = bridge("b", 0.5, null);
        a.fail("left");
        assertThat(selector.select(List.of(a, b), Map.of(), null, 0)).isSameAs(b);
        assertThat(selector.select(List.of(a, b), Map.of(a, 2), null, 0)).isSameAs(b);
    }
}
