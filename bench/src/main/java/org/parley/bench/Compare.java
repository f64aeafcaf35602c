package org.parley.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;
import org.parley.bench.load.Connector;
import org.parley.bench.load.Metric;
import org.parley.bench.load.Scenario;
import org.parley.bench.load.ScenarioResult;
import org.parley.bench.load.Settings;
import org.parley.bench.load.Target;
import org.parley.bench.servers.EjabberdServer;
import org.parley.bench.servers.ParleyServer;
import org.parley.bench.servers.ProsodyServer;
import org.parley.bench.servers.ServerUnderTest;
import org.parley.bench.servers.TestCertificate;

/**
 * Runs the same scenarios against Prosody, ejabberd and Parley, one server after the other, in one run, and
 * prints each figure side by side with Parley's advantage over the others. Each server is started as a child
 * process with its own config files under one temp directory, on free loopback ports, with the same certificate,
 * domains and limits off, and is stopped (by pid) before the next one starts. {@code bench/compare.sh} installs
 * the servers, builds the jars and runs this.
 *
 * <pre>
 * java -cp bench/target/benchmarks.jar org.parley.bench.Compare [--servers prosody,ejabberd,parley]
 *      [--scenarios login,idle,muc-fanout,join-storm,fanout-sweep,meeting-mix] [--jar app/target/parley.jar] [--parley-heap 1g]
 *      [--work-dir DIR] [--keep]
 *      [scenario settings, see --help]
 * </pre>
 *
 * {@code meeting-mix} is the meeting mix without the focus (MUC and presence only; {@code --mix-*} settings), which
 * the others can run too.
 *
 * Exit code 0 when every server started and every scenario produced figures, 1 otherwise, 2 on bad arguments.
 */
public final class Compare {
    private Compare() {}

    public static void main(String[] args) throws Exception {
        Settings settings = new Settings();
        List<String> servers = List.of("prosody", "ejabberd", "parley");
        String scenarioNames = "login,idle,muc-fanout,join-storm,fanout-sweep,meeting-mix";
        Path jar = Path.of("app", "target", "parley.jar");
        String heap = "1g";
        boolean keep = false;
        Path workDir = null;
        try {
            for (int i = 0; i < args.length; i++) {
                String a = args[i];
                if (a.equals("--help") || a.equals("-h")) throw new IllegalArgumentException("");
                if (a.equals("--keep")) {
                    keep = true;
                    continue;
                }
                if (i + 1 >= args.length) throw new IllegalArgumentException(a + " needs a value");
                String v = args[++i];
                switch (a) {
                    case "--servers" -> servers = Arrays.stream(v.split(",")).map(s -> s.trim().toLowerCase(Locale.ROOT)).toList();
                    case "--scenarios" -> scenarioNames = v;
                    case "--jar" -> jar = Path.of(v);
                    case "--parley-heap" -> heap = v;
                    case "--work-dir" -> workDir = Path.of(v);
                    default -> {
                        if (!settings.apply(a, v)) throw new IllegalArgumentException("unknown option " + a);
                    }
                }
            }
            Settings.scenarios(scenarioNames); // validates the names
            for (String s : servers) if (!List.of("prosody", "ejabberd", "parley").contains(s)) throw new IllegalArgumentException("unknown server " + s);
        } catch (IllegalArgumentException e) {
            if (!e.getMessage().isEmpty()) System.err.println(e.getMessage());
            System.err.println("usage: java -cp bench/target/benchmarks.jar org.parley.bench.Compare [--servers prosody,ejabberd,parley]"
                    + " [--scenarios login,idle,muc-fanout,join-storm,fanout-sweep,meeting-mix] [--jar app/target/parley.jar] [--parley-heap 1g] [--work-dir DIR] [--keep]\n"
                    + "scenario settings (defaults):\n" + settings.usage());
            System.exit(2);
            return;
        }
        System.exit(run(settings, servers, scenarioNames, jar, heap, keep, workDir));
    }

    static int run(Settings settings, List<String> serverNames, String scenarioNames, Path jar, String heap, boolean keep,
                   Path workDir) throws Exception {
        Path root = workDir == null ? Files.createTempDirectory("parley-compare-") : Files.createDirectories(workDir);
        Files.setPosixFilePermissions(root, PosixFilePermissions.fromString("rwxr-xr-x"));
        Path pidFile = root.resolve("pids");
        List<ServerUnderTest> started = new ArrayList<>();
        Thread hook = new Thread(() -> started.forEach(ServerUnderTest::close), "compare-cleanup");
        Runtime.getRuntime().addShutdownHook(hook);
        ComparisonTable table = new ComparisonTable();
        List<String> notes = new ArrayList<>();
        boolean ok = true;
        long t0 = System.nanoTime();
        try {
            System.out.println("Parley side-by-side benchmark, " + LocalDateTime.now().format(DateTimeFormatter.ISO_LOCAL_DATE_TIME));
            System.out.printf("machine: %d cores, load average %s; client: %d event loop thread(s), TLS via %s%n",
                    Runtime.getRuntime().availableProcessors(), ProcessStats.loadAverage(), settings.clientThreads, Connector.tlsLibrary());
            System.out.println("settings: " + settings.describe());
            System.out.println("work dir: " + root + " (pid file " + pidFile + ")");
            TestCertificate cert = TestCertificate.create(root.resolve("cert"));
            for (String name : serverNames) {
                ServerUnderTest server = switch (name) {
                    case "prosody" -> new ProsodyServer(root.resolve("prosody"), pidFile, cert);
                    case "ejabberd" -> new EjabberdServer(root.resolve("ejabberd"), pidFile, cert);
                    default -> new ParleyServer(root.resolve("parley"), pidFile, jar, heap, cert);
                };
                started.add(server);
                List<ScenarioResult> results = runOne(server, settings, scenarioNames, notes);
                if (results == null || results.stream().anyMatch(r -> r.metrics().isEmpty())) ok = false;
                if (results != null) table.add(server.name(), results);
            }
        } finally {
            started.forEach(ServerUnderTest::close);
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException shuttingDown) {
                // the hook is running
            }
            if (!keep && workDir == null) delete(root); // a given work dir belongs to the caller
        }
        System.out.println();
        System.out.printf("## Results (%.1f min in all; load average at the end %s)%n%n", (System.nanoTime() - t0) / 60e9, ProcessStats.loadAverage());
        System.out.println(table.render());
        System.out.println("Values are medians of the rounds; ±N% is the largest distance of a round from the median. ↑/↓: higher/lower is better;");
        System.out.println("\"Parley vs X\" is Parley's advantage (above 1 = Parley better).");
        if (!notes.isEmpty()) {
            System.out.println();
            System.out.println("Notes:");
            notes.forEach(n -> System.out.println("- " + n));
        }
        if (keep && workDir == null) System.out.println("\nwork dir kept: " + root);
        return ok ? 0 : 1;
    }

    private static List<ScenarioResult> runOne(ServerUnderTest server, Settings settings, String scenarioNames, List<String> notes) {
        System.out.println();
        System.out.println("=== " + server.name() + " " + server.version());
        server.settings().forEach(s -> System.out.println("  set: " + s));
        long t0 = System.nanoTime();
        try {
            server.start();
        } catch (Exception e) {
            System.out.println("  FAILED to start: " + e.getMessage());
            notes.add(server.name() + " did not start: " + e.getMessage().lines().findFirst().orElse(""));
            server.close();
            return null;
        }
        Target target = server.target();
        System.out.printf("  up after %.1f s: pid %d, ports starttls %d, tls %d, ws %d, wss %d%n", (System.nanoTime() - t0) / 1e9,
                target.pid(), target.startTlsPort(), target.tlsPort(), target.wsPort(), target.wssPort());
        List<ScenarioResult> results = new ArrayList<>();
        try (Connector connector = new Connector(target, settings.clientThreads)) {
            boolean first = true;
            for (Scenario scenario : Settings.scenarios(scenarioNames)) {
                System.out.println("-- " + scenario.name() + " (load average " + ProcessStats.loadAverage() + ")");
                settings.mix.freshServer = first;
                first = false;
                ScenarioResult r;
                try {
                    r = scenario.run(connector, settings);
                } catch (Exception e) {
                    r = new ScenarioResult(scenario.name()).note(scenario.name() + " threw " + e);
                    e.printStackTrace(System.out);
                }
                for (Metric m : r.metrics()) System.out.println("  = " + m);
                for (String n : r.notes()) {
                    System.out.println("  note: " + n);
                    notes.add(server.name() + ": " + n);
                }
                results.add(r);
                if (!server.target().equals(target) || !alive(target.pid())) {
                    notes.add(server.name() + " is gone after " + scenario.name());
                    break;
                }
            }
        } catch (Exception e) {
            notes.add(server.name() + ": " + e);
        } finally {
            List<String> problems = server.logProblems(5);
            server.close();
            if (!problems.isEmpty()) {
                System.out.println("  first warnings/errors in its log:");
                problems.forEach(p -> System.out.println("    " + p));
            }
        }
        return results;
    }

    private static boolean alive(long pid) {
        return pid <= 0 || ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
    }

    private static void delete(Path root) {
        try (Stream<Path> walk = Files.walk(root)) {
            walk.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
        } catch (IOException e) {
            System.err.println("could not delete " + root + ": " + e);
        }
    }
}
