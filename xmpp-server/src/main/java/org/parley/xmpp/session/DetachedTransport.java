package org.parley.xmpp.session;

import io.netty.util.concurrent.EventExecutor;
import java.net.InetSocketAddress;
import org.parley.xmpp.sasl.ChannelBindings;
import org.parley.xmpp.stream.StreamErrorCondition;

/**
 * The transport of a session restored from a hand-over ({@link SessionSnapshot}) until its client resumes it: there
 * is no connection, so nothing is written; stream management keeps what the session is sent until the resumption
 * replaces this with the client's new connection.
 */
final class DetachedTransport implements Transport {
    private final EventExecutor executor;

    DetachedTransport(EventExecutor executor) {
        this.executor = executor;
    }

    @Override public void openStream(String from, String id, String lang) { }
    @Override public void send(String xml) { }
    @Override public String defaultNamespace() { return ""; }
    @Override public void attach(ClientSession session) { }
    @Override public void fail(StreamErrorCondition condition, String text) { }
    @Override public void close() { }
    @Override public boolean secure() { return true; }
    @Override public boolean canStartTls() { return false; }
    @Override public void startTls(Runnable onSecured) { }
    @Override public void restartStream() { }
    @Override public ChannelBindings channelBindings() { return ChannelBindings.NONE; }
    /** None: the client has not connected to this process yet (the admin API shows no address). */
    @Override public InetSocketAddress remoteAddress() { return null; }
    @Override public EventExecutor executor() { return executor; }
    @Override public void pauseReading(long millis) { }
    @Override public String kind() { return "restored"; }
}
