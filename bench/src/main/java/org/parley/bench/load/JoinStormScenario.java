package org.parley.bench.load;

import java.util.BitSet;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Join storm: {@code --joiners} K logged-in anonymous clients send their join presence (Jitsi-sized) to one fresh
 * room at the same moment; measured until every one of them has the presence of every occupant (K + 1 with the
 * occupant that created the room and configured it as an instant room beforehand). {@code --storm-rounds} rounds,
 * each in a new room with the same clients, after they left the previous one; no further round starts once
 * {@code --storm-budget-seconds} have passed (a server that needs a minute per storm is measured once).
 */
final class JoinStormScenario implements Scenario {
    private static final long TIMEOUT_S = 180;

    @Override
    public String name() { return "join-storm"; }

    @Override
    public ScenarioResult run(Connector connector, Settings s) throws Exception {
        ScenarioResult result = new ScenarioResult(name());
        Target t = connector.target();
        int k = s.joiners;
        String run = Long.toString(System.nanoTime() % 1_000_000_000L, 36);
        SessionGroup g = SessionGroup.open(connector, k + 1, s.inFlight, i -> ClientSpec.anonymous(s.transport, t));
        try {
            String problem = g.await(120 + k / 20);
            if (problem != null) return result.note("join-storm: " + problem);
            if (g.failedCount() > 0) return result.note("join-storm needs every session: " + g.summary());
            XmppClientHandler[] c = g.clients();
            XmppClientHandler creator = c[k];
            int n = Math.max(1, s.stormRounds);
            double[] all = new double[n], half = new double[n], rate = new double[n], perCpu = new double[n];
            ServerProbe probe = new ServerProbe(t.pid());
            long budgetEnd = System.nanoTime() + (long) (s.stormBudgetSeconds * 1e9);
            int rounds = 0;
            for (int round = 0; round < n; round++) {
                if (round > 0 && System.nanoTime() > budgetEnd) {
                    result.note("join-storm: " + round + " round(s) only, the rest would exceed --storm-budget-seconds");
                    break;
                }
                rounds++;
                String room = MucRooms.roomJid("storm-" + run + "-" + round, t);
                problem = MucRooms.create(g, creator, room, "creator");
                if (problem != null) return result.note("join-storm: creating " + room + ": " + problem);
                g.awaitQuiet(300, 10_000);
                Storm storm = new Storm(room, k);
                g.sink(storm);
                double cpu0 = probe.cpuSeconds(), client0 = ServerProbe.clientCpuSeconds();
                storm.start = System.nanoTime();
                for (int i = 0; i < k; i++) c[i].send(MucRooms.join(room, "j" + i));
                boolean done = storm.finished.await(TIMEOUT_S, TimeUnit.SECONDS);
                double cpu = probe.cpuSeconds() - cpu0, clientCpu = ServerProbe.clientCpuSeconds() - client0;
                if (!done) {
                    return result.note(String.format("join-storm: after %d s only %d of %d joiners had all %d occupants",
                            TIMEOUT_S, k - storm.finished.getCount(), k, k + 1));
                }
                all[round] = (storm.last.get() - storm.start) / 1e6;
                half[round] = (storm.halfway - storm.start) / 1e6;
                long presences = (long) k * (k + 1);
                rate[round] = presences / (all[round] / 1000);
                perCpu[round] = presences / cpu;
                System.out.printf("  round %d: %d joiners have all %d occupants after %.0f ms (half of them after %.0f ms); %,.0f presences/s, %,.0f per server CPU second; CPU: server %.2f s, client %.2f s%n",
                        round + 1, k, k + 1, all[round], half[round], rate[round], perCpu[round], cpu, clientCpu);
                // Everyone leaves again before the next round (the creator too, so the room goes away).
                g.sink((cl, x) -> {});
                for (int i = 0; i < k; i++) c[i].send("<presence type='unavailable' to='" + room + "/j" + i + "'/>");
                creator.send("<presence type='unavailable' to='" + room + "/creator'/>");
                g.awaitQuiet(500, 60_000);
            }
            if (rounds < n) {
                all = java.util.Arrays.copyOf(all, rounds);
                half = java.util.Arrays.copyOf(half, rounds);
                rate = java.util.Arrays.copyOf(rate, rounds);
                perCpu = java.util.Arrays.copyOf(perCpu, rounds);
            }
            String label = "join storm of " + k + ": time until all have the full occupant list";
            result.add(Metric.of("storm.time", label, "ms", false, all));
            result.add(Metric.of("storm.half", "  time until half of them have it", "ms", false, half));
            result.add(Metric.of("storm.rate", "  presences delivered/s during the storm", "/s", true, rate));
            result.add(Metric.of("storm.cpu", "  presences per server CPU second", "/s", true, perCpu));
            return result;
        } finally {
            g.closeAll();
        }
    }

    /** Counts, per joiner, the distinct occupants whose presence it has from the room. */
    private static final class Storm implements SessionGroup.Sink {
        private final String prefix;
        private final int k;
        private final BitSet[] seen;
        private final int[] counts;
        final CountDownLatch finished;
        final AtomicLong last = new AtomicLong();
        private final java.util.concurrent.atomic.AtomicInteger done = new java.util.concurrent.atomic.AtomicInteger();
        volatile long start;
        volatile long halfway;

        Storm(String room, int k) {
            this.prefix = room + "/";
            this.k = k;
            this.seen = new BitSet[k];
            this.counts = new int[k];
            for (int i = 0; i < k; i++) seen[i] = new BitSet(k + 1);
            this.finished = new CountDownLatch(k);
        }

        @Override
        public void stanza(XmppClientHandler client, String xml) {
            if (!xml.startsWith("<presence")) return;
            int index = (Integer) client.attachment;
            if (index >= k) return; // the creator
            String from = Xml.attr(xml, "from");
            if (from == null || !from.startsWith(prefix) || Xml.attr(xml, "type") != null) return;
            String nick = from.substring(prefix.length());
            int who = nick.equals("creator") ? k : nick.startsWith("j") ? parse(nick) : -1;
            if (who < 0) return;
            // One joiner's presences all arrive on its own event loop thread: no lock needed per joiner.
            BitSet b = seen[index];
            if (b.get(who)) return;
            b.set(who);
            if (++counts[index] == k + 1) {
                long now = System.nanoTime();
                last.accumulateAndGet(now, Math::max);
                if (done.incrementAndGet() == (k + 1) / 2) halfway = now;
                finished.countDown();
            }
        }

        private static int parse(String nick) {
            try {
                return Integer.parseInt(nick.substring(1));
            } catch (NumberFormatException e) {
                return -1;
            }
        }
    }
}
