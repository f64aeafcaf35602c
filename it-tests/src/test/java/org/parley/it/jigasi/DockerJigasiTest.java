package org.parley.it.jigasi;

import static org.assertj.core.api.Assertions.assertThat;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.parley.app.docker.DockerJitsiEnv;
import org.parley.it.ComposeOverride;

/**
 * docker-jitsi-meet's jicofo container sets jigasi.brewery-jid when Jigasi dials out or transcribes, and jibri.brewery-jid
 * with recording; Parley's container does the same, and its compose override passes the brewery names it reads.
 */
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
    void theJigasiBreweryIsWatchedWhenJigasiDialsOutOrTranscribes() throws Exception {
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
        // docker-jitsi-meet gives JIGASI_BREWERY_MUC to the jicofo container only: the override passes it on.
        assertThat(ComposeOverride.prosodyEnvironment()).contains("JIGASI_BREWERY_MUC", "JIGASI_SIP_URI");
    }

    @Test
    void aNonDefaultJibriBreweryIsWatched() throws Exception {
        Map<String, String> recording = env();
        recording.put("ENABLE_RECORDING", "1");
        recording.put("JIBRI_BREWERY_MUC", "recorders");
        recording.put("JIBRI_SIP_BREWERY_MUC", "sipgateways");
        Config c = focus(recording);
        assertThat(c.getString("jibri.brewery")).isEqualTo("recorders@internal-muc.meet.jitsi");
        assertThat(c.getString("jibri.sip-brewery")).isEqualTo("sipgateways@internal-muc.meet.jitsi");
        assertThat(c.getStringList("hidden-domains")).containsExactly("hidden.meet.jitsi");
        // JIBRI_SIP_BREWERY_MUC is in the prosody service's environment already; JIBRI_BREWERY_MUC only in jicofo's.
        assertThat(ComposeOverride.prosodyEnvironment()).contains("JIBRI_BREWERY_MUC");
    }
}
