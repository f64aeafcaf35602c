package org.parley.bench.load;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.HdrHistogram.Histogram;
import org.parley.bench.HeapHistogram;

/**
 * The meeting mix (issue 20): participants arrive over WebSocket as lib-jitsi-meet's do, in meetings of a size
 * drawn from {@link MeetingSizes}, and live in them ({@link MixParticipant}); the count in meetings is ramped in
 * steps ({@code --mix-steps}), and at each, after {@code --mix-settle-seconds}, measured for
 * {@code --mix-measure-seconds} at steady state: server CPU per participant, presence fan-out and join to
 * session-initiate latency, resident memory and (JVM) live heap per participant, and the load generator's own CPU.
 * The ramp stops at the first step past capacity ({@link MixCapacity}). With {@link MixSettings#focusDomain} set
 * the focus is in the loop (conference request, Jingle; Parley only); without it the mix is MUC and presence only,
 * which any XMPP server runs, for {@code compare.sh}.
 */
final class MeetingMixScenario implements Scenario {
    @Override
    public String name() { return "meeting-mix"; }

    @Override
    public ScenarioResult run(Connector connector, Settings all) throws Exception {
        MixSettings s = all.mix;
        ScenarioResult result = new ScenarioResult(name());
        Target t = connector.target();
        ServerProbe probe = new ServerProbe(t.pid());
        boolean jvm = probe.isJvm();
        MixCapacity capacity = new MixCapacity(s.capacityMs, s.maxFailedShare, s.withFocus());
        String mode = s.withFocus() ? "with the focus" : "MUC only";
        System.out.printf("  meeting mix, %s, over %s: sizes %s (mean %.1f, %.0f%% of participants in meetings of 100+), "
                        + "mute change every %.0f-%.0f s, chat every %.0f s, endpoint message every %.0f s (%.0f%% private), "
                        + "stay %.0f s, meetings %.0f s (means); capacity: %s <= %.0f ms%n",
                mode, s.transport.label, s.sizes, s.sizes.mean(), s.sizes.participantShareAtLeast(100) * 100,
                s.muteMinSeconds, s.muteMaxSeconds, s.chatSeconds, s.endpointSeconds, s.privateShare * 100,
                s.staySeconds, s.meetingSeconds, capacity.criterion(), s.capacityMs);
        long rss0 = probe.known() ? probe.settledRssKib() : -1;
        long heap0 = jvm ? HeapHistogram.take(t.pid()).totalBytes : -1;
        List<MixStep> steps = new ArrayList<>();
        try (MixController mix = new MixController(connector, s)) {
            MixStats st = mix.stats();
            for (int aim : s.steps) {
                long arrivals0 = st.arrivals.sum(), failed0 = st.failed.sum();
                mix.target(aim);
                long t0 = System.nanoTime();
                long deadline = t0 + (long) (s.rampTimeoutSeconds * 1e9);
                boolean reached;
                while (!(reached = mix.reached()) && System.nanoTime() < deadline) Thread.sleep(100);
                System.out.printf(Locale.ROOT, "  step %,d: %s after %.1f s (%,d in meetings, %,d logging in or joining, %,d to start)%n",
                        aim, reached ? "reached" : "NOT reached", (System.nanoTime() - t0) / 1e9, mix.inRoom(), mix.starting(), mix.queued());
                Thread.sleep((long) (s.settleSeconds * 1000));
                st.presence.reset();
                st.initiate.reset();
                st.message.reset();
                st.request.reset();
                mix.resetSamples();
                double cpu0 = probe.cpuSeconds(), client0 = ServerProbe.clientCpuSeconds();
                long w0 = System.nanoTime();
                Thread.sleep((long) (s.measureSeconds * 1000));
                double seconds = (System.nanoTime() - w0) / 1e9;
                double cpu = probe.cpuSeconds() - cpu0, clientCpu = ServerProbe.clientCpuSeconds() - client0;
                Histogram initiate = st.initiate.getIntervalHistogram();
                // Offers still missing count as late as they are now: a focus that stops answering does not look fast.
                for (long wait : mix.offerWaits()) if (wait > s.capacityMs * 1e6) initiate.recordValue(wait / 1000);
                MixStats.Latency presence = MixStats.Latency.of(st.presence.getIntervalHistogram());
                MixStats.Latency message = MixStats.Latency.of(st.message.getIntervalHistogram());
                MixStats.Latency request = MixStats.Latency.of(st.request.getIntervalHistogram());
                double participants = mix.meanParticipants();
                long rss = probe.known() ? probe.rssKib() : -1;
                long heap = jvm ? HeapHistogram.take(t.pid()).totalBytes : -1;
                MixStep step = new MixStep(aim, participants, mix.meetings(), seconds, cpu, clientCpu, presence,
                        MixStats.Latency.of(initiate), message, st.arrivals.sum() - arrivals0, st.failed.sum() - failed0,
                        rss, heap, reached);
                steps.add(step);
                System.out.println("    " + step.describe());
                if (s.withFocus()) System.out.println("    conference request -> ready: " + request);
                if (s.freshServer && rss0 >= 0 && rss >= 0) {
                    System.out.printf(Locale.ROOT, "    per participant: RSS %.1f KiB%s%n", (rss - rss0) / participants,
                            heap < 0 ? "" : String.format(Locale.ROOT, ", live heap %.1f KiB", (heap - heap0) / 1024.0 / participants));
                }
                String why = capacity.exceeded(step);
                if (why != null) {
                    System.out.println("    past capacity: " + why + (st.firstFailure() == null ? "" : " (first failure: " + st.firstFailure() + ")"));
                    break;
                }
            }
            report(result, s, capacity, capacity.of(steps), rss0, heap0, st);
        }
        Thread.sleep(1000); // let the last leaves go out before the next scenario
        return result;
    }

    private static void report(ScenarioResult result, MixSettings s, MixCapacity capacity, MixCapacity.Result r,
                               long rss0, long heap0, MixStats st) {
        String mode = s.withFocus() ? "with the focus" : "MUC only";
        MixStep at = r.last() != null ? r.last() : r.bent();
        if (at == null) return;
        int cores = Runtime.getRuntime().availableProcessors();
        if (r.bent() == null) {
            result.note(String.format(Locale.ROOT, "meeting-mix (%s) did not bend up to the largest step (%,d): the capacity is at least that",
                    mode, s.steps[s.steps.length - 1]));
        } else {
            result.note(String.format(Locale.ROOT, "meeting-mix (%s) bends at %,d: %s", mode, r.bent().target(), r.why()));
        }
        MixStep last = r.bent() != null ? r.bent() : r.last();
        if (last.serverCores() + last.clientCores() > cores * 0.9) {
            result.note(String.format(Locale.ROOT, "meeting-mix: at %,d the machine was saturated (server %.0f%% + client %.0f%% of %d cores):"
                    + " the load generator shares the limit", last.target(), last.serverCores() * 100, last.clientCores() * 100, cores));
        }
        if (st.smRefused.sum() > 0) result.note("meeting-mix: the server refused XEP-0198 for " + st.smRefused.sum() + " sessions");
        result.add(Metric.of("mix.capacity", "meeting mix (" + mode + "): capacity, participants at " + capacity.criterion()
                + " <= " + Metric.format(s.capacityMs) + " ms", "", true, r.participants()));
        result.add(Metric.of("mix.cpu", "  server CPU per participant at that step", "µs/s", false, at.cpuMicrosPerParticipant()));
        result.add(Metric.of("mix.per-core", "  participants per core of server CPU at that step", "", true, at.participantsPerCore()));
        result.add(Metric.of("mix.presence.p50", "  presence fan-out p50 at that step", "ms", false, at.presence().p50()));
        result.add(Metric.of("mix.presence.p99", "  presence fan-out p99 at that step", "ms", false, at.presence().p99()));
        if (s.withFocus()) {
            result.add(Metric.of("mix.initiate.p50", "  join -> session-initiate p50 at that step", "ms", false, at.initiate().p50()));
            result.add(Metric.of("mix.initiate.p99", "  join -> session-initiate p99 at that step", "ms", false, at.initiate().p99()));
        }
        result.add(Metric.of("mix.message.p99", "  chat/endpoint message p99 at that step", "ms", false, at.message().p99()));
        if (s.freshServer && rss0 >= 0 && at.rssKib() >= 0) {
            result.add(Metric.of("mix.rss", "  resident memory per participant", "KiB", false, (at.rssKib() - rss0) / at.participants()));
        }
        if (heap0 >= 0 && at.heapBytes() >= 0) {
            result.add(Metric.of("mix.heap", "  live heap per participant (JVM only)", "KiB", false, (at.heapBytes() - heap0) / 1024.0 / at.participants()));
        }
        result.add(Metric.of("mix.client", "  load generator CPU at that step (% of a core)", "%", false, at.clientCores() * 100));
    }
}
