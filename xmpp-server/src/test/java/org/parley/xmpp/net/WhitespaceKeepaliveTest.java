package org.parley.xmpp.net;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.channel.embedded.EmbeddedChannel;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

class WhitespaceKeepaliveTest {
    private static final long PERIOD = TimeUnit.SECONDS.toNanos(30);

    private static int spaces(EmbeddedChannel ch) {
        int n = 0;
        for (ByteBuf b; (b = ch.readOutbound()) != null; b.release()) {
            assertThat(b.toString(java.nio.charset.StandardCharsets.US_ASCII)).isEqualTo(" ");
            n++;
        }
        return n;
    }

    @Test
    void aSpaceOnlyAfterAWholePeriodWithoutWrites() {
        EmbeddedChannel ch = new EmbeddedChannel();
        WhitespaceKeepalive k = new WhitespaceKeepalive(ch, PERIOD, () -> true);
        k.start();
        ch.advanceTimeBy(29, TimeUnit.SECONDS);
        ch.runScheduledPendingTasks();
        assertThat(spaces(ch)).isZero();
        ch.advanceTimeBy(1, TimeUnit.SECONDS);
        ch.runScheduledPendingTasks();
        assertThat(spaces(ch)).isEqualTo(1);

        // Traffic in every period: no space.
        for (int i = 0; i < 3; i++) {
            k.wrote();
            ch.advanceTimeBy(30, TimeUnit.SECONDS);
            ch.runScheduledPendingTasks();
        }
        assertThat(spaces(ch)).isZero();
        // Quiet again: one space per quiet period.
        ch.advanceTimeBy(30, TimeUnit.SECONDS);
        ch.runScheduledPendingTasks();
        ch.advanceTimeBy(30, TimeUnit.SECONDS);
        ch.runScheduledPendingTasks();
        assertThat(spaces(ch)).isEqualTo(2);
        ch.finishAndReleaseAll();
    }

    @Test
    void nothingWhileNotWantedAndNothingAfterTheChannelCloses() {
        EmbeddedChannel ch = new EmbeddedChannel();
        AtomicBoolean wanted = new AtomicBoolean(false);
        WhitespaceKeepalive k = new WhitespaceKeepalive(ch, PERIOD, wanted::get);
        k.start();
        ch.advanceTimeBy(30, TimeUnit.SECONDS);
        ch.runScheduledPendingTasks();
        assertThat(spaces(ch)).isZero();
        wanted.set(true);
        ch.advanceTimeBy(30, TimeUnit.SECONDS);
        ch.runScheduledPendingTasks();
        assertThat(spaces(ch)).isEqualTo(1);
        ch.close();
        ch.advanceTimeBy(60, TimeUnit.SECONDS);
        ch.runScheduledPendingTasks();
        assertThat(spaces(ch)).isZero();
    }
}
