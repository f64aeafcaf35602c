package org.parley.it;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import javax.net.ssl.X509TrustManager;
import org.parley.testkit.FreePorts;

/**
 * A Parley server as a child process ({@code java -cp <this JVM's class path> org.parley.app.Main run}), so a test can
 * kill it as {@code kill -9} would and start it again on the same data dir, ports and database. Its database is a
 * fresh one on the shared embedded PostgreSQL of {@link ParleyServer}; its focus persistence has a fixed node id, so
 * the restarted process owns its leases. Listeners: c2s and the component port (two component SFU domains,
 * {@code sfu1.localhost} and {@code sfu2.localhost}, with secret {@link #SFU_SECRET}); the rest is off.
 * {@link #onDatabase} runs a further node on a database that already exists (another node's, for two nodes on one
 * PostgreSQL, or one of the test's own); {@link #extraConfig} lays settings over these.
 */
public final class ChildParley implements AutoCloseable {
    public static final String SFU_SECRET = "child-sfu-secret";
    /** The admin API's bearer token of a child started {@link #withAdmin}. */
    public static final String ADMIN_TOKEN = "child-admin-token-0123456789";
    public static final List<String> SFU_DOMAINS = List.of("sfu1.localhost", "sfu2.localhost");

    private final Path dir;
    private final int c2sPort;
    private final int directTlsPort;
    private final int componentPort;
    private final String jdbcUrl;
    private final String nodeId;
    private final List<Process> processes = new ArrayList<>();
    private volatile Process process;
    private volatile X509TrustManager trust;
    private int starts;
    private int adminPort = -1;
    private volatile String extraConfig = "";
    /** Where the stand-in for systemd ({@link #holdSockets}) hands the listening sockets out, or null. */
    private volatile Path sockets;
    private volatile Path holderScript;

    private ChildParley(Path dir, int[] ports, String jdbcUrl, String nodeId) {
        this.dir = dir;
        this.c2sPort = ports[0];
        this.directTlsPort = ports[1];
        this.componentPort = ports[2];
        this.jdbcUrl = jdbcUrl;
        this.nodeId = nodeId;
    }

    /** Creates a database of its own on the shared PostgreSQL and picks ports; nothing runs until {@link #start}. */
    public static ChildParley create(String nodeId) throws Exception {
        String db = "child_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
        var pg = ParleyServer.get().postgres();
        try (Connection c = pg.getPostgresDatabase().getConnection(); Statement s = c.createStatement()) {
            s.execute("CREATE DATABASE " + db);
        }
        return new ChildParley(Files.createTempDirectory("parley-child"), FreePorts.take(3), pg.getJdbcUrl("postgres", db), nodeId);
    }

    /**
     * A node on an existing database ({@code jdbcUrl} with user and password {@code postgres}), with its own data dir
     * and ports: with another child's {@link #jdbcUrl()}, the second node of a pair sharing one PostgreSQL.
     */
    public static ChildParley onDatabase(String jdbcUrl, String nodeId) throws Exception {
        return new ChildParley(Files.createTempDirectory("parley-child"), FreePorts.take(3), jdbcUrl, nodeId);
    }

    /** HOCON laid over the child's configuration at its next {@link #start} (later keys win, objects merge). */
    public ChildParley extraConfig(String hocon) {
        this.extraConfig = hocon;
        return this;
    }

    public String nodeId() { return nodeId; }

    public int c2sPort() { return c2sPort; }

    public int componentPort() { return componentPort; }

    public String jdbcUrl() { return jdbcUrl; }

    public X509TrustManager trustManager() { return trust; }

    /** TLS that trusts the child's self-signed certificate (valid once it has started). */
    public javax.net.ssl.SSLContext sslContext() throws java.security.GeneralSecurityException {
        javax.net.ssl.SSLContext ctx = javax.net.ssl.SSLContext.getInstance("TLS");
        ctx.init(null, new javax.net.ssl.TrustManager[] {trust}, null);
        return ctx;
    }

    /** Smack clients for this server. */
    /** A client logged in for a hand-over test, and the id its stream can be resumed with. */
    record Resumable(RawClient client, String id) {}

    /**
     * Registers {@code user} and logs it in over STARTTLS as {@code user/tab} with XEP-0198 resumption enabled, as the
     * restart tests' client before the node stops; both clients are closed by {@code closing}.
     */
    Resumable loginResumable(Closer closing, String user) throws Exception {
        Clients clients = closing.add(clients());
        clients.register(user);
        RawClient c = closing.add(RawClient.plain(c2sPort));
        c.startTls(sslContext()).login(user, Clients.PASSWORD, "tab");
        return new Resumable(c, c.enableResumption(""));
    }

    public Clients clients() {
        return new Clients(() -> c2sPort, new X509TrustManager() {
            @Override
            public void checkClientTrusted(java.security.cert.X509Certificate[] chain, String authType)
                    throws java.security.cert.CertificateException {
                trust.checkClientTrusted(chain, authType);
            }

            @Override
            public void checkServerTrusted(java.security.cert.X509Certificate[] chain, String authType)
                    throws java.security.cert.CertificateException {
                trust.checkServerTrusted(chain, authType);
            }

            @Override
            public java.security.cert.X509Certificate[] getAcceptedIssuers() {
                return trust.getAcceptedIssuers();
            }
        });
    }

    /** Opens the admin listener (on a free port, with {@link #ADMIN_TOKEN}) in the processes started from now on. */
    public ChildParley withAdmin() throws IOException {
        adminPort = FreePorts.take(1)[0];
        return this;
    }

    /** The admin port of a child started {@link #withAdmin}, else -1. */
    public int adminPort() { return adminPort; }

    /** Waits up to {@code seconds} for the current process to end; its exit code, or null while it still runs. */
    public Integer awaitExit(long seconds) throws InterruptedException {
        return process.waitFor(seconds, TimeUnit.SECONDS) ? process.exitValue() : null;
    }

    /** A JDBC connection to the child's database (to look at what it wrote). */
    public Connection jdbc() throws Exception {
        return DriverManager.getConnection(jdbcUrl);
    }

    String config() {
        return """
                parley {
                  data-dir = "%s"
                  listeners {
                    c2s { bind = "127.0.0.1", port = %d }
                    c2s-direct-tls { bind = "127.0.0.1", port = %d }
                    component { bind = "127.0.0.1", port = %d }
                    s2s { enabled = false }
                  }
                  components = [
                    { domain = "sfu1.localhost", secret = "%5$s", max-connections = 1 }
                    { domain = "sfu2.localhost", secret = "%5$s", max-connections = 1 }
                  ]
                  http.listeners { plain { enabled = false }, tls { enabled = false } }
                  admin.enabled = false
                  focus.rest { bind = "127.0.0.1", port = 0 }
                  limits { registrations-per-address = 10000, max-connections-per-address = 10000,
                           new-connections-per-second = 10000, new-connection-burst = 10000 }
                  storage { url = "%6$s", user = "postgres", password = "postgres", pool-size = 4 }
                  muc.services = [ { domain = "conference.{host}", admins = ["%7$s"] } ]
                  focus {
                    bridges {
                      components = ["sfu1.localhost", "sfu2.localhost"]
                      health-interval = 1s
                      health-timeout = 1s
                    }
                    colibri.timeout = 2s
                    jingle.timeout = 5s
                    persistence { node-id = "%8$s", renew-interval = 2s, takeover-interval = 2s, retry-interval = 1s }
                  }
                }
                """.formatted(dir.resolve("state").toString().replace("\\", "\\\\"), c2sPort, directTlsPort, componentPort,
                SFU_SECRET, jdbcUrl, ParleyServer.FOCUS_JID, nodeId)
                + (adminPort < 0 ? "" : "parley.admin { enabled = true, bind = \"127.0.0.1\", port = %d, token = \"%s\" }\n"
                        .formatted(adminPort, ADMIN_TOKEN))
                + extraConfig;
    }

    /**
     * From now on the c2s, direct TLS and component sockets are held across restarts by a stand-in for systemd socket
     * activation (bench's {@code socket-holder.py}, on Python 3), as Parley's {@code parley.socket} unit holds them:
     * they accept connections all along, and each process takes them over. Call before the first {@link #start}.
     */
    public ChildParley holdSockets() throws IOException {
        Path script = Path.of("..", "bench", "src", "main", "resources", "org", "parley", "bench", "socket-holder.py").toAbsolutePath();
        Path unix = dir.resolve("sockets");
        Process p = new ProcessBuilder(python(), script.toString(), "hold", unix.toString(), "127.0.0.1:" + c2sPort,
                "127.0.0.1:" + directTlsPort, "127.0.0.1:" + componentPort)
                .redirectError(dir.resolve("socket-holder.log").toFile()).start();
        processes.add(p);
        String first = new java.io.BufferedReader(new java.io.InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8)).readLine();
        if (!"ready".equals(first)) throw new IOException("socket-holder.py did not start: " + Files.readString(dir.resolve("socket-holder.log")));
        sockets = unix;
        holderScript = script;
        return this;
    }

    private static String python() {
        return Files.isExecutable(Path.of("/usr/bin/python3")) ? "/usr/bin/python3" : "python3";
    }

    /**
     * Starts the process and waits until its c2s and component ports (and admin port) accept connections; with held
     * sockets, which accept all along, until the process says it serves.
     */
    public void start() throws Exception {
        launch();
        Path log = dir.resolve("server-" + starts + ".log");
        long deadline = System.currentTimeMillis() + 60_000;
        while (!(sockets == null
                ? listening(c2sPort) && listening(componentPort) && (adminPort < 0 || listening(adminPort))
                : Files.exists(log) && Files.readString(log, StandardCharsets.UTF_8).contains("Parley serving"))) {
            if (!process.isAlive()) throw new IllegalStateException("child server exited with " + process.exitValue() + ":\n" + tail(log));
            if (System.currentTimeMillis() > deadline) throw new IllegalStateException("child server did not start:\n" + tail(log));
            Thread.sleep(50);
        }
        trustCertificate();
    }

    /**
     * Starts the process and returns at once, for a test that connects the moment a port opens (then
     * {@link #trustCertificate} once the port accepts).
     */
    public void launch() throws Exception {
        Files.writeString(dir.resolve("parley.conf"), config());
        TestServers.requireNoDefaultPorts(org.parley.xmpp.config.ConfigLoader.load(dir.resolve("parley.conf")).source());
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Path log = dir.resolve("server-" + (++starts) + ".log");
        List<String> argv = new ArrayList<>();
        if (sockets != null) argv.addAll(List.of(python(), holderScript.toString(), "exec", sockets.toString(), "--"));
        argv.addAll(List.of(java, "-Xmx256m", "-XX:TieredStopAtLevel=1", "-cp", System.getProperty("java.class.path"),
                "org.parley.app.Main", "run", "--config", dir.resolve("parley.conf").toString()));
        process = new ProcessBuilder(argv)
                .directory(dir.toFile()).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        processes.add(process);
    }

    /**
     * Trusts the self-signed certificate the process generates as it starts: waits for it, since the client ports
     * listen (into their backlog) from the process's first moments, before the certificates are made.
     */
    public void trustCertificate() throws Exception {
        Path pem = dir.resolve("state/certs/localhost.crt");
        long deadline = System.currentTimeMillis() + 60_000;
        while (trust == null) {
            try {
                if (Files.exists(pem)) trust = ParleyServer.trustManagerFor(pem);
            } catch (Exception beingWritten) {
                if (System.currentTimeMillis() > deadline) throw beingWritten;
            }
            if (trust != null) break;
            if (process != null && !process.isAlive()) throw new IllegalStateException("child server exited:\n" + logTail());
            if (System.currentTimeMillis() > deadline) throw new IllegalStateException("no certificate within 60 s:\n" + logTail());
            Thread.sleep(20);
        }
    }

    /** What a command run with {@link #command} printed, and its exit code. */
    public record Command(int exit, String output) {}

    /**
     * Runs {@code parley <args> --config <this child's file>} as {@code bin/parley} does, in a JVM of its own (beside
     * the running server), with {@code input} on its standard input; waits up to a minute for it.
     */
    public Command command(String input, String... args) throws Exception {
        List<String> argv = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-XX:TieredStopAtLevel=1", "-cp", System.getProperty("java.class.path"), "org.parley.app.Main"));
        argv.addAll(List.of(args));
        argv.addAll(List.of("--config", dir.resolve("parley.conf").toString()));
        Process p = new ProcessBuilder(argv).directory(dir.toFile()).redirectErrorStream(true).start();
        processes.add(p);
        try (var stdin = p.getOutputStream()) {
            stdin.write(input.getBytes(StandardCharsets.UTF_8));
        }
        byte[] output = p.getInputStream().readAllBytes();
        if (!p.waitFor(60, TimeUnit.SECONDS)) throw new IllegalStateException("parley " + String.join(" ", args) + " did not end");
        return new Command(p.exitValue(), new String(output, StandardCharsets.UTF_8));
    }

    /** SIGTERM, as systemd stops the service; waits up to 30 s for the process to exit and returns its exit code. */
    public int terminate() throws Exception {
        process.destroy();
        if (!process.waitFor(30, TimeUnit.SECONDS)) throw new IllegalStateException("child server did not stop on SIGTERM:\n" + logTail());
        return process.exitValue();
    }

    /** As {@code kill -9}: no shutdown hook, no goodbye on any stream. */
    public void kill() throws Exception {
        process.destroyForcibly();
        process.waitFor(10, TimeUnit.SECONDS);
    }

    public long pid() { return process.pid(); }

    /** Whether the current process is still running (it has not crashed or been killed). */
    public boolean alive() { return process != null && process.isAlive(); }

    static boolean listening(int port) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 500);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /** Every line of the current process's log. */
    public List<String> log() throws IOException {
        return Files.readAllLines(dir.resolve("server-" + starts + ".log"), StandardCharsets.UTF_8);
    }

    /** The last lines of the current process's log. */
    public String logTail() throws IOException {
        return tail(dir.resolve("server-" + starts + ".log"));
    }

    private static String tail(Path log) throws IOException {
        if (!Files.exists(log)) return "(no log)";
        List<String> all = Files.readAllLines(log, StandardCharsets.UTF_8);
        return String.join("\n", all.subList(Math.max(0, all.size() - 60), all.size()));
    }

    @Override
    public void close() throws Exception {
        for (Process p : processes) {
            p.destroyForcibly();
            p.waitFor(10, TimeUnit.SECONDS);
        }
        try (Stream<Path> walk = Files.walk(dir)) {
            walk.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
        }
    }
}
