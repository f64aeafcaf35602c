package org.parley.bench.servers;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.GroupPrincipal;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipal;
import java.nio.file.attribute.UserPrincipalLookupService;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.parley.testkit.FreePorts;

/**
 * A server run as a foreground child process: config files and data in its own directory, output into
 * {@code server.log} there. Every pid it starts (the child and whatever the child forks) is appended to a pid
 * file shared by the run, so the calling script can still stop them, by pid, if this JVM dies. {@link #close}
 * asks the process to stop (SIGTERM), waits, then kills whatever is left of its tree, by pid.
 */
abstract class ChildDaemon implements ServerUnderTest {
    protected final Path dir;
    protected final Path log;
    private final Path pidFile;
    private Process process;
    private final List<ProcessHandle> tree = new ArrayList<>();
    private boolean closed;

    ChildDaemon(Path dir, Path pidFile) throws IOException {
        this.dir = Files.createDirectories(dir);
        this.log = dir.resolve("server.log");
        this.pidFile = pidFile;
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
    }

    protected abstract void writeConfig() throws IOException;

    protected abstract List<String> command();

    protected Map<String, String> environment() {
        return Map.of();
    }

    /** The port that accepts connections once the server is up. */
    protected abstract int readyPort();

    /** The process whose CPU, memory and descriptors are measured: the child itself unless it forks a runtime. */
    protected long measuredPid(Process child) {
        return child.pid();
    }

    private long measured = -1;

    protected long pid() { return measured; }

    @Override
    public void start() throws Exception {
        writeConfig();
        ProcessBuilder pb = new ProcessBuilder(command()).directory(dir.toFile()).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        pb.environment().putAll(environment());
        process = pb.start();
        remember(process.toHandle());
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
        while (true) {
            if (!process.isAlive()) {
                throw new IOException(name() + " exited with " + process.exitValue() + " before accepting connections; log tail:\n  "
                        + String.join("\n  ", logTail(30)));
            }
            if (ready()) break;
            if (System.nanoTime() > deadline) {
                throw new IOException(name() + " did not accept connections on port " + readyPort() + " within 90 s; log tail:\n  "
                        + String.join("\n  ", logTail(30)));
            }
            Thread.sleep(200);
        }
        process.descendants().forEach(this::remember);
        measured = measuredPid(process);
    }

    private void remember(ProcessHandle h) {
        tree.add(h);
        try {
            Files.writeString(pidFile, h.pid() + "\n", StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        } catch (IOException e) {
            System.err.println("could not record pid " + h.pid() + " in " + pidFile + ": " + e);
        }
    }

    /** True once the server serves; by default once {@link #readyPort} accepts connections. */
    protected boolean ready() {
        return accepts(readyPort());
    }

    private static boolean accepts(int port) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 1000);
            return true;
        } catch (IOException notYet) {
            return false;
        }
    }

    /** Asks the server to stop; by default SIGTERM to the child. */
    protected void requestStop(Process child) {
        child.destroy();
    }

    @Override
    public synchronized void close() {
        if (closed || process == null) return;
        closed = true;
        process.descendants().forEach(h -> { if (!tree.contains(h)) tree.add(h); });
        requestStop(process);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        for (ProcessHandle h : tree) {
            long left = deadline - System.nanoTime();
            try {
                if (left > 0) h.onExit().get(left, TimeUnit.NANOSECONDS);
            } catch (Exception timeoutOrInterrupt) {
                // killed below
            }
        }
        for (ProcessHandle h : tree) {
            if (h.isAlive()) {
                System.out.println("  " + name() + ": pid " + h.pid() + " still running 20 s after the stop request; killing it");
                h.destroyForcibly();
            }
        }
    }

    @Override
    public List<String> logTail(int lines) {
        try {
            if (!Files.exists(log)) return List.of();
            List<String> all = Files.readAllLines(log, StandardCharsets.UTF_8);
            return all.subList(Math.max(0, all.size() - lines), all.size());
        } catch (IOException e) {
            return List.of("(cannot read " + log + ": " + e + ")");
        }
    }

    /** The files {@link #logProblems} reads. */
    protected List<Path> logFiles() {
        return List.of(log);
    }

    @Override
    public List<String> logProblems(int max) {
        List<String> found = new ArrayList<>();
        for (Path f : logFiles()) {
            if (!Files.exists(f)) continue;
            try (Stream<String> lines = Files.lines(f, StandardCharsets.ISO_8859_1)) {
                lines.filter(this::isProblem).limit(max - found.size()).forEach(found::add);
            } catch (IOException | java.io.UncheckedIOException e) {
                found.add("(cannot read " + f + ": " + e + ")");
            }
        }
        return found;
    }

    protected boolean isProblem(String line) {
        String l = line.toLowerCase();
        return l.contains("error") || l.contains("warn");
    }

    // ---- helpers for subclasses -----------------------------------------------------------------------------

    static boolean isRoot() {
        return "root".equals(System.getProperty("user.name"));
    }

    /** The command run as {@code user} (through setpriv) when this JVM runs as root; unchanged otherwise. */
    static List<String> asUser(String user, List<String> command) {
        if (!isRoot()) return command;
        List<String> c = new ArrayList<>(List.of("setpriv", "--reuid=" + user, "--regid=" + user, "--init-groups", "--"));
        c.addAll(command);
        return c;
    }

    /** Makes {@code path} and everything under it belong to {@code user} (when root). */
    static void chown(Path path, String user) throws IOException {
        if (!isRoot()) return;
        UserPrincipalLookupService lookup = path.getFileSystem().getUserPrincipalLookupService();
        UserPrincipal u = lookup.lookupPrincipalByName(user);
        GroupPrincipal g = lookup.lookupPrincipalByGroupName(user);
        try (Stream<Path> all = Files.walk(path)) {
            for (Path p : (Iterable<Path>) all::iterator) {
                PosixFileAttributeView v = Files.getFileAttributeView(p, PosixFileAttributeView.class);
                v.setOwner(u);
                v.setGroup(g);
            }
        }
    }

    static void readableByAll(Path p) throws IOException {
        Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rw-r--r--"));
    }

    static int[] freePorts(int n) throws IOException {
        return FreePorts.take(n);
    }

    /** Output of a short command, or "" if it fails. */
    static String run(String... command) {
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            p.waitFor(30, TimeUnit.SECONDS);
            return out;
        } catch (IOException | InterruptedException e) {
            return "";
        }
    }
}
