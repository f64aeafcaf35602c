package org.parley.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.jivesoftware.smack.tcp.XMPPTCPConnection;
import org.junit.jupiter.api.Test;
import org.parley.http.admin.Json;
import org.parley.it.sfu.TestSfu;
import org.parley.testkit.FreePorts;

/**
 * The image's Dockerfile ({@code app/src/docker/Dockerfile}). There is no Docker engine where the tests run, so the
 * image is not built here; instead the Dockerfile is read for what the image needs (a Java 17 runtime, the jar the
 * build wrote, the volume the data goes to, the ports other containers reach), and its ENTRYPOINT + CMD are run as
 * they stand, with the jar from {@code app/target} and docker-jitsi-meet's variables: the server comes up and a
 * bridge joins the brewery.
 */
class DockerfileTest {
    private static final Path CONTEXT = Path.of("..", "app").toAbsolutePath().normalize();

    /** The instructions in order, continuation lines joined, comments dropped: [INSTRUCTION, arguments]. */
    static List<String[]> instructions(Path dockerfile) throws Exception {
        List<String[]> out = new ArrayList<>();
        StringBuilder pending = new StringBuilder();
        for (String line : Files.readAllLines(dockerfile)) {
            String t = line.strip();
            if (t.startsWith("#") || (t.isEmpty() && pending.isEmpty())) continue;
            if (t.endsWith("\\")) {
                pending.append(t, 0, t.length() - 1).append(' ');
                continue;
            }
            pending.append(t);
            String[] parts = pending.toString().strip().split("\\s+", 2);
            out.add(new String[] {parts[0].toUpperCase(), parts.length > 1 ? parts[1] : ""});
            pending.setLength(0);
        }
        return out;
    }

    private static String only(List<String[]> instructions, String name) {
        List<String> found = instructions.stream().filter(i -> i[0].equals(name)).map(i -> i[1]).toList();
        assertThat(found).as(name).hasSize(1);
        return found.get(0);
    }

    /** An exec-form (JSON array) ENTRYPOINT or CMD; the shell form would not get SIGTERM to the JVM. */
    @SuppressWarnings("unchecked")
    private static List<String> execForm(String args) {
        return (List<String>) Json.parseObject("{\"argv\":" + args + "}").get("argv");
    }

    @Test
    void theImagesCommandRunsTheBuiltJarAsDockerJitsiMeetsXmppServer() throws Exception {
        List<String[]> ins = instructions(CONTEXT.resolve("src/docker/Dockerfile"));
        assertThat(ins.get(0)[0]).isEqualTo("FROM");
        assertThat(ins.get(0)[1]).startsWith("eclipse-temurin:17").contains("jre");

        // COPY <source in the build context> <path in the image>: the jar mvn package writes.
        String[] copy = only(ins, "COPY").split("\\s+");
        assertThat(copy).hasSize(2);
        Path jar = CONTEXT.resolve(copy[0]);
        assertThat(jar).isRegularFile();
        assertThat(copy[0]).isEqualTo("target/parley.jar");

        String volume = only(ins, "VOLUME");
        assertThat(only(ins, "ENV")).isEqualTo("PARLEY_DATA_DIR=" + volume);
        assertThat(only(ins, "EXPOSE").split("\\s+")).contains("5222", "5280", "8888");
        assertThat(only(ins, "USER")).isEqualTo("parley");

        List<String> argv = new ArrayList<>(execForm(only(ins, "ENTRYPOINT")));
        argv.addAll(execForm(only(ins, "CMD")));
        assertThat(argv.get(0)).isEqualTo("java");
        assertThat(argv.get(argv.indexOf("-jar") + 1)).isEqualTo(copy[1]);
        assertThat(argv.get(argv.size() - 1)).isEqualTo("container");

        // Run it as the image would, with this machine's paths for the JVM, the jar and the volume.
        Path dir = Files.createTempDirectory("parley-image");
        Path data = dir.resolve("data");
        DockerJitsiMeetTest.customConfig(dir);
        int[] ports = FreePorts.take(3);
        Map<String, String> env = DockerJitsiMeetTest.env(dir, ports);
        List<String> command = new ArrayList<>();
        for (String a : argv) {
            if (a.equals("java")) a = Path.of(System.getProperty("java.home"), "bin", "java").toString();
            else if (a.equals(copy[1])) a = jar.toString();
            else a = a.replace(volume, data.toString());
            command.add(a);
        }
        command.add(1, "-Xmx256m");
        ProcessBuilder pb = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true)
                .redirectOutput(dir.resolve("out.log").toFile());
        pb.environment().keySet().removeIf(k -> !k.equals("PATH") && !k.equals("HOME"));
        pb.environment().putAll(env);
        Process process = pb.start();
        try {
            await().atMost(Duration.ofSeconds(60)).until(() -> {
                if (!process.isAlive()) throw new IllegalStateException(Files.readString(dir.resolve("out.log")));
                return DockerJitsiMeetTest.listening(ports[0]) && DockerJitsiMeetTest.listening(ports[1])
                        && DockerJitsiMeetTest.listening(ports[2]);
            });
            JicofoHttp rest = new JicofoHttp(ports[2]);
            Map<String, Object> version = JicofoHttp.json(rest.get("/about/version"));
            assertThat(version).containsEntry("name", "Parley");

            Clients trusted = new Clients(() -> ports[0], DockerJitsiMeetTest.trust(env, "auth.meet.jitsi"), "auth.meet.jitsi");
            XMPPTCPConnection c = trusted.connect(trusted.config()
                    .setUsernameAndPassword("jvb", DockerJitsiMeetTest.JVB_PASSWORD).setResource("jvb-image").build());
            c.login();
            try (TestSfu sfu = TestSfu.join(c, "jvbbrewery@internal-muc.meet.jitsi", "jvb-image", 0.1, null)) {
                await().atMost(Duration.ofSeconds(15)).until(() -> rest.get("/about/health").statusCode() == 200);
            } finally {
                trusted.close();
            }
            // Netty's native libraries went to the volume (docker-jitsi-meet's /tmp is noexec).
            assertThat(data.resolve("native")).isDirectory();
        } finally {
            process.destroy();
            if (!process.waitFor(10, TimeUnit.SECONDS)) process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
    }
}
