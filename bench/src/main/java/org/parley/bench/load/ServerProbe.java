package org.parley.bench.load;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.parley.bench.ProcessStats;

/** Reads the server process's CPU time, resident memory and descriptors from /proc; NaN without a pid. */
final class ServerProbe {
    private final long pid;

    ServerProbe(long pid) {
        this.pid = pid;
    }

    boolean known() { return pid > 0; }

    long pid() { return pid; }

    /** CPU seconds (user + system) so far. */
    double cpuSeconds() {
        return pid > 0 ? ProcessStats.cpu(pid).toNanos() / 1e9 : Double.NaN;
    }

    long rssKib() {
        return pid > 0 ? ProcessStats.rssKib(pid) : -1;
    }

    int fds() {
        return pid > 0 ? ProcessStats.fds(pid).total() : -1;
    }

    /** CPU seconds this load generator's own process has used so far. */
    static double clientCpuSeconds() {
        java.lang.management.OperatingSystemMXBean os = java.lang.management.ManagementFactory.getOperatingSystemMXBean();
        return os instanceof com.sun.management.OperatingSystemMXBean sun ? sun.getProcessCpuTime() / 1e9 : Double.NaN;
    }

    /** Whether the process is a JVM, whose live heap {@code jcmd} can count. */
    boolean isJvm() {
        if (pid <= 0) return false;
        try {
            return Files.readSymbolicLink(Path.of("/proc", Long.toString(pid), "exe")).toString().contains("java");
        } catch (IOException | UnsupportedOperationException e) {
            return false;
        }
    }
}
