package org.parley.focus.xmpp;

import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A fixed set of single-threaded executors: each conference runs on the one its room JID hashes to, so its steps
 * run one at a time, in order, and its timers fire on the same thread. Nothing here blocks.
 */
public final class Actors implements AutoCloseable {
    private final ScheduledThreadPoolExecutor[] executors;

    public Actors(int threads, String name) {
        int n = threads > 0 ? threads : Runtime.getRuntime().availableProcessors();
        executors = new ScheduledThreadPoolExecutor[n];
        AtomicInteger count = new AtomicInteger();
        for (int i = 0; i < n; i++) {
            ScheduledThreadPoolExecutor e = new ScheduledThreadPoolExecutor(1, r -> {
                Thread t = new Thread(r, name + "-" + count.incrementAndGet());
                t.setDaemon(true);
                return t;
            });
            e.setRemoveOnCancelPolicy(true);
            e.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
            executors[i] = e;
        }
    }

    public ScheduledThreadPoolExecutor forKey(String key) {
        int h = key.hashCode();
        h ^= (h >>> 16);
        return executors[Math.floorMod(h * 0x9E3779B1, executors.length)];
    }

    public int size() { return executors.length; }

    @Override
    public void close() {
        for (ScheduledThreadPoolExecutor e : executors) e.shutdownNow();
        for (ScheduledThreadPoolExecutor e : executors) {
            try {
                e.awaitTermination(2, TimeUnit.SECONDS);
            } catch (InterruptedException ie) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }
}
