package org.parley.bench.load;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.IntFunction;
import org.HdrHistogram.Recorder;

/**
 * N client sessions opened together, at most {@code inFlight} negotiating at once, kept open until
 * {@link #closeAll}. Stanzas that arrive once they are ready go to the current {@link Sink}; session i's
 * {@link XmppClientHandler#attachment} is its index until a scenario replaces it.
 */
final class SessionGroup implements XmppClientHandler.Listener {
    /** Receives every stanza of every session of the group. */
    interface Sink {
        void stanza(XmppClientHandler client, String xml);
    }

    private final int size;
    private final XmppClientHandler[] clients;
    private final Semaphore permits;
    private final CountDownLatch finished;
    private final AtomicInteger ready = new AtomicInteger();
    private final AtomicInteger failed = new AtomicInteger();
    private final AtomicReference<String> firstFailure = new AtomicReference<>();
    /** Login times in microseconds. */
    final Recorder loginMicros = new Recorder(3);
    private volatile Sink sink = (c, x) -> {};
    private volatile long lastStanzaNanos = System.nanoTime();
    private final AtomicInteger closedAfterReady = new AtomicInteger();
    private long openedNanos;

    private SessionGroup(int n, int inFlight) {
        size = n;
        clients = new XmppClientHandler[n];
        permits = new Semaphore(inFlight);
        finished = new CountDownLatch(n);
    }

    /** Opens n sessions from the calling thread (returns once the last one has started). */
    static SessionGroup open(Connector connector, int n, int inFlight, IntFunction<ClientSpec> spec) throws InterruptedException {
        SessionGroup g = new SessionGroup(n, inFlight);
        long t0 = System.nanoTime();
        for (int i = 0; i < n; i++) {
            g.permits.acquire();
            XmppClientHandler c = connector.connect(spec.apply(i), g);
            c.attachment = i;
            g.clients[i] = c;
        }
        g.openedNanos = System.nanoTime() - t0;
        return g;
    }

    /**
     * Waits until every session is ready or failed; null when at most 1% failed, else why not. Gives up once more
     * than 1% failed or after {@code timeoutS}.
     */
    String await(long timeoutS) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(timeoutS);
        long t0 = System.nanoTime();
        while (!finished.await(200, TimeUnit.MILLISECONDS)) {
            if (failed.get() * 100L > size) return "more than 1% of " + size + " sessions failed: " + summary();
            if (System.nanoTime() > deadline) return "not all ready within " + timeoutS + " s: " + summary();
        }
        openedNanos = Math.max(openedNanos, System.nanoTime() - t0);
        if (failed.get() * 100L > size) return "more than 1% of " + size + " sessions failed: " + summary();
        return null;
    }

    String summary() {
        return ready.get() + " ready, " + failed.get() + " failed" + (firstFailure.get() == null ? "" : " (first: " + firstFailure.get() + ")");
    }

    int readyCount() { return ready.get(); }

    int failedCount() { return failed.get(); }

    String firstFailure() { return firstFailure.get(); }

    int closedAfterReady() { return closedAfterReady.get(); }

    /** The sessions that are ready, by index (null where one failed). */
    XmppClientHandler[] clients() { return clients; }

    List<XmppClientHandler> readyClients() {
        List<XmppClientHandler> r = new ArrayList<>(size);
        for (XmppClientHandler c : clients) if (c != null && c.isReady()) r.add(c);
        return r;
    }

    void sink(Sink s) { sink = s; }

    /** Waits until no stanza arrived for {@code quietMs} (at most {@code maxMs}). */
    void awaitQuiet(long quietMs, long maxMs) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(maxMs);
        while (System.nanoTime() < deadline) {
            if (System.nanoTime() - lastStanzaNanos > TimeUnit.MILLISECONDS.toNanos(quietMs)) return;
            Thread.sleep(Math.max(10, quietMs / 5));
        }
    }

    void closeAll() {
        for (XmppClientHandler c : clients) if (c != null) c.close();
        for (XmppClientHandler c : clients) {
            if (c != null && c.channel() != null) c.channel().closeFuture().awaitUninterruptibly(10, TimeUnit.SECONDS);
        }
    }

    @Override
    public void ready(XmppClientHandler client) {
        loginMicros.recordValue(Math.max(1, client.loginNanos() / 1000));
        ready.incrementAndGet();
        permits.release();
        finished.countDown();
    }

    @Override
    public void failed(XmppClientHandler client, String why) {
        firstFailure.compareAndSet(null, why);
        failed.incrementAndGet();
        permits.release();
        finished.countDown();
    }

    @Override
    public void stanza(XmppClientHandler client, String xml) {
        lastStanzaNanos = System.nanoTime();
        sink.stanza(client, xml);
    }

    @Override
    public void closed(XmppClientHandler client) {
        closedAfterReady.incrementAndGet();
    }
}
