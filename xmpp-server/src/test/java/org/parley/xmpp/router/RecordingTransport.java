package org.parley.xmpp.router;

import java.net.InetSocketAddress;
import java.util.concurrent.LinkedBlockingQueue;
import io.netty.util.concurrent.EventExecutor;
import org.parley.xmpp.session.ClientSession;
import java.util.concurrent.TimeUnit;
import org.parley.xmpp.session.Transport;
import org.parley.xmpp.stream.StreamErrorCondition;

/** A transport that keeps what the session sends, for driving sessions without sockets. */
public final class RecordingTransport implements Transport {
    public final LinkedBlockingQueue<String> out = new LinkedBlockingQueue<>();
    private final EventExecutor executor;
    private final int port;
    public volatile boolean closed;
    public volatile StreamErrorCondition error;

    public RecordingTransport(EventExecutor executor, int port) {
        this.executor = executor;
        this.port = port;
    }

    String next() throws InterruptedException {
        String s = out.poll(5, TimeUnit.SECONDS);
        if (s == null) throw new AssertionError("nothing sent within 5 s");
        return s;
    }

    @Override public void openStream(String from, String id, String lang) { out.add("<stream from='" + from + "'>"); }
    @Override public void send(String xml) { out.add(xml); }
    @Override public void fail(StreamErrorCondition condition, String text) { error = condition; closed = true; out.add("<stream-error " + condition.xmlName() + ">"); }
    @Override public void close() { closed = true; out.add("</stream>"); }
    @Override public boolean secure() { return true; }
    @Override public boolean canStartTls() { return false; }
    @Override public void startTls(Runnable onSecured) { throw new AssertionError("no STARTTLS here"); }
    @Override public void restartStream() { }
    @Override public org.parley.xmpp.sasl.ChannelBindings channelBindings() { return org.parley.xmpp.sasl.ChannelBindings.NONE; }
    @Override public InetSocketAddress remoteAddress() { return new InetSocketAddress("127.0.0.1", port); }
    @Override public EventExecutor executor() { return executor; }
    @Override public String defaultNamespace() { return Stanzas.CLIENT_NS; }
    @Override public void attach(ClientSession session) { }
    @Override public void pauseReading(long millis) { }
    @Override public String kind() { return "test"; }
}
