package org.parley.bench;

import java.util.List;
import org.parley.bench.load.Connector;
import org.parley.bench.load.Scenario;
import org.parley.bench.load.ScenarioResult;
import org.parley.bench.load.Settings;
import org.parley.bench.load.Target;

/**
 * The load generator against a server that is already running (any XMPP server: give its ports and domains).
 * {@link Compare} starts the servers itself; use this one to load a server you started, e.g. with a profiler.
 *
 * <pre>
 * java -cp bench/target/benchmarks.jar org.parley.bench.LoadGenerator --starttls-port 5222 --tls-port 5223 \
 *      --ws-port 5280 [--wss-port 5443] [--ws-path /xmpp-websocket] [--host localhost] [--anon-host anon.localhost] \
 *      [--muc-host conference.localhost] [--pid PID] [--scenarios login,idle,muc-fanout,join-storm,fanout-sweep] [settings]
 * </pre>
 *
 * The login scenario registers its accounts in-band on {@code --host}; the others log in anonymously on
 * {@code --anon-host}. With {@code --pid} the server's CPU, memory and descriptors are read from /proc.
 */
public final class LoadGenerator {
    private LoadGenerator() {}

    public static void main(String[] args) throws Exception {
        Settings settings = new Settings();
        String host = "localhost", anon = "anon.localhost", muc = "conference.localhost", wsPath = "/xmpp-websocket";
        int startTls = 0, tls = 0, ws = 0, wss = 0;
        long pid = -1;
        String scenarios = "login,idle,muc-fanout,join-storm,fanout-sweep";
        try {
            for (int i = 0; i < args.length; i++) {
                String a = args[i];
                if (i + 1 >= args.length) throw new IllegalArgumentException(a + " needs a value");
                String v = args[++i];
                switch (a) {
                    case "--host" -> host = v;
                    case "--anon-host" -> anon = v;
                    case "--muc-host" -> muc = v;
                    case "--starttls-port" -> startTls = Integer.parseInt(v);
                    case "--tls-port" -> tls = Integer.parseInt(v);
                    case "--ws-port" -> ws = Integer.parseInt(v);
                    case "--wss-port" -> wss = Integer.parseInt(v);
                    case "--ws-path" -> wsPath = v;
                    case "--pid" -> pid = Long.parseLong(v);
                    case "--scenarios" -> scenarios = v;
                    default -> {
                        if (!settings.apply(a, v)) throw new IllegalArgumentException("unknown option " + a);
                    }
                }
            }
            Settings.scenarios(scenarios);
        } catch (IllegalArgumentException e) {
            System.err.println(e.getMessage());
            System.err.println("usage: java -cp bench/target/benchmarks.jar org.parley.bench.LoadGenerator --starttls-port P"
                    + " [--tls-port P] [--ws-port P] [--wss-port P] [--ws-path /xmpp-websocket] [--host localhost]"
                    + " [--anon-host anon.localhost] [--muc-host conference.localhost] [--pid PID] [--scenarios ...]\n"
                    + "scenario settings (defaults):\n" + settings.usage());
            System.exit(2);
            return;
        }
        Target target = new Target("server", host, anon, muc, startTls, tls, ws, wss, wsPath, pid);
        boolean ok = true;
        try (Connector connector = new Connector(target, settings.clientThreads)) {
            List<Scenario> list = Settings.scenarios(scenarios);
            for (Scenario s : list) {
                System.out.println("-- " + s.name() + " (load average " + ProcessStats.loadAverage() + ")");
                ScenarioResult r = s.run(connector, settings);
                r.metrics().forEach(m -> System.out.println("  = " + m));
                r.notes().forEach(n -> System.out.println("  note: " + n));
                ok &= !r.metrics().isEmpty() && r.metrics().stream().noneMatch(m -> Double.isNaN(m.value()) && !m.key().equals("idle.heap"));
            }
        }
        System.exit(ok ? 0 : 1);
    }
}
