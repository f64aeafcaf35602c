package org.parley.importer;

import static org.assertj.core.api.Assertions.assertThat;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class JitsiImportTest {
    @TempDir
    Path data;

    private JitsiImport.Result stock() throws Exception {
        ProsodyData.writeAccount(data, "auth.meet.example.test", "focus", "focus-password-0123", "8d3f1a2e-focus-salt", 10000);
        ProsodyData.writeAccount(data, "auth.meet.example.test", "jvb", "jvb-password-0123", "4a9c2b1d-jvb-salt", 10000);
        ProsodyConfig prosody = ProsodyConfigReader.read(ProsodyConfigReaderTest.fixture("prosody/prosody.cfg.lua"), k -> null);
        JicofoConfig jicofo = JicofoConfig.read(ProsodyConfigReaderTest.fixture("jicofo/jicofo.conf"));
        return JitsiImport.convert(prosody, data, jicofo, "/var/lib/parley");
    }

    @Test
    void theStockLayoutBecomesParleysAddresses() throws Exception {
        JitsiImport.Result r = stock();
        Config c = ConfigFactory.parseString(r.config()).getConfig("parley");
        List<? extends Config> hosts = c.getConfigList("hosts");
        assertThat(hosts.get(0).getString("domain")).isEqualTo("meet.example.test");
        assertThat(hosts.get(0).getBoolean("anonymous")).isTrue();
        assertThat(hosts.get(0).getString("certificate")).isEqualTo("/etc/prosody/certs/meet.example.test.crt");
        assertThat(hosts.get(1).getString("domain")).isEqualTo("localhost");
        assertThat(hosts.get(2).getString("domain")).isEqualTo("auth.meet.example.test");
        assertThat(hosts.get(2).getStringList("sasl-mechanisms")).containsExactly("SCRAM-SHA-1", "PLAIN");
        assertThat(c.getString("focus.domain")).isEqualTo("focus.meet.example.test");
        assertThat(c.getString("focus.jid")).isEqualTo("focus@auth.meet.example.test");
        assertThat(c.getStringList("focus.muc-domains")).containsExactly("conference.meet.example.test", "breakout.meet.example.test");
        assertThat(c.getStringList("focus.bridges.breweries")).containsExactly("JvbBrewery@internal.auth.meet.example.test");
        List<? extends Config> mucs = c.getConfigList("muc.services");
        assertThat(mucs).extracting(m -> m.getString("domain")).containsExactly("conference.meet.example.test",
                "breakout.meet.example.test", "internal.auth.meet.example.test", "lobby.meet.example.test");
        assertThat(mucs.get(0).getStringList("room-creators")).isEmpty();
        assertThat(mucs.get(2).getStringList("allowed-jids")).containsExactly("auth.meet.example.test");
        assertThat(c.getString("turn.secret")).isEqualTo("turn-secret-0123");
        assertThat(c.getConfigList("turn.services")).hasSize(3);
        assertThat(c.getConfigList("turn.services").get(1).getBoolean("restricted")).isTrue();
        assertThat(c.getBoolean("http.listeners.plain.secure")).isTrue();
        assertThat(c.getString("http.listeners.plain.bind")).isEqualTo("127.0.0.1");
        assertThat(r.accounts()).extracting(ProsodyAccounts.Account::user).containsExactly("focus", "jvb");
        assertThat(c.getBoolean("handover.enabled")).as("restarts keep the meetings").isTrue();
    }

    @Test
    void jitsiFeaturesTheMucServesAreCarriedOver() throws Exception {
        JitsiImport.Result r = stock();
        Config c = ConfigFactory.parseString(r.config()).getConfig("parley.muc.jitsi");
        assertThat(c.getString("host")).isEqualTo("meet.example.test");
        assertThat(c.getBoolean("conference-duration.enabled")).isTrue();
        assertThat(c.getStringList("conference-duration.muc-domains")).containsExactly("conference.meet.example.test");
        assertThat(c.getString("conference-duration.component")).isEqualTo("conferenceduration.meet.example.test");
        assertThat(c.getBoolean("speaker-stats.enabled")).isTrue();
        assertThat(c.getStringList("speaker-stats.muc-domains")).containsExactly("conference.meet.example.test");
        assertThat(c.getString("speaker-stats.component")).isEqualTo("speakerstats.meet.example.test");
        assertThat(c.getBoolean("polls.enabled")).isTrue();
        assertThat(c.getStringList("polls.muc-domains")).containsExactly("conference.meet.example.test",
                "breakout.meet.example.test", "lobby.meet.example.test");
        assertThat(c.getString("polls.component")).isEqualTo("polls.meet.example.test");
        assertThat(r.notes()).noneSatisfy(n -> assertThat(n.message()).containsAnyOf("conference_duration", "conferenceduration",
                "speakerstats", "module polls", "end_conference", "endconference"));
        assertThat(c.getBoolean("end-conference.enabled")).isTrue();
        assertThat(c.getStringList("end-conference.muc-domains")).containsExactly("conference.meet.example.test");
        assertThat(c.getString("end-conference.component")).isEqualTo("endconference.meet.example.test");
        assertThat(c.getBoolean("av-moderation.enabled")).isTrue();
        assertThat(c.getStringList("av-moderation.muc-domains")).containsExactly("conference.meet.example.test");
        assertThat(c.getString("av-moderation.component")).isEqualTo("avmoderation.meet.example.test");
        assertThat(r.notes()).noneSatisfy(n -> assertThat(n.message()).containsAnyOf("av_moderation", "avmoderation"));
        // muc_breakout_rooms with breakout_rooms_muc and main_muc.
        assertThat(c.getBoolean("breakout-rooms.enabled")).isTrue();
        assertThat(c.getStringList("breakout-rooms.muc-domains")).containsExactly("conference.meet.example.test");
        assertThat(c.getString("breakout-rooms.breakout-domain")).isEqualTo("breakout.meet.example.test");
        assertThat(r.notes()).noneSatisfy(n -> assertThat(n.message()).containsAnyOf("muc_breakout_rooms", "breakout rooms",
                "breakout_rooms_muc"));
        // mod_muc_lobby_rooms with its main_muc and lobby_muc (the whitelist is commented out in the stock file).
        assertThat(c.getBoolean("lobby.enabled")).isTrue();
        assertThat(c.getStringList("lobby.muc-domains")).containsExactly("conference.meet.example.test");
        assertThat(c.getString("lobby.lobby-domain")).isEqualTo("lobby.meet.example.test");
        assertThat(c.getStringList("lobby.whitelist")).isEmpty();
        assertThat(r.notes()).noneSatisfy(n -> assertThat(n.message()).containsAnyOf("muc_lobby_rooms", "lobby_muc"));
    }

    @Test
    void theLobbyWhitelistIsCarriedOverAndALobbyNotLoadedIsOff(@TempDir Path dir) throws Exception {
        Path fixture = ProsodyConfigReaderTest.fixture("prosody/prosody.cfg.lua").getParent();
        java.nio.file.Files.createDirectories(dir.resolve("conf.d"));
        java.nio.file.Files.copy(fixture.resolve("prosody.cfg.lua"), dir.resolve("prosody.cfg.lua"));
        String host = java.nio.file.Files.readString(fixture.resolve("conf.d/meet.example.test.cfg.lua"));
        java.nio.file.Files.writeString(dir.resolve("conf.d/meet.example.test.cfg.lua"),
                host.replace("-- muc_lobby_whitelist = {", "muc_lobby_whitelist = {"));
        JitsiImport.Result r = JitsiImport.convert(ProsodyConfigReader.read(dir.resolve("prosody.cfg.lua"), k -> null), null, null,
                "/var/lib/parley");
        Config c = ConfigFactory.parseString(r.config()).getConfig("parley.muc.jitsi");
        assertThat(c.getStringList("lobby.whitelist")).containsExactly("recorder.meet.example.test");
        assertThat(r.notes()).noneSatisfy(n -> assertThat(n.message()).contains("muc_lobby_whitelist"));

        java.nio.file.Files.writeString(dir.resolve("conf.d/meet.example.test.cfg.lua"),
                host.replace("\"muc_lobby_rooms\";", ""));
        r = JitsiImport.convert(ProsodyConfigReader.read(dir.resolve("prosody.cfg.lua"), k -> null), null, null, "/var/lib/parley");
        assertThat(ConfigFactory.parseString(r.config()).getBoolean("parley.muc.jitsi.lobby.enabled")).isFalse();
    }

    @Test
    void whatIsNotCarriedOverIsListedWithItsLine() throws Exception {
        JitsiImport.Result r = stock();
        assertThat(r.changesBehaviour()).isTrue();
        assertThat(r.notes()).anySatisfy(n -> {
            // The assignment's line as Lua reports it: where its table closes.
            assertThat(n.where()).endsWith("meet.example.test.cfg.lua:74");
            assertThat(n.message()).contains("muc_domain_mapper").contains("domain mapper");
            assertThat(n.changesBehaviour()).isTrue();
        });
        assertThat(r.notes()).anySatisfy(n -> {
            assertThat(n.message()).contains("plugin_paths");
            assertThat(n.changesBehaviour()).isFalse();
        });
    }

    @Test
    void jicofosBridgeSelectionAndCodecsAreCarriedOver(@TempDir Path dir) throws Exception {
        Path conf = dir.resolve("jicofo.conf");
        java.nio.file.Files.writeString(conf, """
                jicofo {
                  xmpp.client { xmpp-domain = meet.example.test, domain = auth.meet.example.test, username = focus }
                  bridge {
                    max-bridge-participants = 50
                    average-participant-stress = 0.02
                    selection-strategy = RegionBasedBridgeSelectionStrategy
                    health-checks.interval = 20 seconds
                  }
                  codec.video {
                    vp9.enabled = false
                    h264 { pt = 126, rtx-pt = 127 }
                  }
                  codec.audio.telephone-event.enabled = false
                  octo.enabled = true
                }
                """);
        ProsodyConfig prosody = ProsodyConfigReader.read(ProsodyConfigReaderTest.fixture("prosody/prosody.cfg.lua"), k -> null);
        JitsiImport.Result r = JitsiImport.convert(prosody, null, JicofoConfig.read(conf), "/var/lib/parley");
        Config c = ConfigFactory.parseString(r.config()).getConfig("parley.focus");
        assertThat(c.getInt("bridges.max-participants-per-bridge")).isEqualTo(50);
        assertThat(c.getDouble("bridges.stress-per-endpoint")).isEqualTo(0.02);
        assertThat(c.getBoolean("bridges.cascade")).isTrue();
        assertThat(c.getBoolean("bridges.region-aware")).isTrue();
        assertThat(c.getDuration("bridges.health-interval")).hasSeconds(20);
        List<? extends Config> video = c.getConfigList("codecs.video");
        assertThat(video).extracting(v -> v.getString("name")).doesNotContain("VP9").contains("VP8", "H264", "AV1");
        assertThat(video).noneMatch(v -> v.getString("name").equals("rtx") && v.getStringList("parameters").contains("apt=101"));
        Config h264 = video.stream().filter(v -> v.getString("name").equals("H264")).findFirst().orElseThrow();
        assertThat(h264.getInt("id")).isEqualTo(126);
        assertThat(video).anyMatch(v -> v.getString("name").equals("rtx") && v.getInt("id") == 127
                && v.getStringList("parameters").equals(List.of("apt=126")));
        assertThat(c.getConfigList("codecs.audio")).extracting(a -> a.getString("name")).containsExactly("opus");
        assertThat(r.notes()).anySatisfy(n -> assertThat(n.message()).startsWith("octo.enabled has no Parley equivalent"));
    }

    @Test
    void jicofosJibriSettingsAreCarriedOver(@TempDir Path dir) throws Exception {
        Path conf = dir.resolve("jicofo.conf");
        java.nio.file.Files.writeString(conf, """
                jicofo {
                  xmpp.client { xmpp-domain = meet.example.test, domain = auth.meet.example.test, username = focus }
                  xmpp.trusted-domains = [ "recorder.meet.example.test" ]
                  jibri { brewery-jid = "JibriBrewery@internal.auth.meet.example.test", pending-timeout = 60 seconds, num-retries = 2 }
                  jibri-sip.brewery-jid = "JibriSipBrewery@internal.auth.meet.example.test"
                }
                """);
        ProsodyConfig prosody = ProsodyConfigReader.read(ProsodyConfigReaderTest.fixture("prosody/prosody.cfg.lua"), k -> null);
        JitsiImport.Result r = JitsiImport.convert(prosody, null, JicofoConfig.read(conf), "/var/lib/parley");
        Config c = ConfigFactory.parseString(r.config()).getConfig("parley.focus");
        assertThat(c.getString("jibri.brewery")).isEqualTo("JibriBrewery@internal.auth.meet.example.test");
        assertThat(c.getString("jibri.sip-brewery")).isEqualTo("JibriSipBrewery@internal.auth.meet.example.test");
        assertThat(c.getDuration("jibri.pending-timeout")).hasSeconds(60);
        assertThat(c.getInt("jibri.retries")).isEqualTo(2);
        assertThat(c.getStringList("hidden-domains")).containsExactly("recorder.meet.example.test");
        assertThat(r.notes()).noneMatch(n -> n.message().contains("jibri"));
        // Without a brewery Jicofo records nothing: neither does the imported focus.
        Config stock = ConfigFactory.parseString(stock().config()).getConfig("parley.focus");
        assertThat(stock.getString("jibri.brewery")).isEmpty();
    }

    @Test
    void withoutASelectionStrategyJicofoKeepsAConferenceOnOneBridge(@TempDir Path dir) throws Exception {
        ProsodyConfig prosody = ProsodyConfigReader.read(ProsodyConfigReaderTest.fixture("prosody/prosody.cfg.lua"), k -> null);
        JitsiImport.Result r = JitsiImport.convert(prosody, null, JicofoConfig.read(ProsodyConfigReaderTest.fixture("jicofo/jicofo.conf")),
                "/var/lib/parley");
        assertThat(ConfigFactory.parseString(r.config()).getBoolean("parley.focus.bridges.cascade")).isFalse();
    }

    @Test
    void jicofosJigasiBreweryAndModeratorChecksAreCarriedOver(@TempDir Path dir) throws Exception {
        Path conf = dir.resolve("jicofo.conf");
        java.nio.file.Files.writeString(conf, """
                jicofo {
                  xmpp.client { xmpp-domain = meet.example.test, domain = auth.meet.example.test, username = focus }
                  jigasi { brewery-jid = "JigasiBrewery@internal.auth.meet.example.test", xmpp-connection-name = Client }
                  conference.enable-moderator-checks = false
                }
                """);
        ProsodyConfig prosody = ProsodyConfigReader.read(ProsodyConfigReaderTest.fixture("prosody/prosody.cfg.lua"), k -> null);
        JitsiImport.Result r = JitsiImport.convert(prosody, null, JicofoConfig.read(conf), "/var/lib/parley");
        Config c = ConfigFactory.parseString(r.config()).getConfig("parley.focus");
        assertThat(c.getStringList("jigasi.breweries")).containsExactly("JigasiBrewery@internal.auth.meet.example.test");
        assertThat(c.getBoolean("jigasi.moderators-only")).isFalse();
        assertThat(r.notes()).noneMatch(n -> n.message().contains("brewery-jid") || n.message().contains("enable-moderator-checks"));
        assertThat(r.notes()).anySatisfy(n -> assertThat(n.message()).startsWith("jigasi.xmpp-connection-name has no Parley equivalent"));
    }
}
