package org.parley.bench;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** A parsed {@code jcmd <pid> GC.class_histogram} (which runs a full GC first, so it counts live objects). */
public final class HeapHistogram {
    public record Row(String name, long instances, long bytes) {}

    final Map<String, Row> rows = new HashMap<>();
    long totalInstances;
    public long totalBytes = -1;

    public static HeapHistogram take(long pid) throws IOException, InterruptedException {
        String out = jcmd(pid, "GC.class_histogram");
        HeapHistogram h = parse(out);
        if (h.totalBytes < 0) {
            throw new IOException("jcmd " + pid + " GC.class_histogram: no total in " + out.substring(0, Math.min(out.length(), 500)));
        }
        return h;
    }

    /** The output of {@code jcmd <pid> <command>}; throws if it fails or takes over 120 s. */
    static String jcmd(long pid, String... command) throws IOException, InterruptedException {
        String jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd").toString();
        if (!Files.isExecutable(Path.of(jcmd))) jcmd = "jcmd";
        java.util.List<String> cmd = new java.util.ArrayList<>(java.util.List.of(jcmd, Long.toString(pid)));
        cmd.addAll(java.util.List.of(command));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out;
        try (InputStream in = p.getInputStream()) {
            out = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IOException("jcmd " + String.join(" ", command) + " timed out");
        }
        if (p.exitValue() != 0) {
            throw new IOException("jcmd " + pid + " " + String.join(" ", command) + " failed (exit " + p.exitValue() + "): "
                    + out.substring(0, Math.min(out.length(), 500)));
        }
        return out;
    }

    /**
     * A baseline that has settled: histograms 2 s apart until two in a row differ by at most 1% (or 256 KiB),
     * five tries at most. Prints the last two totals.
     */
    public static HeapHistogram settled(long pid, String label) throws IOException, InterruptedException {
        HeapHistogram base = take(pid);
        for (int attempt = 0; ; attempt++) {
            Thread.sleep(2000);
            HeapHistogram next = take(pid);
            long drift = Math.abs(next.totalBytes - base.totalBytes);
            if (drift <= Math.max(256 * 1024, base.totalBytes / 100) || attempt == 4) {
                System.out.printf("baseline (%s): live heap %s, then %s 2 s later (drift %+,d B)%n", label,
                        ProcessStats.mib(base.totalBytes), ProcessStats.mib(next.totalBytes), next.totalBytes - base.totalBytes);
                return next;
            }
            base = next;
        }
    }

    /** Lines {@code "   1:   123   4567  java.lang.String (java.base@17)"} and {@code "Total 123 4567"}. */
    static HeapHistogram parse(String out) {
        HeapHistogram h = new HeapHistogram();
        for (String line : out.split("\n")) {
            String t = line.trim();
            if (t.startsWith("Total")) {
                String[] f = t.split("\\s+");
                if (f.length >= 3) {
                    h.totalInstances = Long.parseLong(f[1]);
                    h.totalBytes = Long.parseLong(f[2]);
                }
                continue;
            }
            int colon = t.indexOf(':');
            if (colon <= 0 || !t.substring(0, colon).chars().allMatch(Character::isDigit)) continue;
            String[] f = t.substring(colon + 1).trim().split("\\s+", 4);
            if (f.length < 3) continue;
            String name = f[2];
            // Hidden classes (lambdas) carry an address suffix that differs between runs but not between
            // two histograms of one process; keep the name as printed, without the module.
            Row r = new Row(name, Long.parseLong(f[0]), Long.parseLong(f[1]));
            h.rows.merge(name, r, (a, b) -> new Row(name, a.instances + b.instances, a.bytes + b.bytes));
        }
        return h;
    }

    /** The {@code limit} classes whose live bytes grew most from {@code base} to this histogram. */
    public List<Row> diff(HeapHistogram base, int limit) {
        List<Row> d = new ArrayList<>();
        for (Row r : rows.values()) {
            Row b = base.rows.get(r.name);
            long bytes = r.bytes - (b == null ? 0 : b.bytes);
            long inst = r.instances - (b == null ? 0 : b.instances);
            if (bytes != 0) d.add(new Row(r.name, inst, bytes));
        }
        d.sort(Comparator.comparingLong(Row::bytes).reversed());
        return d.subList(0, Math.min(limit, d.size()));
    }

    /** Prints the growth from {@code base} and what it comes to per session of {@code n}. */
    void printGrowth(HeapHistogram base, int n, String what) {
        long delta = totalBytes - base.totalBytes;
        double perSession = (double) delta / n;
        System.out.printf("live heap with %,d %s: %s (baseline %s, +%s)%n", n, what,
                ProcessStats.mib(totalBytes), ProcessStats.mib(base.totalBytes), ProcessStats.mib(delta));
        System.out.printf("HEAP PER SESSION: %.2f KiB (%,.0f bytes)  target <= 16 KiB: %s%n",
                perSession / 1024, perSession, perSession <= 16 * 1024 ? "MET" : "NOT MET");
    }

    /** Prints the {@code top} classes that grew most from {@code base}, per session of {@code n}. */
    void printTop(HeapHistogram base, int n, int top) {
        if (top <= 0) return;
        System.out.printf("top %d classes by live bytes added (per session = difference / %,d):%n", top, n);
        System.out.printf("  %14s %12s %10s %9s  %s%n", "bytes", "instances", "B/session", "inst/sess", "class");
        for (Row r : diff(base, top)) {
            System.out.printf("  %,14d %,12d %10.1f %9.2f  %s%n", r.bytes, r.instances, (double) r.bytes / n,
                    (double) r.instances / n, r.name);
        }
    }
}
