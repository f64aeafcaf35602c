package org.parley.it.jigasi;

import static org.assertj.core.api.Assertions.assertThat;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.parley.app.docker.DockerJitsiEnv;

/** docker-jitsi-meet's jicofo container sets jigasi.brewery-jid when Jigasi dials out or transcribes; Parley's container does the same. */
class DockerJigasiTest {
    private static Map<String, String> env() {
        Map<String, String> env = new HashMap<>();
        env.put("JVB_AUTH_PASSWORD", "jvb-password");
        return env;
    }

    private static Config focus(Map<String, String> env) {
        DockerJitsiEnv.Result r = DockerJitsiEnv.convert(env, "/tmp/parley-docker-jigasi");
        assertThat(r.notes()).noneMatch(n -> n.contains("does not use Jigasi"));
        return ConfigFactory.parseString(r.config()).resolve().getConfig("parley.focus");
    }

    @Test
    void theJigasiBreweryIsWatchedWhenJigasiDialsOutOrTranscribes() {
        assertThat(focus(env()).hasPath("jigasi.breweries")).isFalse();

        Map<String, String> sip = env();
        sip.put("JIGASI_SIP_URI", "jigasi@sip.example.org");
        assertThat(focus(sip).getStringList("jigasi.breweries")).containsExactly("jigasibrewery@internal-muc.meet.jitsi");

        Map<String, String> transcriber = env();
        transcriber.put("ENABLE_TRANSCRIPTIONS", "1");
        transcriber.put("JIGASI_BREWERY_MUC", "jigasis");
        transcriber.put("XMPP_INTERNAL_MUC_DOMAIN", "internal.meet.example.org");
        Config c = focus(transcriber);
        assertThat(c.getStringList("jigasi.breweries")).containsExactly("jigasis@internal.meet.example.org");
        // The transcriber's hidden domain counts for nothing and may hold the room's transcriber.
        assertThat(c.getStringList("hidden-domains")).containsExactly("hidden.meet.jitsi");
    }
}
