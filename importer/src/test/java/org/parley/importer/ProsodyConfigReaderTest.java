package org.parley.importer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

@SuppressWarnings("unchecked")
class ProsodyConfigReaderTest {
    @TempDir
    Path dir;

    static Path fixture(String name) throws URISyntaxException {
        return Path.of(ProsodyConfigReaderTest.class.getResource("/" + name).toURI());
    }

    @Test
    void jitsisStockConfigurationThroughItsInclude() throws Exception {
        ProsodyConfig c = ProsodyConfigReader.read(fixture("prosody/prosody.cfg.lua"), k -> null);
        assertThat(c.hosts().keySet()).containsExactly("localhost", "meet.example.test", "auth.meet.example.test");
        assertThat(c.components().keySet()).containsExactly("conference.meet.example.test", "breakout.meet.example.test",
                "internal.auth.meet.example.test", "focus.meet.example.test", "speakerstats.meet.example.test",
                "conferenceduration.meet.example.test", "endconference.meet.example.test", "avmoderation.meet.example.test",
                "lobby.meet.example.test");
        var meet = c.hosts().get("meet.example.test");
        assertThat(meet.option("authentication").value()).isEqualTo("jitsi-anonymous");
        assertThat(meet.option("authentication").source().file()).endsWith("conf.d/meet.example.test.cfg.lua");
        assertThat(meet.option("authentication").source().line()).isEqualTo(29);
        assertThat((List<Object>) meet.option("modules_enabled").value()).contains("bosh", "muc_lobby_rooms", "av_moderation");
        assertThat((Map<Object, Object>) meet.option("ssl").value()).containsEntry("certificate", "/etc/prosody/certs/meet.example.test.crt");
        assertThat(c.components().get("focus.meet.example.test").module()).isEqualTo("client_proxy");
        assertThat(c.components().get("focus.meet.example.test").option("target_address").value())
                .isEqualTo("focus@auth.meet.example.test");
        assertThat(c.components().get("internal.auth.meet.example.test").module()).isEqualTo("muc");
        // Global options are set in the main file and in the include, before the first VirtualHost of each.
        assertThat(c.global().option("external_service_secret").value()).isEqualTo("turn-secret-0123");
        assertThat(c.global().option("c2s_require_encryption").value()).isEqualTo(true);
        assertThat(c.effective(c.hosts().get("auth.meet.example.test"), "c2s_require_encryption").value()).isEqualTo(true);
        assertThat(meet.option("c2s_require_encryption").value()).isEqualTo(false);
        List<?> services = (List<Object>) c.global().option("external_services").value();
        assertThat(services).hasSize(3);
        assertThat((Map<Object, Object>) services.get(1)).containsEntry("type", "turn").containsEntry("port", 3478L)
                .containsEntry("secret", true).containsEntry("ttl", 86400L);
    }

    @Test
    void luaIsRunNotMatched() throws Exception {
        Path conf = dir.resolve("prosody.cfg.lua");
        Files.writeString(conf, """
                local domain = "lua.example"
                local function mucs(...) return { ... } end
                VirtualHost(domain)
                  authentication = ENV_AUTH_KIND or "internal_hashed"
                  app_secret = FileLine("secret.txt")
                Component ("conference." .. domain) "muc"
                  admins = mucs("a@" .. domain, "b@" .. domain)
                VirtualHost "x.example" { authentication = "anonymous", ["c2s_require_encryption"] = false }
                """);
        Files.writeString(dir.resolve("secret.txt"), "s3cret\nignored\n");
        ProsodyConfig c = ProsodyConfigReader.read(conf, k -> k.equals("AUTH_KIND") ? "token" : null);
        assertThat(c.hosts().get("lua.example").option("authentication").value()).isEqualTo("token");
        assertThat(c.hosts().get("lua.example").option("app_secret").value()).isEqualTo("s3cret");
        assertThat((List<Object>) c.components().get("conference.lua.example").option("admins").value())
                .containsExactly("a@lua.example", "b@lua.example");
        assertThat(c.hosts().get("x.example").option("authentication").value()).isEqualTo("anonymous");
        assertThat(c.hosts().get("x.example").option("c2s_require_encryption").value()).isEqualTo(false);
    }

    @Test
    void theSandboxHasNoWayOut() throws Exception {
        for (String escape : List.of("io.open('/etc/passwd')", "os.execute('true')", "dofile('/etc/passwd')",
                "require('os')", "load('return 1')()", "loadfile('/etc/passwd')")) {
            Path conf = dir.resolve("escape.cfg.lua");
            Files.writeString(conf, "x = " + escape + "\n");
            assertThatThrownBy(() -> ProsodyConfigReader.read(conf, k -> null)).as(escape).isInstanceOf(IOException.class);
        }
    }

    @Test
    void anIncludeLoopIsRefused() throws Exception {
        Path conf = dir.resolve("loop.cfg.lua");
        Files.writeString(conf, "Include \"loop.cfg.lua\"\n");
        assertThatThrownBy(() -> ProsodyConfigReader.read(conf, k -> null)).isInstanceOf(IOException.class)
                .hasMessageContaining("Include loop");
    }

    @Test
    void aSyntaxErrorNamesTheFileAndLine() throws Exception {
        Path conf = dir.resolve("bad.cfg.lua");
        Files.writeString(conf, "VirtualHost \"a\"\n  authentication = = 1\n");
        assertThatThrownBy(() -> ProsodyConfigReader.read(conf, k -> null)).isInstanceOf(IOException.class)
                .hasMessageContaining("bad.cfg.lua").hasMessageContaining("2");
    }
}
