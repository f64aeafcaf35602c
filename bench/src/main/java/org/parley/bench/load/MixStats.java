package org.parley.bench.load;

import java.util.concurrent.atomic.LongAdder;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * What the participants of the meeting mix measure, shared by all of them (recorders and adders take concurrent
 * writers). Latencies are in microseconds. Every presence and message a participant sends carries its send time
 * ({@link #stamp}, {@code System.nanoTime()} of this JVM, which the receivers share), so a receiver times the
 * fan-out of each one it gets.
 */
final class MixStats {
    static final String STAMP_NS = "urn:parley:bench:mix";
    private static final String STAMP_OPEN = "<ts xmlns='" + STAMP_NS + "'>";

    /** Presence sent (join or change) to its arrival at another occupant. */
    final Recorder presence = new Recorder(3);
    /** Join presence sent to the focus's session-initiate arriving (participants who were not alone). */
    final Recorder initiate = new Recorder(3);
    /** Chat and endpoint messages, send to arrival at another occupant. */
    final Recorder message = new Recorder(3);
    /** Conference request to its ready answer. */
    final Recorder request = new Recorder(3);
    final LongAdder arrivals = new LongAdder();
    final LongAdder joined = new LongAdder();
    /** Sessions that failed to log in, were refused the room or the conference, or lost their connection. */
    final LongAdder failed = new LongAdder();
    final LongAdder presencesSent = new LongAdder();
    final LongAdder messagesSent = new LongAdder();
    final LongAdder presencesReceived = new LongAdder();
    final LongAdder messagesReceived = new LongAdder();
    final LongAdder accepted = new LongAdder();
    /** Stream management not enabled (the server answered {@code <failed/>}). */
    final LongAdder smRefused = new LongAdder();
    /** Error answers to what a participant sent while in the room (e.g. a private message to someone who left). */
    final LongAdder errors = new LongAdder();
    private volatile String firstFailure;

    void failure(String why) {
        failed.increment();
        if (firstFailure == null) firstFailure = why;
    }

    String firstFailure() { return firstFailure; }

    static String stamp() {
        return STAMP_OPEN + System.nanoTime() + "</ts>";
    }

    /** The send time in a stamped stanza, or -1 when it has none (a server may re-quote the namespace). */
    static long stampOf(String xml) {
        int at = xml.indexOf(STAMP_NS);
        if (at < 0) return -1;
        int gt = xml.indexOf('>', at);
        if (gt < 0) return -1;
        long v = 0;
        int i = gt + 1, digits = 0;
        for (; i < xml.length(); i++, digits++) {
            char c = xml.charAt(i);
            if (c < '0' || c > '9') break;
            v = v * 10 + (c - '0');
        }
        return digits == 0 || digits > 19 ? -1 : v;
    }

    static void record(Recorder r, long sentNanos) {
        r.recordValue(Math.max(1, (System.nanoTime() - sentNanos) / 1000));
    }

    /** p50 and p99 in ms and the count of an interval histogram; NaN for an empty one. */
    record Latency(double p50, double p99, double max, long count) {
        static Latency of(Histogram h) {
            if (h.getTotalCount() == 0) return new Latency(Double.NaN, Double.NaN, Double.NaN, 0);
            return new Latency(h.getValueAtPercentile(50) / 1000.0, h.getValueAtPercentile(99) / 1000.0,
                    h.getMaxValue() / 1000.0, h.getTotalCount());
        }

        @Override
        public String toString() {
            return count == 0 ? "none" : String.format("p50 %.1f ms, p99 %.1f ms, max %.0f ms (%,d)", p50, p99, max, count);
        }
    }
}
