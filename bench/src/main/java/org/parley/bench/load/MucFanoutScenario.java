package org.parley.bench.load;

import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * MUC fan-out: {@code --rooms} M rooms of {@code --occupants} K anonymous occupants each. Occupant 0 of every room
 * sends groupchat messages carrying their send time; every occupant (the sender too) counts each message and its
 * latency from send to arrival.
 * <ol>
 * <li>Capacity, closed loop: each sender keeps {@code --window} messages on their way (the next goes when one of
 * its own comes back), so the server runs flat out; after a warm-up, {@code --fanout-rounds} rounds of
 * delivered messages per second and latency percentiles.</li>
 * <li>Latency at a fixed rate ({@code --fanout-rate} messages/s over all rooms, if not 0): open loop, the same
 * offered load for every server, so p99s compare like for like.</li>
 * </ol>
 */
final class MucFanoutScenario implements Scenario {

    @Override
    public String name() { return "muc-fanout"; }

    @Override
    public ScenarioResult run(Connector connector, Settings s) throws Exception {
        ScenarioResult result = new ScenarioResult(name());
        Target t = connector.target();
        int m = s.rooms, k = s.occupants;
        String run = Long.toString(System.nanoTime() % 1_000_000_000L, 36);
        SessionGroup g = SessionGroup.open(connector, m * k, s.inFlight, i -> ClientSpec.anonymous(s.transport, t));
        try {
            String problem = g.await(120 + m * k / 20);
            if (problem != null) return result.note("muc-fanout: " + problem);
            if (g.failedCount() > 0) return result.note("muc-fanout needs every session: " + g.summary());
            XmppClientHandler[] c = g.clients();
            String[] rooms = new String[m];
            for (int r = 0; r < m; r++) {
                rooms[r] = MucRooms.roomJid("fan-" + run + "-" + r, t);
                problem = MucRooms.create(g, c[r * k], rooms[r], "o0");
                if (problem != null) return result.note("muc-fanout: creating " + rooms[r] + ": " + problem);
            }
            problem = MucRooms.joinRest(g, c, rooms, k, s.inFlight);
            if (problem != null) return result.note("muc-fanout: " + problem);
            g.awaitQuiet(500, 30_000);

            Fanout f = new Fanout(c, rooms, k);
            g.sink(f);
            ServerProbe probe = new ServerProbe(t.pid());

            // Capacity: closed loop.
            f.closedLoop = true;
            for (int r = 0; r < m; r++) for (int w = 0; w < s.window; w++) f.send(r);
            Thread.sleep((long) (s.fanoutWarmupSeconds * 1000));
            int n = Math.max(1, s.fanoutRounds);
            double[] rate = new double[n], p50 = new double[n], p99 = new double[n], perCpu = new double[n];
            for (int i = 0; i < n; i++) {
                f.reset();
                double cpu0 = probe.cpuSeconds(), client0 = ServerProbe.clientCpuSeconds();
                long t0 = System.nanoTime();
                Thread.sleep((long) (s.fanoutRoundSeconds * 1000));
                long delivered = f.delivered.sumThenReset();
                double sec = (System.nanoTime() - t0) / 1e9;
                double cpu = probe.cpuSeconds() - cpu0, clientCpu = ServerProbe.clientCpuSeconds() - client0;
                Histogram h = f.latency.getIntervalHistogram();
                rate[i] = delivered / sec;
                p50[i] = h.getValueAtPercentile(50) / 1000.0;
                p99[i] = h.getValueAtPercentile(99) / 1000.0;
                perCpu[i] = delivered / cpu;
                System.out.printf("  capacity round %d: %,.0f delivered/s (%,.0f messages/s), latency p50 %.2f ms, p99 %.2f ms, max %.1f ms; %,.0f deliveries per server CPU second; CPU: server %.0f%%, client %.0f%% of a core%n",
                        i + 1, rate[i], rate[i] / k, p50[i], p99[i], h.getMaxValue() / 1000.0, perCpu[i], cpu / sec * 100, clientCpu / sec * 100);
            }
            f.closedLoop = false;
            g.awaitQuiet(500, 30_000);
            String label = m + "x" + k + ", window " + s.window;
            result.add(Metric.of("fanout.rate", "MUC fan-out delivered/s, closed loop (" + label + ")", "/s", true, rate));
            result.add(Metric.of("fanout.p50", "  latency p50 at capacity", "ms", false, p50));
            result.add(Metric.of("fanout.p99", "  latency p99 at capacity", "ms", false, p99));
            result.add(Metric.of("fanout.cpu", "  deliveries per server CPU second", "/s", true, perCpu));

            double fixedRate = s.fanoutRate;
            if (fixedRate < 0) {
                if (s.resolvedFanoutRate <= 0) s.resolvedFanoutRate = Math.max(1, Math.round(Metric.of("", "", "", true, rate).value() / k / 2));
                fixedRate = s.resolvedFanoutRate;
            }
            if (fixedRate > 0) {
                f.reset();
                f.latency.reset();
                f.delivered.reset();
                long sent = f.paced(fixedRate, s.fanoutRateSeconds);
                g.awaitQuiet(1000, 30_000);
                Histogram h = f.latency.getIntervalHistogram();
                long delivered = f.delivered.sum();
                double lost = sent == 0 ? 0 : 1 - delivered / (double) (sent * k);
                System.out.printf("  fixed rate %.0f messages/s: %,d sent, %,d delivered (%.2f%% missing), latency p50 %.2f ms, p99 %.2f ms, max %.1f ms%n",
                        fixedRate, sent, delivered, lost * 100, h.getValueAtPercentile(50) / 1000.0,
                        h.getValueAtPercentile(99) / 1000.0, h.getMaxValue() / 1000.0);
                String at = Metric.format(fixedRate) + " msg/s = " + Metric.format(fixedRate * k) + " deliveries/s";
                result.add(Metric.of("fanout.fixed.p50", "latency p50 at a fixed " + at, "ms", false, h.getValueAtPercentile(50) / 1000.0));
                result.add(Metric.of("fanout.fixed.p99", "  latency p99 at that fixed rate", "ms", false, h.getValueAtPercentile(99) / 1000.0));
                result.add(Metric.of("fanout.fixed.lost", "  deliveries missing at that rate", "%", false, lost * 100));
            }
            return result;
        } finally {
            g.closeAll();
        }
    }

    /** The fan-out traffic: senders, counters, the latency recorder. */
    private static final class Fanout implements SessionGroup.Sink {
        private final XmppClientHandler[] clients;
        private final String[] rooms;
        private final int k;
        final LongAdder delivered = new LongAdder();
        final Recorder latency = new Recorder(3);
        private final AtomicLong ids = new AtomicLong();
        volatile boolean closedLoop;

        Fanout(XmppClientHandler[] clients, String[] rooms, int k) {
            this.clients = clients;
            this.rooms = rooms;
            this.k = k;
        }

        void reset() {
            delivered.reset();
            latency.reset();
        }

        void send(int room) {
            clients[room * k].send("<message to='" + rooms[room] + "' type='groupchat' id='f" + ids.incrementAndGet()
                    + "'><body>t" + System.nanoTime() + MucRooms.PADDING + "</body></message>");
        }

        /** Sends at {@code rate} messages/s over all rooms, round robin, for {@code seconds}; returns how many. */
        long paced(double rate, double seconds) {
            long interval = (long) (1e9 / rate);
            long t0 = System.nanoTime();
            long end = t0 + (long) (seconds * 1e9);
            long sent = 0;
            for (long next = t0; next < end; next += interval) {
                long wait = next - System.nanoTime();
                if (wait > 0) LockSupport.parkNanos(wait);
                send((int) (sent % rooms.length));
                sent++;
            }
            return sent;
        }

        @Override
        public void stanza(XmppClientHandler client, String xml) {
            long sent = Xml.bodyStamp(xml);
            if (sent < 0) return;
            long now = System.nanoTime();
            delivered.increment();
            latency.recordValue(Math.max(1, (now - sent) / 1000));
            int index = (Integer) client.attachment;
            if (closedLoop && index % k == 0) send(index / k); // the sender's own message came back
        }
    }
}
