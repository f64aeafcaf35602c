package org.parley.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.parley.bench.load.Connector;
import org.parley.bench.load.Metric;
import org.parley.bench.load.Scenario;
import org.parley.bench.load.ScenarioResult;
import org.parley.bench.load.Settings;
import org.parley.bench.load.Target;
import org.parley.testkit.FreePorts;

/**
 * The meeting mix against a child Parley: starts {@code app/target/parley.jar} ({@link ChildServer}: throw-away
 * embedded H2, loopback ports, rate limits off, otherwise the stock defaults: anonymous {@code localhost},
 * {@code conference.localhost}, {@code focus.localhost}), with the focus and the {@link TestSfu} as its bridge
 * (default) or with the focus off ({@code --muc-only}, the mix {@code compare.sh} runs against Prosody and ejabberd),
 * and runs the {@code meeting-mix} scenario of the load generator against it.
 *
 * <pre>
 * mvn -B -ntp -DskipTests -pl app,bench -am package
 * java -Xmx3g -cp bench/target/benchmarks.jar org.parley.bench.MeetingMix [--muc-only] [--mix-steps 250,500,1000]
 *      [--mix-settle-seconds 10] [--mix-measure-seconds 15] [--jar FILE] [--server-heap 1g] [--client-threads 2]
 *      [other --mix-* settings, see --help]
 * </pre>
 *
 * {@code PARLEY_SERVER_JVM_OPTIONS} adds JVM options to the server (e.g.
 * {@code -XX:StartFlightRecording=filename=/tmp/mix.jfr,settings=profile}). Exit code 0 when the ramp produced
 * figures, 1 when the server did not start or no step could be measured, 2 on bad arguments.
 */
public final class MeetingMix {
    static final String SFU_DOMAIN = "sfu.localhost";
    private static final String SFU_SECRET = "bench-sfu-secret";

    private MeetingMix() {}

    public static void main(String[] args) throws Exception {
        Settings settings = new Settings();
        boolean focus = true;
        Path jar = Path.of("app", "target", "parley.jar");
        String heap = "1g";
        try {
            for (int i = 0; i < args.length; i++) {
                String a = args[i];
                if (a.equals("--help") || a.equals("-h")) throw new IllegalArgumentException("");
                if (a.equals("--muc-only")) {
                    focus = false;
                    continue;
                }
                if (a.equals("--with-focus")) {
                    focus = true;
                    continue;
                }
                if (i + 1 >= args.length) throw new IllegalArgumentException(a + " needs a value");
                String v = args[++i];
                switch (a) {
                    case "--jar" -> jar = Path.of(v);
                    case "--server-heap" -> heap = v;
                    default -> {
                        if (!a.startsWith("--mix-") && !a.equals("--client-threads") || !settings.apply(a, v)) {
                            throw new IllegalArgumentException("unknown option " + a);
                        }
                    }
                }
            }
        } catch (IllegalArgumentException e) {
            if (!e.getMessage().isEmpty()) System.err.println(e.getMessage());
            StringBuilder usage = new StringBuilder();
            usage.append("  --client-threads ").append(settings.clientThreads).append('\n');
            settings.mix.describe().forEach((k, v) -> usage.append("  ").append(k).append(' ').append(v).append('\n'));
            System.err.println("usage: java -cp bench/target/benchmarks.jar org.parley.bench.MeetingMix [--with-focus | --muc-only]"
                    + " [--jar app/target/parley.jar] [--server-heap 1g]\nsettings (defaults):\n" + usage);
            System.exit(2);
            return;
        }
        System.exit(run(settings, focus, jar, heap));
    }

    static int run(Settings settings, boolean focus, Path jar, String heap) throws Exception {
        ScenarioResult r;
        try {
            r = measure(settings, focus, jar, heap);
        } catch (IllegalStateException e) {
            System.out.println("FAILED: " + e.getMessage());
            return 1;
        }
        System.out.println();
        r.metrics().forEach(m -> System.out.println("= " + m));
        r.notes().forEach(n -> System.out.println("note: " + n));
        Metric cpu = r.metric("mix.cpu");
        return cpu == null || Double.isNaN(cpu.value()) ? 1 : 0;
    }

    /**
     * Starts the child server (and the test SFU with the focus), runs the scenario, stops them; throws
     * IllegalStateException when the server or the SFU does not come up.
     */
    static ScenarioResult measure(Settings settings, boolean focus, Path jar, String heap) throws Exception {
        if (!Files.isRegularFile(jar)) {
            throw new IllegalStateException("server jar " + jar.toAbsolutePath() + " not found; build it with "
                    + "`mvn -B -ntp -DskipTests -pl app,bench -am package` or pass --jar");
        }
        ChildServer server = ChildServer.create(jar, heap);
        int componentPort = FreePorts.take(1)[0];
        server.extraConfig(focus ? """
                parley.listeners.component { enabled = true, bind = "127.0.0.1", port = %d }
                parley.components = [ { domain = "%s", secret = "%s" } ]
                parley.focus.bridges { breweries = [], components = ["%s"], max-participants-per-bridge = -1 }
                """.formatted(componentPort, SFU_DOMAIN, SFU_SECRET, SFU_DOMAIN) : "parley.focus.enabled = false\n");
        settings.mix.focusDomain = focus ? "focus.localhost" : null;
        TestSfu sfu = null;
        Thread hook = new Thread(server::close, "meeting-mix-cleanup");
        Runtime.getRuntime().addShutdownHook(hook);
        try {
            System.out.println("server: " + String.join(" ", server.command()));
            if (!server.start(server.httpPort(), 90_000)) {
                server.printLogTail(40);
                throw new IllegalStateException("the server did not start (" + server.exitDescription() + ")");
            }
            if (focus) {
                if (!ChildServer.waitForPort(componentPort, 10_000)) throw new IllegalStateException("no component port");
                sfu = TestSfu.connect(componentPort, SFU_DOMAIN, SFU_SECRET);
                if (!sfu.announced.await(20, TimeUnit.SECONDS)) throw new IllegalStateException("the focus never greeted the test SFU");
                System.out.println("test SFU connected as component " + SFU_DOMAIN);
            }
            System.out.printf("machine: %d cores, load average %s; client: %d event loop thread(s)%n",
                    Runtime.getRuntime().availableProcessors(), ProcessStats.loadAverage(), settings.clientThreads);
            Target target = new Target("Parley", "localhost", "localhost", "conference.localhost", 0, server.directTlsPort(),
                    server.httpPort(), 0, "/xmpp-websocket", server.pid());
            Scenario scenario = Settings.scenarios("meeting-mix").get(0);
            ScenarioResult r;
            try (Connector connector = new Connector(target, settings.clientThreads)) {
                r = scenario.run(connector, settings);
            }
            if (sfu != null) System.out.println("test SFU: " + sfu.requests.get() + " COLIBRI2 requests answered");
            server.printProblems(10);
            return r;
        } finally {
            if (sfu != null) sfu.close();
            server.close();
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException shuttingDown) {
                // already running
            }
        }
    }
}
