package org.parley.bench;

import io.netty.channel.EventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollEventLoopGroup;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.parley.testkit.FreePorts;

/**
 * {@code app/target/parley.jar} as a child process for a benchmark: a throw-away data dir (embedded H2, generated
 * certificate) and a config with every listener on a free loopback port (c2s, direct TLS, plain HTTP for
 * WebSocket and BOSH; HTTPS and the component port off), limits raised for many sessions from one address.
 * {@link #close} stops the process and deletes the directory; it is idempotent, so a shutdown hook may call it too.
 */
final class ChildServer implements AutoCloseable {
    private final Path jar;
    private final String heap;
    private final Path dir;
    private final Path log;
    private final int c2sPort;
    private final int directTlsPort;
    private final int httpPort;
    private volatile Process process;
    private volatile boolean closed;
    /** HOCON appended to the config (a scenario's own settings). */
    private volatile String extra = "";
    /** The stand-in for systemd holding the listening sockets ({@link #holdSockets}), or null. */
    private volatile Process holder;
    /** Where {@link #holder} hands the sockets out, or null. */
    private volatile Path sockets;
    /** The AppCDS archive the server starts from ({@link #archiveClasses}), or null. */
    private volatile Path classArchive;
    private final java.util.Map<String, String> environment = new java.util.concurrent.ConcurrentHashMap<>();

    private ChildServer(Path jar, String heap, Path dir, int[] ports) {
        this.jar = jar;
        this.heap = heap;
        this.dir = dir;
        this.log = dir.resolve("server.log");
        this.c2sPort = ports[0];
        this.directTlsPort = ports[1];
        this.httpPort = ports[2];
    }

    /** Picks the ports and creates the data dir; nothing runs until {@link #start}. */
    /**
     * The {@code parley.limits} of every bench server: none of the per-address or per-session limits may be what
     * is measured. The idle timeout is long because opening 10,000 TLS sessions on a small machine can take longer
     * than the default 300 s, which would close the first ones before the measurement.
     */
    static final String BENCH_LIMITS = """
              limits {
                max-connections-per-address = 1000000
                new-connections-per-second = 1000000
                new-connection-burst = 1000000
                bytes-per-second = 1GiB
                byte-burst = 1GiB
                stanzas-per-second = 1000000
                stanza-burst = 1000000
                registrations-per-address = 1000000
                idle-timeout = 1h
              }
              muc.room-creation { per-session-per-minute = 0, per-address-per-minute = 0 }
            """;

    /** What a bench tool measures, given the (not yet started) server and a client event loop group. */
    interface Measurement {
        int measure(ChildServer server, EventLoopGroup clientLoops) throws Exception;
    }

    /**
     * The frame the bench tools share: checks the server jar, makes the child server and the client's event loops,
     * runs {@code measurement}, and stops both when it returns, throws, or the JVM is interrupted (Ctrl-C).
     *
     * @return the measurement's exit code, or 1 when the jar is missing
     */
    static int run(Path jar, String heap, int clientThreads, String name, Measurement measurement) throws Exception {
        if (!Files.isRegularFile(jar)) {
            System.out.println("FAILED: server jar " + jar.toAbsolutePath() + " not found; build it with "
                    + "`mvn -B -ntp -DskipTests -pl app,bench -am package` or pass --jar");
            return 1;
        }
        ChildServer server = create(jar, heap);
        EventLoopGroup loops = Epoll.isAvailable()
                ? new EpollEventLoopGroup(clientThreads, new DefaultThreadFactory("client"))
                : new NioEventLoopGroup(clientThreads, new DefaultThreadFactory("client"));
        Thread hook = new Thread(() -> {
            loops.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
            server.close();
        }, name + "-cleanup");
        Runtime.getRuntime().addShutdownHook(hook);
        try {
            return measurement.measure(server, loops);
        } finally {
            hook.run();
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException shuttingDown) {
                // already running
            }
        }
    }

    static ChildServer create(Path jar, String heap) throws IOException {
        Path dir = Files.createTempDirectory("parley-bench");
        return new ChildServer(jar, heap, dir, FreePorts.take(3));
    }

    int directTlsPort() { return directTlsPort; }

    /** Adds {@code hocon} after the bench config at the next {@link #start}. */
    void extraConfig(String hocon) { this.extra = hocon; }

    /**
     * From now on the listening sockets are held across restarts by a stand-in for systemd socket activation
     * ({@code socket-holder.py}, on Python 3), as a {@code parley.socket} unit holds them: a client connecting while
     * the server restarts waits in the backlog instead of being refused. Call before the first {@link #start}.
     */
    void holdSockets() throws IOException {
        Path script = dir.resolve("socket-holder.py");
        try (var in = ChildServer.class.getResourceAsStream("socket-holder.py")) {
            Files.copy(in, script);
        }
        Path unix = dir.resolve("sockets");
        Process p = new ProcessBuilder(python(), script.toString(), "hold", unix.toString(), "127.0.0.1:" + c2sPort,
                "127.0.0.1:" + directTlsPort, "127.0.0.1:" + httpPort)
                .redirectError(dir.resolve("socket-holder.log").toFile()).start();
        String first = new java.io.BufferedReader(new java.io.InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8)).readLine();
        if (!"ready".equals(first)) {
            p.destroyForcibly();
            throw new IOException("socket-holder.py did not start: " + Files.readString(dir.resolve("socket-holder.log")));
        }
        holder = p;
        sockets = unix;
    }

    /**
     * Makes the class archive the Debian package makes at install ({@code parley archive-classes}: a training run
     * under {@code -XX:ArchiveClassesAtExit}), and starts the server from it from now on.
     */
    void archiveClasses() throws IOException, InterruptedException {
        Path archive = dir.resolve("parley.jsa");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process p = new ProcessBuilder(java, "-XX:ArchiveClassesAtExit=" + archive, "-Xlog:cds*=off", "-jar",
                jar.toAbsolutePath().toString(), "training-run").redirectErrorStream(true)
                .redirectOutput(dir.resolve("training-run.log").toFile()).start();
        if (!p.waitFor(120, TimeUnit.SECONDS) || p.exitValue() != 0 || !Files.isRegularFile(archive)) {
            p.destroyForcibly();
            throw new IOException("the training run made no class archive: " + Files.readString(dir.resolve("training-run.log")));
        }
        classArchive = archive;
    }

    private static String python() {
        return Files.isExecutable(Path.of("/usr/bin/python3")) ? "/usr/bin/python3" : "python3";
    }

    /** Sets an environment variable of the server's next {@link #start} (PARLEY_CHECKPOINT_LOG=DEBUG, say). */
    void environment(String name, String value) { environment.put(name, value); }

    /** As {@code kill -9}: no shutdown hook runs; waits up to {@code timeoutMs} for the process to be gone. */
    boolean kill(long timeoutMs) throws InterruptedException {
        Process p = process;
        p.destroyForcibly();
        return p.waitFor(timeoutMs, TimeUnit.MILLISECONDS);
    }

    /** The lines of the server log (every start's) that contain {@code fragment}. */
    List<String> logLines(String fragment) throws IOException {
        if (!Files.exists(log)) return List.of();
        try (Stream<String> lines = Files.lines(log, StandardCharsets.UTF_8)) {
            return lines.filter(l -> l.contains(fragment)).toList();
        }
    }

    /** SIGTERM; waits up to {@code timeoutMs} for the process to exit; true when it did. */
    boolean terminate(long timeoutMs) throws InterruptedException {
        Process p = process;
        p.destroy();
        return p.waitFor(timeoutMs, TimeUnit.MILLISECONDS);
    }

    int httpPort() { return httpPort; }

    long pid() { return process.pid(); }

    boolean alive() {
        Process p = process;
        return p != null && p.isAlive();
    }

    String exitDescription() {
        Process p = process;
        return p == null ? "not started" : p.isAlive() ? "running" : "exited with " + p.exitValue();
    }

    /** The HOCON handed to the server. */
    String config() {
        return ("""
                parley {
                  data-dir = "%s"
                  listeners {
                    c2s { bind = "127.0.0.1", port = %d }
                    c2s-direct-tls { bind = "127.0.0.1", port = %d }
                    component { enabled = false }
                    s2s { enabled = false }
                  }
                  http {
                    listeners {
                      # secure: as if behind a TLS-terminating proxy, so ANONYMOUS is offered over ws:// and http://.
                      plain { enabled = true, bind = "127.0.0.1", port = %d, secure = true }
                      tls { enabled = false }
                    }
                    bosh.max-sessions-per-address = 100000
                  }
                  admin.enabled = false
                  focus.rest { bind = "127.0.0.1", port = 0 }
                """ + BENCH_LIMITS + """
                }
                """ + extra).formatted(dir.resolve("state").toString().replace("\\", "\\\\"), c2sPort, directTlsPort, httpPort);
    }

    /** The command line; valid before {@link #start}. */
    List<String> command() {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> server = new java.util.ArrayList<>(List.of(java, "-Xmx" + heap, "-XX:+UseG1GC"));
        server.addAll(LauncherOptions.JVM);
        // e.g. -XX:StartFlightRecording=filename=/tmp/server.jfr to profile the server (each start overwrites it)
        if (classArchive != null) server.addAll(List.of("-XX:SharedArchiveFile=" + classArchive, "-Xshare:auto", "-Xlog:cds*=off"));
        String options = System.getenv("PARLEY_SERVER_JVM_OPTIONS");
        if (options != null && !options.isBlank()) server.addAll(List.of(options.trim().split("\\s+")));
        server.addAll(List.of("-jar", jar.toAbsolutePath().toString(), "run", "--config", dir.resolve("parley.conf").toString()));
        if (sockets == null) return server;
        List<String> activated = new java.util.ArrayList<>(List.of(python(), dir.resolve("socket-holder.py").toString(),
                "exec", sockets.toString(), "--"));
        activated.addAll(server);
        return activated;
    }

    /**
     * Writes the config, starts the process and waits until the server says its last client listener is up (its
     * ports listen from its first moments, and held sockets all along) and {@code port} accepts; false (with the process left for
     * {@link #close}) when it does not within {@code timeoutMs}.
     */
    boolean start(int port, long timeoutMs) throws IOException, InterruptedException {
        Files.writeString(dir.resolve("parley.conf"), config());
        ProcessBuilder b = new ProcessBuilder(command()).directory(dir.toFile()).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        b.environment().putAll(environment);
        // The log goes on across restarts: only what this start appends says whether it is up.
        long from = Files.exists(log) ? Files.size(log) : 0;
        process = b.start();
        long deadline = System.currentTimeMillis() + timeoutMs;
        while (System.currentTimeMillis() < deadline) {
            if (!process.isAlive()) return false;
            // The client ports listen (into their backlog) from the process's first moments, with held sockets or not:
            // the node serves once its last client listener says so.
            if (logged("listening for HTTP on", from) && (sockets != null || accepts(port))) return true;
            Thread.sleep(50);
        }
        return false;
    }

    /** WARN/ERROR lines and stack traces of the server log, less the expected ones (self-signed certificate, Flyway on H2). */
    List<String> problems() throws IOException {
        if (!Files.exists(log)) return List.of();
        try (Stream<String> lines = Files.lines(log, StandardCharsets.UTF_8)) {
            return lines.filter(l -> l.contains(" WARN ") || l.contains(" ERROR ") || l.startsWith("Exception")
                            || l.contains("OutOfMemoryError"))
                    .filter(l -> !l.contains("self-signed") && !l.contains("Flyway upgrade recommended"))
                    .toList();
        }
    }

    /** Prints up to {@code limit} lines of {@link #problems}. */
    void printProblems(int limit) throws IOException {
        List<String> bad = problems();
        if (bad.isEmpty()) return;
        System.out.printf("%nserver log has %d warning/error line(s); first ones:%n", bad.size());
        bad.stream().limit(limit).forEach(l -> System.out.println("  " + l));
    }

    void printLogTail(int lines) throws IOException {
        if (!Files.exists(log)) return;
        List<String> all = Files.readAllLines(log, StandardCharsets.UTF_8);
        System.out.println("---- last " + Math.min(lines, all.size()) + " lines of the server log (" + log + ") ----");
        all.subList(Math.max(0, all.size() - lines), all.size()).forEach(System.out::println);
        System.out.println("----");
    }

    @Override
    public synchronized void close() {
        if (closed) return;
        closed = true;
        Process p = process;
        if (p != null) {
            p.destroy();
            try {
                if (!p.waitFor(15, TimeUnit.SECONDS)) {
                    p.destroyForcibly();
                    p.waitFor(5, TimeUnit.SECONDS);
                }
            } catch (InterruptedException e) {
                p.destroyForcibly();
                Thread.currentThread().interrupt();
            }
        }
        Process h = holder;
        if (h != null) h.destroy();
        deleteTree(dir);
    }

    /** Whether {@code port} on loopback accepts a connection within {@code timeoutMs}. */
    static boolean waitForPort(int port, long timeoutMs) throws InterruptedException {
        long deadline = System.currentTimeMillis() + timeoutMs;
        while (System.currentTimeMillis() < deadline) {
            if (accepts(port)) return true;
            Thread.sleep(200);
        }
        return false;
    }

    /** Whether the log holds {@code fragment} after its first {@code from} bytes. */
    private boolean logged(String fragment, long from) throws IOException {
        if (!Files.exists(log)) return false;
        byte[] all = Files.readAllBytes(log);
        int at = (int) Math.min(from, all.length);
        return new String(all, at, all.length - at, StandardCharsets.UTF_8).contains(fragment);
    }

    static boolean accepts(int port) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 1000);
            return true;
        } catch (IOException notYet) {
            return false;
        }
    }

    /** Deletes a directory tree, best effort. */
    static void deleteTree(Path dir) {
        try (Stream<Path> walk = Files.walk(dir)) {
            walk.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
        } catch (IOException e) {
            System.err.println("could not delete " + dir + ": " + e);
        }
    }
}
