package org.parley.xmpp.server;

import io.netty.channel.EventLoopGroup;
import io.netty.util.concurrent.EventExecutor;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.parley.storage.HandoverRecord;
import org.parley.xmpp.session.ClientSession;
import org.parley.xmpp.session.SessionSnapshot;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Client sessions across a restart: the stopping process cuts every connection as a network failure would and
 * writes each resumable session (XEP-0198), and each session whose transport carries it over (BOSH), to the database
 * in one pass; the next process restores them, before it accepts a connection, as sessions waiting for their clients
 * to resume (or, for BOSH, for its BOSH listener to take them up). Nothing of it runs on the normal path.
 */
final class SessionHandover {
    static final String KIND = "session";
    private static final Logger log = LoggerFactory.getLogger(SessionHandover.class);

    private SessionHandover() {}

    /**
     * Cuts every client connection (resumable sessions detach, the others end with {@code system-shutdown}) and lets
     * what that sets off land: from here on what a session is sent waits in its queue. The rooms are written after this
     * and before {@link #handOver}, so that what they send meanwhile reaches a session that is still registered.
     */
    static void cut(ServerContext context, EventLoopGroup loops, Duration timeout) throws Exception {
        for (ClientSession s : context.sessions().all()) s.cutForHandover();
        // Twice through every loop: the cuts ran, and what they set off (closing channels, stanzas from rooms to the
        // sessions now detached) ran too.
        settle(loops, timeout);
        settle(loops, timeout);
    }

    /**
     * Cuts every connection if {@link #cut} has not, lets what is in flight settle, then snapshots the resumable
     * sessions and writes them. Returns how many were written.
     */
    static int handOver(ServerContext context, EventLoopGroup loops, String node, Duration timeout) throws Exception {
        long started = System.nanoTime();
        List<ClientSession> sessions = context.sessions().all();
        // After cut() the cuts do nothing, and the passes through the loops let what the rooms sent while they were
        // written (one task per event loop and room step) land in the detached sessions' queues.
        cut(context, loops, timeout);
        long now = System.currentTimeMillis();
        List<CompletableFuture<SessionSnapshot>> pending = new ArrayList<>(sessions.size());
        for (ClientSession s : sessions) {
            CompletableFuture<SessionSnapshot> f = new CompletableFuture<>();
            s.executor().execute(() -> {
                try {
                    f.complete(s.handOver(now));
                } catch (RuntimeException e) {
                    f.completeExceptionally(e);
                }
            });
            pending.add(f);
        }
        List<HandoverRecord> records = new ArrayList<>(pending.size());
        for (CompletableFuture<SessionSnapshot> f : pending) {
            try {
                SessionSnapshot s = f.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
                if (s != null) records.add(new HandoverRecord(s.key(), SessionSnapshot.FORMAT, s.encode()));
            } catch (java.util.concurrent.ExecutionException e) {
                log.warn("hand-over: a session could not be written", e.getCause());
            }
        }
        context.storage().handover().replace(node, KIND, records).get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        log.info("hand-over: {} resumable sessions written for node {} in {} ms", records.size(), node,
                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started));
        return records.size();
    }

    /** Restores what the previous process of {@code node} handed over; returns how many sessions wait for resumption. */
    static int restore(ServerContext context, EventLoopGroup loops, String node, Duration timeout) throws Exception {
        long started = System.nanoTime();
        List<HandoverRecord> records = context.storage().handover().take(node, KIND).get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        long read = System.nanoTime();
        long now = System.currentTimeMillis();
        // Decoding is most of the work, and the JIT is cold at start: spread over the event loops (every core).
        List<CompletableFuture<ClientSession>> restoring = new ArrayList<>(records.size());
        java.util.concurrent.atomic.AtomicInteger expired = new java.util.concurrent.atomic.AtomicInteger();
        java.util.concurrent.atomic.AtomicInteger unreadable = new java.util.concurrent.atomic.AtomicInteger();
        Iterator<EventExecutor> spread = loops.iterator();
        for (HandoverRecord r : records) {
            if (!spread.hasNext()) spread = loops.iterator();
            EventExecutor loop = spread.next();
            restoring.add(CompletableFuture.supplyAsync(() -> {
                try {
                    return SessionSnapshot.decode(r.format(), r.body());
                } catch (RuntimeException e) {
                    unreadable.incrementAndGet();
                    log.warn("hand-over: session {} not restored: {}", r.key(), e.getMessage());
                    return null;
                }
            }, loop).thenCompose(s -> {
                if (s == null) return CompletableFuture.completedFuture(null);
                if (s.expiresAt() <= now && !s.fromCheckpoint()) {
                    expired.incrementAndGet();
                    return CompletableFuture.completedFuture(null);
                }
                return ClientSession.restore(context, s, loop);
            }));
        }
        int restored = 0;
        for (CompletableFuture<ClientSession> f : restoring) {
            try {
                if (f.get(timeout.toMillis(), TimeUnit.MILLISECONDS) != null) restored++;
            } catch (java.util.concurrent.ExecutionException e) {
                log.warn("hand-over: a session could not be restored", e.getCause());
            }
        }
        if (!records.isEmpty()) {
            log.info("hand-over: {} sessions of node {} wait for their clients ({} expired, {} unreadable) after {} ms ({} ms reading)",
                    restored, node, expired, unreadable, TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started),
                    TimeUnit.NANOSECONDS.toMillis(read - started));
        }
        return restored;
    }

    private static void settle(EventLoopGroup loops, Duration timeout) throws Exception {
        List<CompletableFuture<Void>> passes = new ArrayList<>();
        for (EventExecutor e : loops) {
            CompletableFuture<Void> f = new CompletableFuture<>();
            e.execute(() -> f.complete(null));
            passes.add(f);
        }
        CompletableFuture.allOf(passes.toArray(CompletableFuture[]::new)).get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }
}
