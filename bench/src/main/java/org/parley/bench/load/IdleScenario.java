package org.parley.bench.load;

import org.parley.bench.HeapHistogram;

/**
 * N idle sessions (ANONYMOUS, bind, initial presence) held open: what each costs the server in resident memory
 * and descriptors, read from /proc before and after; for a JVM also the live heap, from
 * {@code jcmd GC.class_histogram} (which runs a full GC first). Also reports how fast they were opened with
 * {@code --in-flight} negotiations at once, and the server's CPU per second while they stay open and quiet
 * ({@code --idle-quiet-seconds}): what a node costs when nothing happens, which below saturation is part of every
 * delivery's cost.
 */
final class IdleScenario implements Scenario {
    @Override
    public String name() { return "idle"; }

    @Override
    public ScenarioResult run(Connector connector, Settings s) throws Exception {
        ScenarioResult result = new ScenarioResult(name());
        ServerProbe probe = new ServerProbe(connector.target().pid());
        int n = s.idleSessions;
        // Warm-up: load and JIT what a session touches, then close again.
        SessionGroup warm = SessionGroup.open(connector, Math.min(200, n), s.inFlight, i -> ClientSpec.anonymous(s.transport, connector.target()));
        String problem = warm.await(120);
        warm.closeAll();
        if (problem != null) return result.note("idle warm-up: " + problem);
        Thread.sleep(2000);

        boolean jvm = probe.isJvm();
        HeapHistogram heapBefore = jvm ? HeapHistogram.take(probe.pid()) : null;
        long rssBefore = probe.settledRssKib();
        int fdsBefore = probe.fds();
        double cpu0 = probe.cpuSeconds();
        long t0 = System.nanoTime();
        SessionGroup g = SessionGroup.open(connector, n, s.inFlight, i -> ClientSpec.anonymous(s.transport, connector.target()));
        problem = g.await(120 + n / 20);
        double seconds = (System.nanoTime() - t0) / 1e9;
        double cpu = probe.cpuSeconds() - cpu0;
        try {
            if (problem != null) return result.note("idle: " + problem);
            for (XmppClientHandler c : g.readyClients()) c.send("<presence/>");
            Thread.sleep(3000);
            // Before the histogram, whose full GC would be counted: what the node costs while nobody says anything.
            double quietCpu0 = probe.cpuSeconds();
            long quiet0 = System.nanoTime();
            if (s.idleQuietSeconds > 0) Thread.sleep((long) (s.idleQuietSeconds * 1000));
            double quietMsPerS = (probe.cpuSeconds() - quietCpu0) * 1000 / ((System.nanoTime() - quiet0) / 1e9);
            int open = g.readyCount() - g.closedAfterReady();
            // For a JVM the histogram's full GC comes first, before and after, so RSS is read in the same state.
            HeapHistogram heapAfter = jvm ? HeapHistogram.take(probe.pid()) : null;
            long rssAfter = probe.settledRssKib();
            int fdsAfter = probe.fds();
            System.out.printf("  %,d sessions open (%d failed) in %.1f s; server RSS %,d -> %,d KiB, descriptors %,d -> %,d%s%n",
                    open, g.failedCount(), seconds, rssBefore, rssAfter, fdsBefore, fdsAfter,
                    jvm ? String.format(", live heap %,d -> %,d KiB", heapBefore.totalBytes / 1024, heapAfter.totalBytes / 1024) : "");
            result.add(Metric.of("idle.rss", "resident memory per idle session (" + n + " over " + s.transport.label + ")",
                    "KiB", false, (rssAfter - rssBefore) / (double) open));
            result.add(Metric.of("idle.heap", "  live heap per idle session (JVM only)", "KiB", false,
                    jvm ? (heapAfter.totalBytes - heapBefore.totalBytes) / 1024.0 / open : Double.NaN));
            result.add(Metric.of("idle.fds", "  descriptors per idle session", "", false, (fdsAfter - fdsBefore) / (double) open));
            result.add(Metric.of("idle.rate", "  anonymous sessions opened per second (" + s.inFlight + " in flight)", "/s", true,
                    g.readyCount() / seconds));
            result.add(Metric.of("idle.cpu", "  server CPU per anonymous session opened", "ms", false, cpu * 1000 / g.readyCount()));
            if (s.idleQuietSeconds > 0) {
                System.out.printf("  with them open and quiet for %.0f s: server CPU %.2f ms per second%n", s.idleQuietSeconds, quietMsPerS);
                result.add(Metric.of("idle.quiet", "  server CPU per second with them open and quiet (" + Metric.format(s.idleQuietSeconds) + " s)",
                        "ms", false, quietMsPerS));
            }
            if (g.failedCount() > 0) result.note("idle: " + g.failedCount() + " sessions failed; first: " + g.firstFailure());
            return result;
        } finally {
            g.closeAll();
        }
    }
}
