package org.parley.muc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.typesafe.config.ConfigFactory;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.parley.xmpp.config.ConfigException;
import org.xmpp.packet.JID;

class MucConfigTest {
    @Test
    void defaultsServeConferenceOpenAndInternalClosedOnTheFirstHost() throws Exception {
        MucConfig c = MucConfig.read(ConfigFactory.empty(), List.of("meet.example.org", "guest.example.org"));
        assertThat(c.enabled()).isTrue();
        assertThat(c.services()).extracting(ServiceSettings::domain).containsExactly("conference.meet.example.org", "internal.meet.example.org");
        ServiceSettings conference = c.services().get(0);
        assertThat(conference.allowed().anyone()).isTrue();
        assertThat(conference.creators().anyone()).isTrue();
        assertThat(conference.lockNewRooms()).isFalse();
        assertThat(conference.roomDefaults().whois()).isEqualTo(RoomConfig.Whois.ANYONE);
        ServiceSettings internal = c.services().get(1);
        assertThat(internal.allowed().matches(new JID("jvb@auth.meet.example.org/x"))).isFalse();
        assertThat(internal.roomDefaults().publicRoom()).isFalse();
    }

    @Test
    void servicesExpandHostInDomainsAndJidLists() throws Exception {
        var parley = ConfigFactory.parseString("""
                muc {
                  service-defaults.admins = ["focus@auth.{host}"]
                  services = [
                    { domain = "muc.{host}", lock-new-rooms = true, room-defaults { max-users = 50, whois = moderators } }
                    { domain = "brewery.{host}", allowed-jids = ["auth.{host}"], room-creators = [] }
                  ]
                }
                """);
        MucConfig c = MucConfig.read(parley, List.of("example.org"));
        ServiceSettings muc = c.services().get(0);
        assertThat(muc.domain()).isEqualTo("muc.example.org");
        assertThat(muc.lockNewRooms()).isTrue();
        assertThat(muc.roomDefaults().maxUsers()).isEqualTo(50);
        assertThat(muc.admins().matches(new JID("focus@auth.example.org/focus"))).isTrue();
        ServiceSettings brewery = c.services().get(1);
        assertThat(brewery.allowed().matches(new JID("jvb1@auth.example.org/r"))).isTrue();
        assertThat(brewery.allowed().matches(new JID("eve@example.org/r"))).isFalse();
        assertThat(brewery.creators().isEmpty()).isTrue();
    }

    @Test
    void theLobbyNeedsAValidLobbyDomain() {
        assertThat(org.parley.muc.jitsi.JitsiFeatures.check(ConfigFactory.parseString(
                "muc.jitsi.lobby { enabled = true, lobby-domain = \"lobby.{host}\", whitelist = [\"recorder.{host}\"] }"),
                List.of("example.org"))).isEmpty();
        assertThat(org.parley.muc.jitsi.JitsiFeatures.check(ConfigFactory.parseString(
                "muc.jitsi.lobby { enabled = true, lobby-domain = \"not a domain\" }"), List.of("example.org")))
                .anySatisfy(p -> assertThat(p.key()).isEqualTo("parley.muc.jitsi.lobby.lobby-domain"));
        assertThat(org.parley.muc.jitsi.JitsiFeatures.check(ConfigFactory.parseString(
                "muc.jitsi.lobby { enabled = true, lobby-domain = \"\" }"), List.of("example.org")))
                .anySatisfy(p -> assertThat(p.key()).isEqualTo("parley.muc.jitsi.lobby.lobby-domain"));
    }

    @Test
    void problemsNameTheirKeys() {
        var parley = ConfigFactory.parseString("""
                muc {
                  threads = -1
                  services = [
                    { domain = "bad domain" }
                    { domain = "example.org" }
                    { domain = "ok.example.org", room-defaults.whois = everyone, allowed-jids = ["not a jid"] }
                    { domain = "dup.example.org" }
                    { domain = "dup.example.org" }
                  ]
                }
                """);
        assertThatThrownBy(() -> MucConfig.read(parley, List.of("example.org")))
                .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.problems()).extracting(p -> p.key())
                        .contains("parley.muc.threads", "parley.muc.services[0].domain", "parley.muc.services[1].domain",
                                "parley.muc.services[2].room-defaults.whois", "parley.muc.services[2].allowed-jids",
                                "parley.muc.services[4].domain"));
    }

    @Test
    void breakoutRoomsProblemsNameTheirKeys() {
        var parley = ConfigFactory.parseString("""
                muc.jitsi.breakout-rooms {
                  enabled = true
                  muc-domains = ["breakout.{host}"]
                  max-rooms = 0
                  max-name-length = many
                }
                """);
        assertThat(org.parley.muc.jitsi.JitsiFeatures.check(parley, List.of("example.org"))).extracting(p -> p.key())
                .contains("parley.muc.jitsi.breakout-rooms.muc-domains", "parley.muc.jitsi.breakout-rooms.max-rooms",
                        "parley.muc.jitsi.breakout-rooms.max-name-length");
        var bad = ConfigFactory.parseString("muc.jitsi.breakout-rooms { enabled = true, breakout-domain = \"not a domain\" }");
        assertThat(org.parley.muc.jitsi.JitsiFeatures.check(bad, List.of("example.org"))).extracting(p -> p.key())
                .contains("parley.muc.jitsi.breakout-rooms.breakout-domain");
        var ok = ConfigFactory.parseString("muc.jitsi.breakout-rooms.enabled = true");
        assertThat(org.parley.muc.jitsi.JitsiFeatures.check(ok, List.of("example.org"))).isEmpty();
    }
}
