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

    /**
     * RSS once it has stopped moving (within 256 KiB over a second, at most 15 s): since JDK 17, G1 gives heap back
     * to the OS in the background after the full GC of a heap histogram, so an immediate reading after a busy
     * scenario can be 100 MiB too high and make a later delta negative.
     */
    long settledRssKib() throws InterruptedException {
        long last = rssKib();
        long deadline = System.nanoTime() + 15_000_000_000L;
        int steady = 0;
        while (steady < 4 && System.nanoTime() < deadline) {
            Thread.sleep(250);
            long now = rssKib();
            steady = Math.abs(now - last) <= 256 ? steady + 1 : 0;
            last = now;
        }
        return last;
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
