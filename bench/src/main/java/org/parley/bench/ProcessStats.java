package org.parley.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.stream.Stream;

/** What Linux's /proc tells about a process; -1 (or n/a) where there is no /proc. */
public final class ProcessStats {
    private ProcessStats() {}

    /** Open descriptors of a process, by what they point at. */
    public record Fds(int total, int sockets, int epoll, int pipes, int files) {
        @Override
        public String toString() {
            if (total < 0) return "n/a";
            return String.format(Locale.ROOT, "%,d (%,d sockets, %,d epoll/eventfd/other anon inodes, %,d pipes, %,d files)",
                    total, sockets, epoll, pipes, files);
        }
    }

    /** VmRSS from /proc/PID/status in KiB. */
    public static long rssKib(long pid) {
        try {
            for (String l : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
                if (l.startsWith("VmRSS:")) return Long.parseLong(l.replaceAll("[^0-9]", ""));
            }
        } catch (IOException | NumberFormatException e) {
            // not Linux
        }
        return -1;
    }

    public static Fds fds(long pid) {
        int total = 0, sockets = 0, anon = 0, pipes = 0, files = 0;
        try (Stream<Path> s = Files.list(Path.of("/proc", Long.toString(pid), "fd"))) {
            for (Path fd : (Iterable<Path>) s::iterator) {
                total++;
                String target;
                try {
                    target = Files.readSymbolicLink(fd).toString();
                } catch (IOException gone) {
                    continue;
                }
                if (target.startsWith("socket:")) sockets++;
                else if (target.startsWith("anon_inode:")) anon++;
                else if (target.startsWith("pipe:")) pipes++;
                else files++;
            }
        } catch (IOException e) {
            return new Fds(-1, -1, -1, -1, -1);
        }
        return new Fds(total, sockets, anon, pipes, files);
    }

    /** This process's soft limit of open files ({@code ulimit -n}), which a child inherits; -1 where unknown. */
    public static long openFilesLimit() {
        return openFiles(3);
    }

    /** This process's hard limit of open files ({@code ulimit -Hn}); -1 where unknown. */
    public static long openFilesHardLimit() {
        return openFiles(4);
    }

    private static long openFiles(int column) {
        try {
            for (String l : Files.readAllLines(Path.of("/proc/self/limits"))) {
                if (l.startsWith("Max open files")) {
                    String v = l.trim().split("\\s+")[column];
                    return v.equals("unlimited") ? Long.MAX_VALUE : Long.parseLong(v);
                }
            }
        } catch (IOException | RuntimeException e) {
            // not Linux
        }
        return -1;
    }

    /** User plus system CPU time of the whole process so far. */
    public static Duration cpu(long pid) {
        return ProcessHandle.of(pid).flatMap(h -> h.info().totalCpuDuration()).orElse(Duration.ZERO);
    }

    /** The 1-minute load average, as a hint of how busy the (shared) machine was. */
    public static String loadAverage() {
        try {
            String[] f = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
            return f[0] + " " + f[1] + " " + f[2];
        } catch (IOException | RuntimeException e) {
            return "n/a";
        }
    }

    static String mib(long bytes) {
        return String.format(Locale.ROOT, "%,.1f MiB", bytes / 1024.0 / 1024.0);
    }

    static String mibFromKib(long kib) {
        return kib < 0 ? "n/a" : String.format(Locale.ROOT, "%,.1f MiB", kib / 1024.0);
    }
}
