package org.parley.xmpp.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.typesafe.config.ConfigFactory;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** {@code parley.handover}: the checkpoint interval's default, its off switch, and what is refused. */
class HandoverSettingsTest {
    private static HandoverSettings read(String hocon) throws ConfigException {
        return HandoverSettings.read(ConfigFactory.parseString(hocon));
    }

    @Test
    void checkpointsEverySecondWhileHandOverIsOn() throws Exception {
        HandoverSettings on = read("handover.enabled = true");
        assertThat(on.checkpointInterval()).isEqualTo(Duration.ofSeconds(1));
        assertThat(on.checkpoints()).isTrue();
        assertThat(read("handover.enabled = false").checkpoints()).as("only with hand-over").isFalse();
        assertThat(read("handover { enabled = true, checkpoint-interval = 0 }").checkpoints()).isFalse();
        assertThat(read("handover { enabled = true, checkpoint-interval = 250ms }").checkpointInterval()).isEqualTo(Duration.ofMillis(250));
    }

    @Test
    void aNegativeOrTooShortIntervalIsRefused() {
        assertThatThrownBy(() -> read("handover { enabled = true, checkpoint-interval = -1s }"))
                .isInstanceOf(ConfigException.class);
        assertThatThrownBy(() -> read("handover { enabled = true, checkpoint-interval = 10ms }"))
                .isInstanceOf(ConfigException.class);
    }
}
