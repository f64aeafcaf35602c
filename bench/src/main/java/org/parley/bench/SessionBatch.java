package org.parley.bench;

import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.util.concurrent.GlobalEventExecutor;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;

/**
 * A set of client sessions opened together, at most {@code inFlight} negotiating at once; or, with
 * {@code closeWhenReady}, a closed loop of logins whose handlers close each session (stream close, then the
 * connection) the moment it is ready, going on until {@link #stop}.
 */
final class SessionBatch {
    final int size;
    final boolean closeWhenReady;
    /** Set to end a closed loop: the opener starts no more sessions. */
    volatile boolean stop;
    final Semaphore permits;
    final CountDownLatch finished;
    final AtomicInteger ready = new AtomicInteger();
    final AtomicInteger failed = new AtomicInteger();
    final AtomicReference<String> firstFailure = new AtomicReference<>();
    final ChannelGroup channels = new DefaultChannelGroup(GlobalEventExecutor.INSTANCE);

    SessionBatch(int n, int inFlight) {
        this(n, inFlight, false);
    }

    SessionBatch(int n, int inFlight, boolean closeWhenReady) {
        this.closeWhenReady = closeWhenReady;
        size = n;
        permits = new Semaphore(inFlight);
        finished = new CountDownLatch(n);
    }

    /** A session of the batch is ready: counted once, by its handler. */
    void ready() {
        ready.incrementAndGet();
        permits.release();
        finished.countDown();
    }

    /** A session of the batch failed before it was ready: counted once, by its handler. */
    void failed(String why) {
        firstFailure.compareAndSet(null, why);
        failed.incrementAndGet();
        permits.release();
        finished.countDown();
    }

    int openCount() {
        return channels.size();
    }

    String summary() {
        return ready.get() + " ready, " + failed.get() + " failed, " + finished.getCount() + " pending"
                + (firstFailure.get() == null ? "" : "; first failure: " + firstFailure.get());
    }

    /**
     * Waits for every session to be ready or failed; null when they all got there with at most 1% failed, else
     * why not. Gives up early once more than 1% failed or {@code serverAlive} turns false.
     */
    String await(long timeoutS, BooleanSupplier serverAlive) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(timeoutS);
        while (!finished.await(1, TimeUnit.SECONDS)) {
            if (failed.get() * 100L > size) {
                return String.format("more than 1%% of %,d sessions failed, stopped early: %s", size, summary());
            }
            if (!serverAlive.getAsBoolean()) return "the server is gone: " + summary();
            if (System.nanoTime() > deadline) return "not finished within " + timeoutS + " s: " + summary();
        }
        if (failed.get() * 100L > size) return String.format("more than 1%% of %,d sessions failed: %s", size, summary());
        return null;
    }

    void closeAll() {
        channels.close().awaitUninterruptibly(30, TimeUnit.SECONDS);
    }
}
