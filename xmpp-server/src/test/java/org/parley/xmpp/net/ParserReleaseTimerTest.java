package org.parley.xmpp.net;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class ParserReleaseTimerTest {
    private final AtomicInteger releases = new AtomicInteger();
    private final ParserReleaseTimer timer = new ParserReleaseTimer(releases::incrementAndGet);
    private final EmbeddedChannel channel = new EmbeddedChannel(new ChannelInboundHandlerAdapter() {
        @Override
        public void channelReadComplete(ChannelHandlerContext ctx) {
            timer.read(ctx);
        }
    });

    private void read() {
        channel.writeInbound("x");
        channel.readInbound();
    }

    private void after(long millis) throws InterruptedException {
        Thread.sleep(millis);
        channel.runScheduledPendingTasks();
    }

    @Test
    void releasesOnlyAfterASecondWithoutInputThenKeepsNoTimer() throws Exception {
        read();
        after(600);
        read(); // re-arms from this read, without a second timer
        after(600); // the first check: 1.2 s since the first read, 0.6 s since the last
        assertThat(releases).hasValue(0);
        after(600);
        assertThat(releases).hasValue(1);
        after(1100); // quiet, nothing read: no timer left to release again
        assertThat(releases).hasValue(1);
        read();
        after(1100);
        assertThat(releases).hasValue(2);
    }
}
