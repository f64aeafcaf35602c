package org.parley.bench;

import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A parsed {@code jcmd <pid> VM.native_memory summary}: committed KiB by category (Java Heap, Class, Thread, Code,
 * GC, Internal, Other — Netty's direct buffers —, ...). Only for a JVM started with
 * {@code -XX:NativeMemoryTracking=summary}; it tells what of the resident memory is heap and what is not.
 */
record NativeMemory(long totalCommittedKib, Map<String, Long> committedKib) {
    private static final Pattern TOTAL = Pattern.compile("Total: reserved=(\\d+)KB, committed=(\\d+)KB");
    private static final Pattern CATEGORY = Pattern.compile("-\\s+(.+?) \\(reserved=(\\d+)KB, committed=(\\d+)KB\\)");

    static NativeMemory take(long pid) throws IOException, InterruptedException {
        return parse(HeapHistogram.jcmd(pid, "VM.native_memory", "summary"));
    }

    static NativeMemory parse(String out) {
        Matcher t = TOTAL.matcher(out);
        long total = t.find() ? Long.parseLong(t.group(2)) : -1;
        Map<String, Long> by = new LinkedHashMap<>();
        Matcher m = CATEGORY.matcher(out);
        while (m.find()) by.put(m.group(1).trim(), Long.parseLong(m.group(3)));
        return new NativeMemory(total, by);
    }

    /** Whether the server was started with native memory tracking (from the command line it was given). */
    static boolean tracked(java.util.List<String> command) {
        return command.stream().anyMatch(a -> a.startsWith("-XX:NativeMemoryTracking=") && !a.endsWith("=off"));
    }

    /** Committed memory by category, before and after, and the difference per session. */
    void printGrowth(NativeMemory before, int sessions) {
        System.out.printf("native memory tracking, committed: total %,d KiB -> %,d KiB (%+.2f KiB per session)%n",
                before.totalCommittedKib, totalCommittedKib, (totalCommittedKib - before.totalCommittedKib) / (double) sessions);
        for (var e : committedKib.entrySet()) {
            long was = before.committedKib.getOrDefault(e.getKey(), 0L);
            System.out.printf(Locale.ROOT, "  %-28s %,10d KiB -> %,10d KiB  %+8.2f KiB per session%n",
                    e.getKey(), was, e.getValue(), (e.getValue() - was) / (double) sessions);
        }
    }
}
