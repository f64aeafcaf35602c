package org.parley.focus.xmpp;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.xmpp.packet.IQ;
import org.xmpp.packet.JID;
import org.xmpp.packet.Packet;

/**
 * IQ requests with the focus's own timeouts and retries. The focus matches answers itself ({@link #answer}, called by
 * its components for every IQ result and error they receive): an answer counts only when its id is pending and it
 * comes from the address the request went to. The outcome is delivered on the caller's executor (a conference's
 * actor), exactly once: the answer, or a timeout after the last attempt; late answers are dropped. No timer outlives
 * its request.
 */
public final class IqClient {
    private final XmppLink link;
    private final Map<String, Pending> pending = new ConcurrentHashMap<>();
    private final String idPrefix = "f" + Long.toString(System.nanoTime() & 0xFFFFFF, 36) + "-";
    private final AtomicLong ids = new AtomicLong();

    private static final class Pending {
        final JID peer;
        final Consumer<IQ> onAnswer;
        volatile ScheduledFuture<?> timer;

        Pending(JID peer, Consumer<IQ> onAnswer) {
            this.peer = peer;
            this.onAnswer = onAnswer;
        }
    }

    public IqClient(XmppLink link) {
        this.link = link;
    }

    /** The answer ({@code null} after a timeout) and how many attempts were made. */
    public record Outcome(IQ answer, int attempts) {
        public boolean timedOut() { return answer == null; }
        public boolean isError() { return answer != null && answer.getType() == IQ.Type.error; }
        public boolean isResult() { return answer != null && answer.getType() == IQ.Type.result; }
    }

    /**
     * Sends {@code request} (never mutated: each attempt sends a copy with a fresh id), waits {@code timeout} for
     * an answer, repeats up to {@code retries} times, and calls {@code done} on {@code actor}.
     */
    public void request(IQ request, Duration timeout, int retries, ScheduledExecutorService actor, Consumer<Outcome> done) {
        attempt(request, timeout, retries, 1, actor, done);
    }

    private void attempt(IQ template, Duration timeout, int retriesLeft, int attempt, ScheduledExecutorService actor,
                         Consumer<Outcome> done) {
        IQ iq = template.createCopy();
        String id = idPrefix + ids.incrementAndGet();
        iq.setID(id);
        Pending p = new Pending(iq.getTo(), answer -> {
            try {
                actor.execute(() -> done.accept(new Outcome(answer, attempt)));
            } catch (java.util.concurrent.RejectedExecutionException stopped) {
                // the focus is stopping
            }
        });
        pending.put(id, p);
        try {
            p.timer = actor.schedule(() -> {
                if (!pending.remove(id, p)) return;
                if (retriesLeft > 0) attempt(template, timeout, retriesLeft - 1, attempt + 1, actor, done);
                else done.accept(new Outcome(null, attempt));
            }, timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.RejectedExecutionException stopped) {
            pending.remove(id, p);
            return;
        }
        link.send(iq);
    }

    /**
     * Takes an IQ result or error addressed to the focus: true when it answers a pending request (which then
     * completes), false when it is unknown, late, or from the wrong address.
     */
    public boolean answer(IQ iq) {
        if (iq.getType() != IQ.Type.result && iq.getType() != IQ.Type.error || iq.getID() == null) return false;
        Pending p = pending.get(iq.getID());
        if (p == null || p.peer != null && iq.getFrom() != null && !p.peer.equals(iq.getFrom())) return false;
        if (!pending.remove(iq.getID(), p)) return false;
        ScheduledFuture<?> t = p.timer;
        if (t != null) t.cancel(false);
        p.onAnswer.accept(iq);
        return true;
    }

    /** Requests waiting for an answer (for tests and metrics). */
    public int pendingCount() {
        return pending.size();
    }

    /** Sends a stanza without waiting for anything. */
    public void send(Packet p) {
        link.send(p);
    }
}
