package org.parley.focus.jigasi;

import static org.assertj.core.api.Assertions.assertThat;

import com.typesafe.config.ConfigFactory;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.parley.focus.FocusConfig;
import org.parley.xmpp.config.ConfigProblem;
import org.xmpp.packet.JID;

class JigasiSettingsTest {
    @Test
    void offByDefaultAndReadWithTheHost() throws Exception {
        JigasiSettings off = FocusConfig.read(ConfigFactory.empty(), List.of()).jigasi();
        assertThat(off.enabled()).isFalse();
        assertThat(off.retries()).isEqualTo(2);
        assertThat(off.moderatorsOnly()).isTrue();
        JigasiSettings on = FocusConfig.read(ConfigFactory.parseString(
                "focus.jigasi { breweries = [\"JigasiBrewery@internal.auth.{host}\"], dial-timeout = 5s, retries = 0 }"), List.of()).jigasi();
        assertThat(on.breweries()).containsExactly(new JID("jigasibrewery@internal.auth.localhost"));
        assertThat(on.dialTimeout()).isEqualTo(Duration.ofSeconds(5));
        assertThat(on.retries()).isZero();
    }

    @Test
    void everyProblemNamesItsKey() {
        List<ConfigProblem> problems = FocusConfig.check(ConfigFactory.parseString(
                "focus.jigasi { breweries = [\"internal.localhost\", \"a@b/c\"], dial-timeout = 0s, retries = -1, moderators-only = maybe }"),
                List.of());
        assertThat(problems).extracting(ConfigProblem::key).containsExactlyInAnyOrder("parley.focus.jigasi.breweries",
                "parley.focus.jigasi.breweries", "parley.focus.jigasi.dial-timeout", "parley.focus.jigasi.retries",
                "parley.focus.jigasi.moderators-only");
    }
}
