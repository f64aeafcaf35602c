package org.parley.focus.jigasi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.parley.jingle.focus.ColibriStats;
import org.parley.jingle.xml.JingleParseException;
import org.xmpp.packet.JID;

class JigasiSelectorTest {
    private static Jigasi jigasi(String nick, int participants, String region, boolean sip, boolean transcription,
                                 boolean shutdown, boolean healthy) {
        return new Jigasi(new JID("jigasibrewery@internal.auth.example.org/" + nick), 0, participants, shutdown, region, sip,
                transcription, null, null, healthy, 0);
    }

    @Test
    void leastLoadedThatDoesWhatIsAskedInTheCallersRegionFirst() {
        Jigasi euBusy = jigasi("eu", 10, "eu", true, false, false, true);
        Jigasi usIdle = jigasi("us", 0, "us", true, false, false, true);
        Jigasi transcriber = jigasi("tr", 0, "eu", false, true, false, true);
        List<Jigasi> all = List.of(euBusy, usIdle, transcriber);
        assertThat(JigasiSelector.select(all, false, "eu", Set.of())).isEqualTo(euBusy);
        assertThat(JigasiSelector.select(all, false, "ap", Set.of())).isEqualTo(usIdle);
        assertThat(JigasiSelector.select(all, false, null, Set.of())).isEqualTo(usIdle);
        assertThat(JigasiSelector.select(all, true, "us", Set.of())).isEqualTo(transcriber);
        // One already tried is left out, even in the caller's region.
        assertThat(JigasiSelector.select(all, false, "eu", Set.of(euBusy.jid()))).isEqualTo(usIdle);
        assertThat(JigasiSelector.select(all, true, null, Set.of(transcriber.jid()))).isNull();
    }

    @Test
    void neitherShuttingDownNorUnhealthyOnesTakeCalls() {
        Jigasi leaving = jigasi("leaving", 0, null, true, true, true, true);
        Jigasi sick = jigasi("sick", 0, null, true, true, false, false);
        Jigasi busy = jigasi("busy", 50, null, true, true, false, true);
        assertThat(JigasiSelector.select(List.of(leaving, sick, busy), false, null, Set.of())).isEqualTo(busy);
        assertThat(JigasiSelector.select(List.of(leaving, sick), true, null, Set.of())).isNull();
    }

    @Test
    void statsAreReadAsJigasiPublishesThem() {
        ColibriStats stats = new ColibriStats(List.of(new ColibriStats.Stat("conferences", "2"),
                new ColibriStats.Stat("participants", "7"), new ColibriStats.Stat("graceful_shutdown", "false"),
                new ColibriStats.Stat("region", "eu-west"), new ColibriStats.Stat("supports_sip", "true"),
                new ColibriStats.Stat("supports_transcription", "false"), new ColibriStats.Stat("stress_level", "0.07")));
        Jigasi j = Jigasi.of(new JID("b@internal.example.org/j1"), stats, 5);
        assertThat(j.conferences()).isEqualTo(2);
        assertThat(j.participants()).isEqualTo(7);
        assertThat(j.region()).isEqualTo("eu-west");
        assertThat(j.takes(false)).isTrue();
        assertThat(j.takes(true)).isFalse();
        assertThatThrownBy(() -> Jigasi.of(new JID("b@internal.example.org/j1"),
                new ColibriStats(List.of(new ColibriStats.Stat("participants", "-1"))), 0)).isInstanceOf(JingleParseException.class);
        assertThatThrownBy(() -> Jigasi.of(new JID("b@internal.example.org/j1"),
                new ColibriStats(List.of(new ColibriStats.Stat("supports_sip", "maybe"))), 0)).isInstanceOf(JingleParseException.class);
    }
}
