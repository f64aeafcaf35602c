package org.parley.xmpp.session;

import io.netty.util.concurrent.EventExecutor;
import java.net.InetSocketAddress;
import org.parley.xmpp.sasl.ChannelBindings;
import org.parley.xmpp.stream.StreamErrorCondition;

/**
 * The transport of a session restored from a hand-over ({@link SessionSnapshot}) until its client resumes it: there
 * is no connection, so nothing is written; stream management keeps what the session is sent until the resumption
 * replaces this with the client's new connection. For a session whose own transport comes back (BOSH), it keeps
 * what the session writes, serialized as for a framed transport, until that transport takes it
 * ({@link ClientSession#adopt}).
 */
final class DetachedTransport implements Transport {
    private final EventExecutor executor;
    /** What the session wrote meanwhile, or null when stream management alone keeps it. */
    private StringBuilder kept;
    private final int keepAtMost;
    private int keptElements;
    private Runnable overflow = () -> { };

    /** @param keepAtMost how many elements to keep for a transport that comes back; 0 to keep none */
    DetachedTransport(EventExecutor executor, int keepAtMost) {
        this.executor = executor;
        this.keepAtMost = keepAtMost;
        this.kept = keepAtMost > 0 ? new StringBuilder() : null;
    }

    /** Runs (once) when more than {@code keepAtMost} elements wait: the session cannot keep them and ends. */
    void onOverflow(Runnable r) {
        overflow = r;
    }

    /** What the session wrote since it was restored; nothing more is kept afterwards. */
    String takeKept() {
        String s = kept == null ? "" : kept.toString();
        kept = null;
        return s;
    }

    @Override public void openStream(String from, String id, String lang) { }
    @Override public void send(String xml) {
        if (kept == null) return;
        if (++keptElements > keepAtMost) {
            kept = null;
            overflow.run();
            return;
        }
        kept.append(xml);
    }
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
