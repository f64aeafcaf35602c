package org.parley.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.jivesoftware.smack.tcp.XMPPTCPConnection;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.parley.testkit.FreePorts;

/**
 * The Debian package that {@code mvn package} writes into {@code app/target} (the reactor packages app before this
 * module's tests run): what it holds, with modes and owners; what its maintainer scripts do, run with every command
 * they call replaced by a recorder; and the packaged launcher and jar, unpacked with {@code dpkg-deb -x}, starting the
 * server on the packaged configuration (its data dir and ports moved for the test), with no Maven and no source tree.
 */
class DebianPackageTest {
    private static Path deb;
    private static Path work;

    @BeforeAll
    static void findPackage() throws IOException {
        Path target = Path.of("..", "app", "target").toAbsolutePath().normalize();
        try (Stream<Path> files = Files.list(target)) {
            deb = files.filter(f -> f.getFileName().toString().matches("parley_.+_all\\.deb"))
                    .max(Comparator.comparingLong(f -> f.toFile().lastModified()))
                    .orElseThrow(() -> new AssertionError("no parley_*_all.deb in " + target
                            + ": build it with the reactor (mvn -pl it-tests -am verify)"));
        }
        work = Files.createTempDirectory("parley-deb");
    }

    @AfterAll
    static void cleanUp() throws IOException {
        try (Stream<Path> walk = Files.walk(work)) {
            walk.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
        }
    }

    @Test
    void controlFieldsNameTheJavaRuntime() throws Exception {
        String fields = run(List.of("dpkg-deb", "-f", deb.toString()), Map.of(), 0);
        assertThat(fields).contains("Package: parley\n", "Architecture: all\n")
                .containsPattern("(?m)^Version: \\d+\\.\\d+\\.\\d+")
                .containsPattern("(?m)^Depends: default-jre-headless \\(>= 2:1\\.17\\) \\| java17-runtime-headless, adduser$");
    }

    @Test
    void dataHoldsJarLauncherConfigurationAndUnitWithTheirModes() throws Exception {
        List<String> entries = run(List.of("dpkg-deb", "-c", deb.toString()), Map.of(), 0).lines()
                .map(l -> l.replaceAll("\\s+", " ")).toList();
        assertThat(entries)
                .anyMatch(l -> l.matches("-rw-r--r-- root/root \\d{7,} \\S+ \\S+ \\./usr/share/parley/parley\\.jar"))
                .anyMatch(l -> l.matches("-rwxr-xr-x root/root \\d+ \\S+ \\S+ \\./usr/bin/parley"))
                .anyMatch(l -> l.matches("-rw-r----- root/root \\d+ \\S+ \\S+ \\./etc/parley/parley\\.conf"))
                .anyMatch(l -> l.matches("-rw-r--r-- root/root \\d+ \\S+ \\S+ \\./etc/default/parley"))
                .anyMatch(l -> l.matches("-rw-r--r-- root/root \\d+ \\S+ \\S+ \\./lib/systemd/system/parley\\.service"))
                .anyMatch(l -> l.matches("-rw-r--r-- root/root \\d+ \\S+ \\S+ \\./lib/systemd/system/parley\\.socket"));
    }

    @Test
    void theOptionalSocketUnitHoldsTheDefaultClientPortsNonBlockingForTheService() throws Exception {
        String unit = Files.readString(unpacked().resolve("lib/systemd/system/parley.socket"));
        // Parley refuses a blocking socket (its acceptor would hang on the last accept), so NonBlocking must be set.
        assertThat(unit.lines().toList()).contains("ListenStream=0.0.0.0:5222", "ListenStream=0.0.0.0:5280",
                "NonBlocking=true", "Service=parley.service", "WantedBy=sockets.target");
    }

    @Test
    void unitRunsTheLauncherAsParleyWithRestartDescriptorsAndACleanStop() throws Exception {
        String unit = Files.readString(unpacked().resolve("lib/systemd/system/parley.service"));
        assertThat(unit.lines().toList()).contains(
                "User=parley", "Group=parley",
                "ExecStart=/usr/bin/parley run --config /etc/parley/parley.conf",
                "Restart=on-failure", "LimitNOFILE=1048576", "KillSignal=SIGTERM", "SuccessExitStatus=143",
                "EnvironmentFile=-/etc/default/parley", "WantedBy=multi-user.target");
        assertThat(unit).containsPattern("(?m)^TimeoutStopSec=\\d+$");
    }

    @Test
    void conffilesAndMaintainerScripts() throws Exception {
        Path control = control();
        assertThat(Files.readAllLines(control.resolve("conffiles"))).containsExactlyInAnyOrder("/etc/parley/parley.conf", "/etc/default/parley");
        for (String script : List.of("postinst", "prerm", "postrm")) {
            Path p = control.resolve(script);
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(p))).as(script).isEqualTo("rwxr-xr-x");
            assertThat(Files.readString(p)).as(script).startsWith("#!/bin/sh\n");
            run(List.of("sh", "-n", p.toString()), Map.of(), 0);
        }
        run(List.of("sh", "-n", unpacked().resolve("usr/bin/parley").toString()), Map.of(), 0);
    }

    @Test
    void postinstCreatesTheUserAndItsDataDirectoryButNeitherEnablesNorStartsOnFirstInstall() throws Exception {
        List<String> calls = maintainerScript(false, "postinst", "configure", "");
        assertThat(calls).containsSubsequence(
                "getent passwd parley",
                "adduser --quiet --system --group --home /var/lib/parley --no-create-home --gecos Parley XMPP server parley",
                "mkdir -p /var/lib/parley",
                "chown parley:parley /var/lib/parley",
                "chmod 0750 /var/lib/parley",
                "deb-systemd-helper update-state parley.socket",
                "deb-systemd-helper debian-installed parley.service",
                "deb-systemd-helper update-state parley.service",
                // The class archive, remade by this jar for the next start.
                "rm -f /var/lib/parley/parley.jsa",
                "parley archive-classes");
        assertThat(calls).noneMatch(c -> c.startsWith("deb-systemd-helper enable") || c.startsWith("deb-systemd-invoke")
                || c.startsWith("systemctl start") || c.startsWith("rm") && !c.equals("rm -f /var/lib/parley/parley.jsa"));
    }

    @Test
    void postinstKeepsAnEnabledServiceEnabledOnUpgrade() throws Exception {
        assertThat(maintainerScript(true, "postinst", "configure", "0.1.0~20260101000000"))
                .containsSubsequence("deb-systemd-helper debian-installed parley.service",
                        "deb-systemd-helper --quiet was-enabled parley.service", "deb-systemd-helper enable parley.service",
                        "deb-systemd-helper update-state parley.service", "rm -f /var/lib/parley/parley.jsa",
                        "parley archive-classes")
                .noneMatch(c -> c.startsWith("adduser"));
    }

    @Test
    void theLauncherMakesAClassArchiveThatTheNextStartMaps() throws Exception {
        Path archive = work.resolve("parley.jsa");
        Map<String, String> env = Map.of("PARLEY_HOME", unpacked().resolve("usr/share/parley").toString(),
                "PARLEY_CLASS_ARCHIVE", archive.toString(), "PARLEY_USER", "",
                "JAVA_HOME", System.getProperty("java.home"));
        String made = run(List.of("sh", unpacked().resolve("usr/bin/parley").toString(), "archive-classes"), env, 0);
        assertThat(made).contains("training run done").doesNotContain("[warning]").doesNotContain("WARN");
        assertThat(archive).isNotEmptyFile();
        // -Xshare:on makes the JVM refuse to start unless it maps the archive: exit 0 proves the archive is used.
        Map<String, String> strict = new java.util.HashMap<>(env);
        strict.put("PARLEY_JAVA_OPTS", "-Xshare:on");
        String help = run(List.of("sh", unpacked().resolve("usr/bin/parley").toString(), "help"), strict, 0);
        assertThat(help).startsWith("usage: parley").doesNotContain("warning");
    }

    @Test
    void postrmDeletesTheDataOnlyOnPurge() throws Exception {
        assertThat(maintainerScript(false, "postrm", "remove")).noneMatch(c -> c.startsWith("rm"))
                .contains("deb-systemd-helper mask parley.service");
        assertThat(maintainerScript(false, "postrm", "purge")).contains("rm -rf /var/lib/parley", "deb-systemd-helper purge parley.service",
                "deb-systemd-helper purge parley.socket")
                .noneMatch(c -> c.startsWith("rm") && c.contains("/etc"));
        assertThat(maintainerScript(false, "prerm", "upgrade", "1.0")).isEmpty();
    }

    /**
     * The unpacked launcher, told where its jar is (PARLEY_HOME) and which configuration to use (PARLEY_CONFIG, so the
     * launcher adds --config itself), runs the unpacked jar on the packaged parley.conf, included by a test file that
     * moves the data dir and the listeners: the packaged host serves an anonymous login; SIGTERM stops it through
     * the normal close.
     */
    @Test
    void packagedLauncherRunsTheServerOnThePackagedConfiguration() throws Exception {
        Path root = unpacked();
        Path dir = Files.createTempDirectory(work, "run");
        int[] ports = FreePorts.take(2);
        Path conf = dir.resolve("parley.conf");
        Files.writeString(conf, """
                include file("%s")
                parley {
                  data-dir = "%s"
                  listeners {
                    c2s { bind = "127.0.0.1", port = %d }
                    c2s-direct-tls.enabled = false
                    component.enabled = false
                    s2s.enabled = false
                  }
                  s2s.enabled = false
                  http.listeners { plain.enabled = false, tls.enabled = false }
                  admin { bind = "127.0.0.1", port = %d }
                  focus.rest { bind = "127.0.0.1", port = 0 }
                }
                """.formatted(root.resolve("etc/parley/parley.conf"), dir.resolve("data"), ports[0], ports[1]));
        Path log = dir.resolve("server.log");
        ProcessBuilder pb = new ProcessBuilder(root.resolve("usr/bin/parley").toString(), "run")
                .directory(dir.toFile()).redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().putAll(launcherEnvironment(root, conf));
        Process server = pb.start();
        try {
            awaitListening(server, log, ports[0], 60);
            // The port listens from the process's first moments; the certificate exists once the node serves.
            org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(60))
                    .until(() -> !server.isAlive() || Files.readString(log).contains("Parley serving"));
            assertThat(Files.readString(Path.of("/proc", Long.toString(server.pid()), "cmdline")).split("\0"))
                    .as("java -jar on the packaged jar, nothing else on its class path")
                    .endsWith("-jar", root.resolve("usr/share/parley/parley.jar").toString(), "run", "--config", conf.toString());
            assertThat(Files.readString(log)).contains("configuration: " + conf);

            try (Clients clients = new Clients(() -> ports[0],
                    ParleyServer.trustManagerFor(dir.resolve("data/certs/localhost.crt")))) {
                XMPPTCPConnection guest = clients.connect(clients.anonymousConfig().build());
                guest.login();
                assertThat(guest.getUser().getDomain().toString()).isEqualTo("localhost");
            }

            server.destroy(); // SIGTERM
            assertThat(server.waitFor(60, TimeUnit.SECONDS)).as("stops within a minute of SIGTERM").isTrue();
            assertThat(server.exitValue()).as("the JVM's exit status after a clean SIGTERM stop; the unit's SuccessExitStatus")
                    .isEqualTo(143);
            assertThat(Files.readString(log)).contains("stopping", "Storage closed")
                    .as("the packaged configuration hands over at SIGTERM").contains("resumable sessions written for node");
        } finally {
            server.destroyForcibly();
            server.waitFor(10, TimeUnit.SECONDS);
        }
    }

    private static Map<String, String> launcherEnvironment(Path root, Path conf) {
        Map<String, String> env = new HashMap<>();
        env.put("JAVA_HOME", System.getProperty("java.home"));
        env.put("PARLEY_HOME", root.resolve("usr/share/parley").toString());
        env.put("PARLEY_CONFIG", conf.toString());
        env.put("PARLEY_USER", ""); // stay the test's user even where a parley user exists
        env.put("PARLEY_JAVA_OPTS", "-Xmx256m -XX:TieredStopAtLevel=1");
        return env;
    }

    private static void awaitListening(Process p, Path log, int port, int seconds) throws Exception {
        long deadline = System.currentTimeMillis() + seconds * 1000L;
        while (true) {
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 500);
                return;
            } catch (IOException notYet) {
                if (!p.isAlive()) throw new AssertionError("the server exited with " + p.exitValue() + ":\n" + Files.readString(log));
                if (System.currentTimeMillis() > deadline) throw new AssertionError("not listening on " + port + ":\n" + Files.readString(log));
                Thread.sleep(100);
            }
        }
    }

    /** The package unpacked once (dpkg-deb -x) for the tests that look at its files. */
    private static synchronized Path unpacked() throws Exception {
        Path root = work.resolve("root");
        if (!Files.isDirectory(root)) run(List.of("dpkg-deb", "-x", deb.toString(), root.toString()), Map.of(), 0);
        return root;
    }

    private static synchronized Path control() throws Exception {
        Path control = work.resolve("DEBIAN");
        if (!Files.isDirectory(control)) run(List.of("dpkg-deb", "-e", deb.toString(), control.toString()), Map.of(), 0);
        return control;
    }

    /**
     * Runs a maintainer script with PATH holding only recorders: every command it runs (builtins aside) is written to a
     * log and succeeds, except that {@code getent} finds the parley user and {@code deb-systemd-helper
     * debian-installed} and {@code was-enabled} say yes only when {@code installed} (a package that was installed and
     * enabled before; the real was-enabled says yes for a unit it has never seen). Returns the commands with
     * their arguments, one per call.
     */
    private static List<String> maintainerScript(boolean installed, String script, String... args) throws Exception {
        Path fakes = Files.createTempDirectory(work, "fakes");
        Path calls = fakes.resolve("calls.log");
        for (String command : List.of("getent", "adduser", "mkdir", "chown", "chmod", "rm", "dpkg-statoverride",
                "deb-systemd-helper", "deb-systemd-invoke", "systemctl", "parley")) {
            Path fake = fakes.resolve(command);
            String answer = switch (command) {
                case "getent" -> installed ? "exit 0\n" : "exit 2\n";
                case "deb-systemd-helper" -> "case \"$*\" in *was-enabled*|debian-installed*) exit " + (installed ? 0 : 1)
                        + ";; esac\nexit 0\n";
                default -> "exit 0\n";
            };
            Files.writeString(fake, "#!/bin/sh\necho \"" + command + " $*\" >> '" + calls + "'\n" + answer);
            fake.toFile().setExecutable(true);
        }
        List<String> argv = new ArrayList<>(List.of("/bin/sh", control().resolve(script).toString()));
        argv.addAll(List.of(args));
        run(argv, Map.of("PATH", fakes.toString()), 0);
        return Files.exists(calls) ? Files.readAllLines(calls) : List.of();
    }

    private static String run(List<String> argv, Map<String, String> env, int expectedExit) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(argv).redirectErrorStream(true);
        pb.environment().putAll(env);
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).as(String.join(" ", argv) + " ends").isTrue();
        assertThat(p.exitValue()).as(String.join(" ", argv) + ":\n" + out).isEqualTo(expectedExit);
        return out;
    }
}
