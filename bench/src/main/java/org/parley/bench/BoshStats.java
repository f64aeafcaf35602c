package org.parley.bench;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import org.HdrHistogram.ConcurrentHistogram;
import org.HdrHistogram.Histogram;

/**
 * What the BOSH sessions of {@link BoshRoundTrip} count, from all client threads. A message belongs to the
 * measurement when it was sent inside the window [{@link #windowStart}, {@link #windowEnd}); its round trip is
 * recorded whenever it arrives.
 */
final class BoshStats {
    /** Round trips in microseconds. */
    final ConcurrentHistogram latencyMicros = new ConcurrentHistogram(TimeUnit.MINUTES.toMicros(10), 3);
    final LongAdder sent = new LongAdder();
    final LongAdder received = new LongAdder();
    /** Messages sent outside the window, or unparseable, that arrived anyway. */
    final LongAdder receivedOther = new LongAdder();
    final LongAdder requests = new LongAdder();
    final LongAdder emptyAnswers = new LongAdder();
    final LongAdder retries = new LongAdder();
    private final ConcurrentHashMap<String, LongAdder> errors = new ConcurrentHashMap<>();
    volatile long windowStart = Long.MAX_VALUE;
    volatile long windowEnd = Long.MAX_VALUE;
    /** Requests counted when the window opened and closed. */
    volatile long requestsAtStart;
    volatile long requestsAtEnd;

    boolean inWindow(long nanos) {
        return nanos >= windowStart && nanos < windowEnd;
    }

    void sent(long nanos) {
        if (inWindow(nanos)) sent.increment();
    }

    void received(long sentNanos, long now) {
        if (inWindow(sentNanos)) {
            received.increment();
            latencyMicros.recordValue(Math.max(0, TimeUnit.NANOSECONDS.toMicros(now - sentNanos)));
        } else {
            receivedOther.increment();
        }
    }

    void error(String kind) {
        errors.computeIfAbsent(kind, k -> new LongAdder()).increment();
    }

    Map<String, Long> errors() {
        Map<String, Long> m = new TreeMap<>();
        errors.forEach((k, v) -> m.put(k, v.sum()));
        return m;
    }

    Histogram latency() {
        return latencyMicros.copy();
    }
}
