package org.parley.xmpp.s2s;

import io.netty.channel.EventLoop;
import java.util.ArrayDeque;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.parley.xmpp.router.Stanzas;
import org.parley.xmpp.xml.XmlWriter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.xmpp.packet.Packet;
import org.xmpp.packet.PacketError;

/**
 * Stanzas from one local domain to one remote domain. While the connection comes up they wait in a bounded
 * queue; once authenticated they are flushed and later ones written straight through. When the link cannot be
 * made the queue bounces ({@code remote-server-not-found}, or {@code remote-server-timeout} when it took longer
 * than the connect timeout). Everything runs on one event loop; {@link #offer} may be called from any thread.
 */
final class OutboundLink implements OutboundStream.Owner {
    private static final Logger log = LoggerFactory.getLogger(OutboundLink.class);

    enum State { CONNECTING, READY, CLOSED }

    private record Queued(Packet packet, String xml) {}

    private final S2s s2s;
    private final S2s.Pair pair;
    private final EventLoop loop;
    private final ArrayDeque<Queued> queue = new ArrayDeque<>();
    private State state = State.CONNECTING;
    private OutboundStream stream;
    private ScheduledFuture<?> timeout;
    /** Why the link failed; null when it closed normally. */
    private PacketError.Condition failure;
    private volatile String method = "none";

    OutboundLink(S2s s2s, S2s.Pair pair, EventLoop loop) {
        this.s2s = s2s;
        this.pair = pair;
        this.loop = loop;
    }

    S2s.Pair pair() { return pair; }

    /** How this server authenticated on the link, once it is up. */
    String method() { return method; }

    void start() {
        loop.execute(() -> {
            timeout = loop.schedule(() -> fail(PacketError.Condition.remote_server_timeout, "not up within the connect timeout"),
                    s2s.config().connectTimeout().toMillis(), TimeUnit.MILLISECONDS);
            Connector.connect(s2s, loop, pair.remote(),
                    target -> new OutboundStream(s2s, pair.local(), pair.remote(), true, target.directTls(), this),
                    () -> state == State.CLOSED,
                    why -> fail(PacketError.Condition.remote_server_not_found, why),
                    channel -> stream = (OutboundStream) channel.pipeline().get("s2s-out"));
        });
    }

    /** Sends or queues {@code p}, serialized now so later changes to the packet do not matter. */
    void offer(Packet p) {
        // Unqualified (jabber:client) stanzas take the stream's jabber:server default namespace.
        String xml = XmlWriter.toXml(p.getElement(), Stanzas.CLIENT_NS);
        loop.execute(() -> offerNow(p, xml));
    }

    private void offerNow(Packet p, String xml) {
        switch (state) {
            case READY -> {
                if (!stream.closing()) {
                    stream.send(xml);
                } else {
                    // Closing for idleness or by the peer: this stanza goes over a new link.
                    closedNow();
                    s2s.route(p);
                }
            }
            case CONNECTING -> {
                if (queue.size() >= s2s.config().maxQueuedStanzas()) {
                    s2s.server().router().bounce(p, PacketError.Condition.resource_constraint);
                } else {
                    queue.add(new Queued(p, xml));
                }
            }
            case CLOSED -> {
                // The link went away between lookup and now: a failed one answers as it failed, a closed one
                // (idle, or closed by the peer) is simply made again.
                if (failure != null) s2s.server().router().bounce(p, failure);
                else s2s.route(p);
            }
        }
    }

    @Override
    public void negotiated(OutboundStream s) {
        if (state != State.CONNECTING) {
            s.close();
            return;
        }
        stream = s;
        state = State.READY;
        method = s.method();
        if (timeout != null) timeout.cancel(false);
        log.info("s2s link {} -> {} up ({}, {})", pair.local(), pair.remote(), s.method(), s.directTls() ? "direct TLS" : "STARTTLS");
        Queued q;
        while ((q = queue.poll()) != null) s.send(q.xml());
    }

    @Override
    public void failed(OutboundStream s, PacketError.Condition condition, String why) {
        fail(condition, why);
    }

    private void closedNow() {
        state = State.CLOSED;
        s2s.linkClosed(this);
        log.info("s2s link {} -> {} closed", pair.local(), pair.remote());
    }

    @Override
    public void closed(OutboundStream s) {
        if (state == State.READY && s == stream) {
            closedNow();
        } else if (state == State.CONNECTING && s == stream) {
            fail(PacketError.Condition.remote_server_not_found, "connection closed during negotiation");
        }
    }

    private void fail(PacketError.Condition condition, String why) {
        if (state == State.CLOSED) return;
        boolean wasReady = state == State.READY;
        state = State.CLOSED;
        failure = wasReady ? null : condition;
        if (timeout != null) timeout.cancel(false);
        s2s.linkClosed(this);
        if (!wasReady) log.info("s2s link {} -> {} failed: {}; {} stanza(s) bounce with {}", pair.local(), pair.remote(), why,
                queue.size(), condition.toXMPP());
        Queued q;
        while ((q = queue.poll()) != null) s2s.server().router().bounce(q.packet(), condition);
        if (stream != null) stream.close();
    }

    /** Shutdown: closes the stream; anything still queued bounces. */
    void shutdown() {
        loop.execute(() -> fail(PacketError.Condition.remote_server_not_found, "server shutting down"));
    }
}
