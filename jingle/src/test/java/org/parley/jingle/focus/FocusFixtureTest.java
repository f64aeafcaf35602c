package org.parley.jingle.focus;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.parley.jingle.Fixtures;
import org.parley.jingle.xml.JingleParseException;

class FocusFixtureTest {

    private static ConferenceIq conference(String name) {
        return Fixtures.assertRoundTrip(Fixtures.payload("focus/" + name), ConferenceIq::parse,
            ConferenceIq::toElement);
    }

    private static ColibriStats stats(String name) {
        ColibriStats stats = ColibriStats.fromPresence(Fixtures.load("focus/" + name));
        assertThat(stats).isNotNull();
        assertThat(ColibriStats.parse(stats.toElement())).isEqualTo(stats);
        return stats;
    }

    @ParameterizedTest
    @ValueSource(strings = {"conference-request.xml", "conference-reply.xml", "conference-reply-redirect.xml"})
    void conferenceIqsRoundTrip(String fixture) {
        conference(fixture);
    }

    @Test
    void conferenceRequest() {
        ConferenceIq req = conference("conference-request.xml");
        assertThat(req.room()).isEqualTo("brightfox@conference.meet.example.com");
        assertThat(req.machineUid()).isEqualTo("4b7c2e9a1f6d3085ae21c7b94d0f6e38");
        assertThat(req.token()).startsWith("eyJ");
        assertThat(req.sessionId()).isEqualTo("8e1b4c7d-2a5f-4e9b-b3c6-0d7a1f4e8b2c");
        assertThat(req.ready()).isNull();
        assertThat(req.property("rtcstatsEnabled")).isEqualTo("false");
        assertThat(req.propertyMap()).containsKeys("startAudioMuted", "startVideoMuted", "visitors-version");
    }

    @Test
    void conferenceReplies() {
        ConferenceIq reply = conference("conference-reply.xml");
        assertThat(reply.ready()).isTrue();
        assertThat(reply.focusJid()).isEqualTo("focus@auth.meet.example.com");
        assertThat(reply.vnode()).isNull();
        assertThat(reply.property("visitors-supported")).isEqualTo("true");
        assertThat(ConferenceIq.reply(reply.room(), true, reply.focusJid(), null, reply.properties()))
            .isEqualTo(reply);
        assertThat(conference("conference-reply-redirect.xml").vnode()).isEqualTo("v1");
        ConferenceIq notReady = ConferenceIq.reply("r@conference.example.com", false, "focus@auth.example.com", null,
            List.of());
        assertThat(ConferenceIq.parse(notReady.toElement()).ready()).isFalse();
    }

    @Test
    void breweryPresenceStats() {
        ColibriStats s = stats("brewery-presence.xml");
        assertThat(s.stressLevel()).isEqualTo(0.1);
        assertThat(s.averageParticipantStress()).isEqualTo(0.005);
        assertThat(s.region()).isEqualTo("eu-central-1");
        assertThat(s.relayId()).isEqualTo("10.0.4.17");
        assertThat(s.version()).isEqualTo("2.3.170-g2e1a9b4c");
        assertThat(s.release()).isEqualTo("9953");
        assertThat(s.gracefulShutdown()).isFalse();
        assertThat(s.shuttingDown()).isFalse();
        assertThat(s.drain()).isFalse();
        assertThat(s.healthy()).isTrue();
        assertThat(s.value("participants")).isEqualTo("17");

        ColibriStats draining = stats("brewery-presence-draining.xml");
        assertThat(draining.drain()).isTrue();
        assertThat(draining.gracefulShutdown()).isTrue();
        assertThat(draining.shuttingDown()).isFalse();
        assertThat(draining.healthy()).isNull();
        assertThat(draining.stressLevel()).isEqualTo(0.62);
    }

    @Test
    void malformedStatIsNamed() {
        ColibriStats bad = new ColibriStats(List.of(new ColibriStats.Stat("stress_level", "high")));
        assertThatThrownBy(bad::stressLevel).isInstanceOf(JingleParseException.class)
            .hasMessageContaining("stress_level").hasMessageContaining("value").hasMessageContaining("high");
        ColibriStats badFlag = new ColibriStats(List.of(new ColibriStats.Stat("drain", "maybe")));
        assertThatThrownBy(badFlag::drain).isInstanceOf(JingleParseException.class).hasMessageContaining("drain");
        assertThat(ColibriStats.fromPresence(Fixtures.load("colibri2/expire.xml"))).isNull();
    }
}
