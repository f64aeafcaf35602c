package org.parley.muc;

import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.SingleThreadEventExecutor;
import java.util.concurrent.RejectedExecutionException;

/**
 * One room thread and the output its steps accumulate. A step's output is flushed at once when nothing else waits
 * on the thread; under load, consecutive steps share one flush (after at most {@value #MAX_STEPS_PER_FLUSH} steps,
 * or when the steps queued so far have run), so a recipient of many rooms' or many joiners' stanzas gets them in one
 * hand-over to its event loop, which then writes them as one TLS record and one system call.
 */
final class Lane {
    static final int MAX_STEPS_PER_FLUSH = 32;
    private final EventExecutor executor;
    private final Outbox outbox;
    private boolean flushScheduled;
    private int steps;

    Lane(EventExecutor executor, Outbox outbox) {
        this.executor = executor;
        this.outbox = outbox;
    }

    void execute(Runnable task) {
        executor.execute(task);
    }

    /** The output of the step running now; only touched on this lane's thread. */
    Outbox outbox() {
        return outbox;
    }

    /** Ends a step: flush now, or once the steps already queued behind it have run. */
    void stepDone() {
        steps++;
        if (steps >= MAX_STEPS_PER_FLUSH || pendingTasks() == 0) {
            flush();
        } else if (!flushScheduled) {
            flushScheduled = true;
            try {
                executor.execute(this::flush);
            } catch (RejectedExecutionException stopping) {
                flush();
            }
        }
    }

    void flush() {
        flushScheduled = false;
        steps = 0;
        outbox.flush();
    }

    private int pendingTasks() {
        return executor instanceof SingleThreadEventExecutor s ? s.pendingTasks() : 0;
    }
}
