package org.parley.xmpp.net;

import io.netty.channel.ChannelHandlerContext;
import java.util.concurrent.TimeUnit;

/**
 * Drops a connection's XML parser ({@link org.parley.xmpp.xml.XmlFramer#release()}) once its input has been quiet
 * for a second, so that an idle connection holds neither a parser (its buffers and name table, a few KiB) nor a
 * timer. At most one timer per connection while it reads: the timer re-arms itself from the last read instead of
 * being scheduled on every read. Event loop only.
 */
public final class ParserReleaseTimer {
    /** Input silence after which the parser is dropped. */
    static final long QUIET_NANOS = TimeUnit.SECONDS.toNanos(1);

    private final Runnable release;
    private final Runnable check = this::releaseIfQuiet;
    private ChannelHandlerContext ctx;
    private long lastReadNanos;
    private boolean scheduled;

    /** @param release drops the parser; it may decline (mid-stanza), the next quiet second tries again */
    public ParserReleaseTimer(Runnable release) {
        this.release = release;
    }

    /** Input was read ({@code channelReadComplete}). */
    public void read(ChannelHandlerContext ctx) {
        this.ctx = ctx;
        lastReadNanos = System.nanoTime();
        if (!scheduled) {
            scheduled = true;
            ctx.executor().schedule(check, QUIET_NANOS, TimeUnit.NANOSECONDS);
        }
    }

    private void releaseIfQuiet() {
        long quiet = System.nanoTime() - lastReadNanos;
        if (quiet < QUIET_NANOS && ctx.channel().isActive()) {
            ctx.executor().schedule(check, QUIET_NANOS - quiet, TimeUnit.NANOSECONDS);
            return;
        }
        scheduled = false;
        release.run();
    }
}
