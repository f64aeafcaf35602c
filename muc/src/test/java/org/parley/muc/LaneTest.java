package org.parley.muc;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.util.concurrent.DefaultEventExecutor;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.parley.xmpp.session.SharedStanza;
import org.xmpp.packet.JID;
import org.xmpp.packet.Message;
import org.xmpp.packet.Packet;

/** Steps queued behind each other share a flush; a lone step flushes at once; order is kept. */
class LaneTest {
    static final class Counting implements Outbox {
        final List<String> pending = new ArrayList<>();
        final List<List<String>> flushes = new ArrayList<>();

        @Override public void shared(JID to, SharedStanza s) { pending.add(to.toString()); }
        @Override public void packet(Packet p) { pending.add(p.getTo().toString()); }
        @Override public void flush() {
            if (!pending.isEmpty()) flushes.add(List.copyOf(pending));
            pending.clear();
        }
    }

    @Test
    void queuedStepsShareFlushesAndKeepTheirOrder() throws Exception {
        DefaultEventExecutor executor = new DefaultEventExecutor();
        try {
            Counting out = new Counting();
            Lane lane = new Lane(executor, out);
            CountDownLatch gate = new CountDownLatch(1);
            executor.execute(() -> {
                try {
                    gate.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
            for (int i = 0; i < 100; i++) {
                int n = i;
                lane.execute(() -> {
                    Message m = new Message();
                    m.setTo("u" + n + "@localhost/r");
                    lane.outbox().packet(m);
                    lane.stepDone();
                });
            }
            gate.countDown();
            executor.submit(() -> { }).get(5, TimeUnit.SECONDS);
            executor.submit(() -> { }).get(5, TimeUnit.SECONDS);
            List<String> all = new ArrayList<>();
            out.flushes.forEach(all::addAll);
            assertThat(all).hasSize(100);
            for (int i = 0; i < 100; i++) assertThat(all.get(i)).isEqualTo("u" + i + "@localhost/r");
            assertThat(out.flushes.size()).isBetween(100 / Lane.MAX_STEPS_PER_FLUSH, 10);
            assertThat(out.flushes).allMatch(f -> f.size() <= Lane.MAX_STEPS_PER_FLUSH);

            // Alone on the thread, a step goes out at once.
            out.flushes.clear();
            executor.submit(() -> {
                Message m = new Message();
                m.setTo("alone@localhost/r");
                lane.outbox().packet(m);
                lane.stepDone();
                assertThat(out.flushes).hasSize(1);
            }).get(5, TimeUnit.SECONDS);
        } finally {
            executor.shutdownGracefully(0, 1, TimeUnit.SECONDS);
        }
    }
}
