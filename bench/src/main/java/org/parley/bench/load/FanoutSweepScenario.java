package org.parley.bench.load;

import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * Fan-out below saturation, as tsung measures it from outside: {@code --sweep-occupants} (150) users log in with
 * SCRAM over TLS ({@code --transport}) and join one room.
 * <ol>
 * <li>The tsung run: every user sends {@code --tsung-messages} (20) groupchat messages, one a second (the users'
 * sends spread evenly over each second). Server CPU over the whole run, logins and joins included, per message
 * delivered.</li>
 * <li>The sweep: the same users send at fixed delivery rates ({@code --sweep-rates}, deliveries/s = messages/s ×
 * occupants; senders taken round robin), each for a warm-up and a measured window ({@code --sweep-step-seconds},
 * longer where that would hold fewer than {@code --sweep-min-deliveries}). Per rate: server CPU per
 * delivery in the window (from /proc), p50/p99 latency from send to arrival, deliveries missing. The sweep stops
 * after the first rate the server does not keep up with (under 90% of the offered deliveries arrive within the
 * window, more than 1% never arrive, or the median latency passes 100 ms).</li>
 * </ol>
 * CPU per delivery at moderate load carries what batching hides at capacity: a TLS record, a write and a wake-up
 * per delivery, timers, GC.
 */
final class FanoutSweepScenario implements Scenario {
    /** How long the tsung run's deliveries may keep arriving after its last message. */
    private static final long TSUNG_DRAIN_MS = 180_000;

    @Override
    public String name() { return "fanout-sweep"; }

    @Override
    public ScenarioResult run(Connector connector, Settings s) throws Exception {
        ScenarioResult result = new ScenarioResult(name());
        Target t = connector.target();
        int k = s.sweepOccupants;
        String problem = Accounts.ensure(connector, k);
        if (problem != null) return result.note("fanout-sweep: " + problem);
        ServerProbe probe = new ServerProbe(t.pid());
        String room = MucRooms.roomJid("sweep-" + Long.toString(System.nanoTime() % 1_000_000_000L, 36), t);

        // The tsung run: CPU from before the first login to the last delivery.
        double cpu0 = probe.cpuSeconds();
        long t0 = System.nanoTime();
        SessionGroup g = SessionGroup.open(connector, k, s.inFlight,
                i -> new ClientSpec(s.transport, t.host(), ClientSpec.Auth.SCRAM, Accounts.user(i), Accounts.PASSWORD));
        try {
            problem = g.await(120 + k / 5);
            if (problem != null) return result.note("fanout-sweep: " + problem);
            if (g.failedCount() > 0) return result.note("fanout-sweep needs every session: " + g.summary());
            XmppClientHandler[] c = g.clients();
            problem = MucRooms.create(g, c[0], room, "o0");
            if (problem != null) return result.note("fanout-sweep: creating " + room + ": " + problem);
            problem = MucRooms.joinRest(g, c, new String[] {room}, k, s.inFlight);
            if (problem != null) return result.note("fanout-sweep: " + problem);
            double loginS = (System.nanoTime() - t0) / 1e9;

            Traffic f = new Traffic(c, room);
            g.sink(f);
            long sent = f.paced(k, (long) s.tsungMessages * k);
            // A server that cannot carry the run (Prosody) works off its backlog for long after the last message: its
            // figure covers that, and the sweep must not start while the backlog still arrives.
            f.awaitArrivals(sent, k, TSUNG_DRAIN_MS);
            double cpu = probe.cpuSeconds() - cpu0;
            double wall = (System.nanoTime() - t0) / 1e9;
            long delivered = f.delivered.sumThenReset();
            Histogram h = f.latency.getIntervalHistogram();
            double lost = 1 - delivered / (double) (sent * k);
            System.out.printf("  tsung run: %d users logged in and joined in %.1f s, %,d messages, %,d deliveries (%.2f%% missing) in %.1f s;"
                            + " server CPU %.2f s = %.2f µs per delivery; latency p50 %.2f ms, p99 %.2f ms%n",
                    k, loginS, sent, delivered, lost * 100, wall, cpu, cpu / delivered * 1e6,
                    h.getValueAtPercentile(50) / 1000.0, h.getValueAtPercentile(99) / 1000.0);
            String shape = k + " users, " + s.tsungMessages + " messages each 1 s apart, logins included";
            result.add(Metric.of("sweep.tsung.cpu", "server CPU per delivery, tsung run (" + shape + ")", "µs", false, cpu / delivered * 1e6));
            result.add(Metric.of("sweep.tsung.p99", "  latency p99 in the tsung run", "ms", false, h.getValueAtPercentile(99) / 1000.0));

            for (double rate : s.sweepRates) {
                Step st = step(f, probe, rate, k, s);
                System.out.println("  " + st);
                String at = "at " + Metric.format(rate) + " deliveries/s";
                result.add(Metric.of("sweep.cpu." + (long) rate, "server CPU per delivery " + at, "µs", false, st.cpuMicros()));
                result.add(Metric.of("sweep.p50." + (long) rate, "  latency p50 " + at, "ms", false, st.p50Ms()));
                result.add(Metric.of("sweep.p99." + (long) rate, "  latency p99 " + at, "ms", false, st.p99Ms()));
                result.add(Metric.of("sweep.lost." + (long) rate, "  deliveries missing " + at, "%", false, st.lostPercent()));
                if (!st.keptUp()) {
                    result.note("fanout-sweep: saturated at " + Metric.format(rate) + " deliveries/s (" + Metric.format(st.deliveredPerS())
                            + " delivered/s, " + Metric.format(st.lostPercent()) + "% missing)");
                    break;
                }
            }
            return result;
        } finally {
            g.closeAll();
        }
    }

    /** One fixed rate: warm-up, then the measured window; then what was still on its way arrives (or not). */
    private static Step step(Traffic f, ServerProbe probe, double deliveriesPerS, int k, Settings s) throws InterruptedException {
        double messagesPerS = deliveriesPerS / k;
        f.reset();
        long warm = f.paced(messagesPerS, Math.max(1, Math.round(messagesPerS * s.sweepWarmupSeconds)));
        f.delivered.reset();
        f.latency.reset();
        double cpu0 = probe.cpuSeconds();
        long t0 = System.nanoTime();
        // At low rates the window grows to a minimum number of deliveries: /proc counts CPU in 10 ms ticks.
        double window = Math.max(s.sweepStepSeconds, s.sweepMinDeliveries / deliveriesPerS);
        long measured = f.paced(messagesPerS, Math.max(1, Math.round(messagesPerS * window)));
        double sec = (System.nanoTime() - t0) / 1e9;
        double cpu = probe.cpuSeconds() - cpu0;
        long inWindow = f.delivered.sum();
        Histogram h = f.latency.getIntervalHistogram();
        f.awaitArrivals(warm + measured, k, (long) (Math.max(2, s.sweepStepSeconds) * 1000));
        long total = f.deliveredSinceReset();
        double lost = Math.max(0, 1 - total / (double) ((warm + measured) * k));
        return new Step(deliveriesPerS, sec, inWindow, cpu, h, lost);
    }

    record Step(double offered, double seconds, long delivered, double cpuS, Histogram latency, double lost) {
        double deliveredPerS() { return delivered / seconds; }

        double cpuMicros() { return delivered == 0 ? Double.NaN : cpuS / delivered * 1e6; }

        double p50Ms() { return latency.getValueAtPercentile(50) / 1000.0; }

        double p99Ms() { return latency.getValueAtPercentile(99) / 1000.0; }

        double lostPercent() { return lost * 100; }

        /** Delivered what was offered, without a queue building up (a median past 100 ms is a backlog, not a path). */
        boolean keptUp() { return deliveredPerS() >= 0.9 * offered && lost <= 0.01 && p50Ms() <= 100; }

        @Override
        public String toString() {
            return String.format("%,9.0f deliveries/s offered: %,9.0f delivered/s, server CPU %.0f%% of a core = %.2f µs per delivery,"
                            + " latency p50 %.2f ms, p99 %.2f ms, max %.1f ms, %.2f%% missing%s",
                    offered, deliveredPerS(), cpuS / seconds * 100, cpuMicros(), p50Ms(), p99Ms(), latency.getMaxValue() / 1000.0,
                    lostPercent(), keptUp() ? "" : " (saturated)");
        }
    }

    /** Messages from the occupants in turn, stamped with their send time; every arrival counted and timed. */
    private static final class Traffic implements SessionGroup.Sink {
        private final XmppClientHandler[] clients;
        private final String room;
        private final AtomicLong ids = new AtomicLong();
        private final AtomicLong turn = new AtomicLong();
        final LongAdder delivered = new LongAdder();
        /** Every arrival since {@link #reset}, unlike {@link #delivered}, which a window resets. */
        private final LongAdder arrived = new LongAdder();
        final Recorder latency = new Recorder(3);

        Traffic(XmppClientHandler[] clients, String room) {
            this.clients = clients;
            this.room = room;
        }

        void reset() {
            delivered.reset();
            arrived.reset();
            latency.reset();
        }

        long deliveredSinceReset() { return arrived.sum(); }

        /** Sends {@code count} messages at {@code rate} per second, the senders in turn; returns how many. */
        long paced(double rate, long count) {
            long interval = (long) (1e9 / rate);
            long next = System.nanoTime();
            for (long i = 0; i < count; i++, next += interval) {
                long wait = next - System.nanoTime();
                if (wait > 0) LockSupport.parkNanos(wait);
                XmppClientHandler c = clients[(int) (turn.getAndIncrement() % clients.length)];
                c.send("<message to='" + room + "' type='groupchat' id='s" + ids.incrementAndGet() + "'><body>t" + System.nanoTime()
                        + MucRooms.PADDING + "</body></message>");
            }
            return count;
        }

        /** Waits until every message sent since the reset reached all k occupants, or nothing arrived for a while. */
        void awaitArrivals(long messages, int k, long maxMs) throws InterruptedException {
            long deadline = System.nanoTime() + maxMs * 1_000_000L;
            long last = -1, quietSince = System.nanoTime();
            while (System.nanoTime() < deadline) {
                long now = arrived.sum();
                if (now >= messages * k) return;
                if (now != last) {
                    last = now;
                    quietSince = System.nanoTime();
                } else if (System.nanoTime() - quietSince > 500_000_000L) {
                    return;
                }
                Thread.sleep(20);
            }
        }

        @Override
        public void stanza(XmppClientHandler client, String xml) {
            long sent = Xml.bodyStamp(xml);
            if (sent < 0) return;
            long now = System.nanoTime();
            delivered.increment();
            arrived.increment();
            latency.recordValue(Math.max(1, (now - sent) / 1000));
        }
    }
}
