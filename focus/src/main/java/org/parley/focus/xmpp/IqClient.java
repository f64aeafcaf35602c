package org.parley.focus.xmpp;

import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import org.xmpp.component.IQResultListener;
import org.xmpp.packet.IQ;

/**
 * IQ requests with the focus's own timeouts and retries. The outcome is delivered on the caller's executor (a
 * conference's actor), exactly once: the answer, or a timeout after the last attempt. Late answers are dropped.
 */
public final class IqClient {
    private final XmppLink link;

    public IqClient(XmppLink link) {
        this.link = link;
    }

    public XmppLink link() { return link; }

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
        iq.setID(shortId());
        AtomicBoolean settled = new AtomicBoolean();
        var timer = actor.schedule(() -> {
            if (!settled.compareAndSet(false, true)) return;
            if (retriesLeft > 0) attempt(template, timeout, retriesLeft - 1, attempt + 1, actor, done);
            else done.accept(new Outcome(null, attempt));
        }, timeout.toMillis(), TimeUnit.MILLISECONDS);
        link.query(iq, new IQResultListener() {
            @Override
            public void receivedAnswer(IQ answer) {
                if (!settled.compareAndSet(false, true)) return;
                timer.cancel(false);
                try {
                    actor.execute(() -> done.accept(new Outcome(answer, attempt)));
                } catch (java.util.concurrent.RejectedExecutionException stopped) {
                    // the focus is stopping
                }
            }

            @Override
            public void answerTimeout(String packetId) {
                // our own timer decides
            }
        });
    }

    /** Sends a stanza without waiting for anything. */
    public void send(org.xmpp.packet.Packet p) {
        link.send(p);
    }

    private static String shortId() {
        String u = UUID.randomUUID().toString();
        return "f" + u.substring(0, 8) + u.substring(9, 13);
    }
}
