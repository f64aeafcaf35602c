package org.parley.xmpp.s2s;

import io.netty.channel.EventLoop;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.xmpp.packet.PacketError;

/**
 * The receiving server's half of XEP-0220: asks the authoritative server of the originating domain, over a
 * connection of its own (TLS, no authentication), whether a key is right for a stream id, and completes with
 * the answer. Runs on the event loop of the inbound stream that needs it.
 */
final class DialbackVerification implements OutboundStream.Owner {
    private static final Logger log = LoggerFactory.getLogger(DialbackVerification.class);

    /** The verdict: valid or invalid, or an error condition when the authoritative server could not be asked. */
    record Result(boolean valid, PacketError.Condition error) {
        static final Result VALID = new Result(true, null);
        static final Result INVALID = new Result(false, null);
    }

    private final S2s s2s;
    private final EventLoop loop;
    private final String receiving;
    private final String originating;
    private final String streamId;
    private final String key;
    private final CompletableFuture<Result> result = new CompletableFuture<>();
    private OutboundStream stream;
    private ScheduledFuture<?> timeout;

    DialbackVerification(S2s s2s, EventLoop loop, String receiving, String originating, String streamId, String key) {
        this.s2s = s2s;
        this.loop = loop;
        this.receiving = receiving;
        this.originating = originating;
        this.streamId = streamId;
        this.key = key;
    }

    /** Starts asking; the future completes on {@code loop}. */
    CompletableFuture<Result> start() {
        loop.execute(() -> {
            timeout = loop.schedule(() -> finish(new Result(false, PacketError.Condition.remote_server_timeout)),
                    s2s.config().connectTimeout().toMillis(), TimeUnit.MILLISECONDS);
            Connector.connect(s2s, loop, originating,
                    target -> new OutboundStream(s2s, receiving, originating, false, target.directTls(), this),
                    result::isDone,
                    why -> {
                        log.info("dialback: cannot reach the authoritative server of {}: {}", originating, why);
                        finish(new Result(false, PacketError.Condition.remote_server_not_found));
                    },
                    channel -> stream = (OutboundStream) channel.pipeline().get("s2s-out"));
        });
        return result;
    }

    @Override
    public void negotiated(OutboundStream s) {
        stream = s;
        s.send(S2sXml.dialbackRequest("verify", receiving, originating, streamId, key));
    }

    @Override
    public void verifyAnswered(String id, String from, String to, boolean valid) {
        if (!streamId.equals(id) || !originating.equals(from) || !receiving.equals(to)) return;
        finish(valid ? Result.VALID : Result.INVALID);
    }

    @Override
    public void failed(OutboundStream s, PacketError.Condition condition, String why) {
        log.info("dialback: asking the authoritative server of {} failed: {}", originating, why);
        finish(new Result(false, condition));
    }

    @Override
    public void closed(OutboundStream s) {
        finish(new Result(false, PacketError.Condition.remote_server_not_found));
    }

    private void finish(Result r) {
        if (result.isDone()) return;
        if (timeout != null) timeout.cancel(false);
        result.complete(r);
        if (stream != null) stream.close();
    }
}
