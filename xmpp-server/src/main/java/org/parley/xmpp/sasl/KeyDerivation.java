package org.parley.xmpp.sasl;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * Where password key derivation runs (PBKDF2 for registrations, password changes and PLAIN logins: thousands of
 * HMACs each): a few threads of their own with a bounded queue, off the event loops and the storage threads. Not
 * the common ForkJoinPool: on a machine with fewer than three cores CompletableFuture replaces it with a new
 * thread per task, so a burst of registrations became a burst of threads.
 */
public final class KeyDerivation implements Executor, AutoCloseable {
    private final ThreadPoolExecutor pool;

    public KeyDerivation(int threads, int queueLimit) {
        AtomicInteger n = new AtomicInteger();
        this.pool = new ThreadPoolExecutor(threads, threads, 0, TimeUnit.MILLISECONDS, new LinkedBlockingQueue<>(queueLimit), r -> {
            Thread t = new Thread(r, "parley-kdf-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        }, new ThreadPoolExecutor.AbortPolicy());
    }

    /** Half the cores (at least one), so logins and routing keep the rest; 1,024 derivations may wait. */
    public static KeyDerivation forThisMachine() {
        return new KeyDerivation(Math.max(1, Runtime.getRuntime().availableProcessors() / 2), 1024);
    }

    /** @throws RejectedExecutionException when the queue is full (or closed): the caller answers "try later" */
    @Override
    public void execute(Runnable task) {
        pool.execute(task);
    }

    /** Runs {@code work} here; a full queue gives a future failed with {@link RejectedExecutionException}. */
    public <T> CompletableFuture<T> supply(Supplier<T> work) {
        try {
            return CompletableFuture.supplyAsync(work, this);
        } catch (RejectedExecutionException busy) {
            return CompletableFuture.failedFuture(busy);
        }
    }

    @Override
    public void close() {
        pool.shutdownNow();
    }
}
