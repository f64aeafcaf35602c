package org.parley.focus.conference;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.parley.jingle.colibri2.ConferenceModify;
import org.parley.jingle.colibri2.Endpoint;
import org.parley.jingle.colibri2.Relay;

/**
 * How long SFUs take to answer COLIBRI2 requests and clients to answer Jingle requests, from the first send to the
 * answer (result or error, retries included): {@code parley.focus.colibri.latency{op}} and
 * {@code parley.focus.jingle.latency{action}} as Prometheus histograms, and requests that got no answer at all in
 * {@code parley.focus.request.timeouts{kind}}. Records nothing until {@link #bind} gives it a registry (the focus's
 * unit tests run without one). Thread-safe: conference actors record concurrently.
 */
public final class RequestLatency {
    static final List<String> COLIBRI_OPS = List.of("allocate", "modify", "expire");
    static final List<String> JINGLE_ACTIONS = List.of("session-initiate", "session-terminate", "source-add", "source-remove");

    private volatile MeterRegistry registry;
    private final Map<String, Timer> colibri = new ConcurrentHashMap<>();
    private final Map<String, Timer> jingle = new ConcurrentHashMap<>();
    private final Map<String, Counter> timeouts = new ConcurrentHashMap<>();

    /** Registers the meters (the usual operations up front, so a scrape shows them at zero) and starts recording. */
    public void bind(MeterRegistry r) {
        registry = r;
        for (String op : COLIBRI_OPS) colibriTimer(op);
        for (String action : JINGLE_ACTIONS) jingleTimer(action);
        timeoutCounter("colibri");
        timeoutCounter("jingle");
    }

    /** A COLIBRI2 request answered after {@code nanos}, or not answered at all. */
    void colibri(String op, boolean answered, long nanos) {
        if (registry == null) return;
        if (answered) colibriTimer(op).record(nanos, TimeUnit.NANOSECONDS);
        else timeoutCounter("colibri").increment();
    }

    /** A Jingle request answered after {@code nanos}, or not answered at all. */
    void jingle(String action, boolean answered, long nanos) {
        if (registry == null) return;
        if (answered) jingleTimer(action).record(nanos, TimeUnit.NANOSECONDS);
        else timeoutCounter("jingle").increment();
    }

    private Timer colibriTimer(String op) {
        return colibri.computeIfAbsent(op, o -> timer("parley.focus.colibri.latency", "op", o,
                "COLIBRI2 requests to SFUs, from sending to the answer"));
    }

    private Timer jingleTimer(String action) {
        return jingle.computeIfAbsent(action, a -> timer("parley.focus.jingle.latency", "action", a,
                "Jingle requests to participants, from sending to the answer"));
    }

    private Timer timer(String name, String tag, String value, String description) {
        // Buckets from 1 ms to 10 s: below is loopback noise, above is a timeout.
        return Timer.builder(name).tag(tag, value).description(description).publishPercentileHistogram()
                .minimumExpectedValue(Duration.ofMillis(1)).maximumExpectedValue(Duration.ofSeconds(10))
                .register(registry);
    }

    private Counter timeoutCounter(String kind) {
        return timeouts.computeIfAbsent(kind, k -> Counter.builder("parley.focus.request.timeouts").tag("kind", k)
                .description("COLIBRI2 or Jingle requests of the focus that got no answer (after retries)").register(registry));
    }

    /**
     * The operation a COLIBRI2 request stands for: {@code allocate} when it creates the conference, an endpoint or a
     * relay; {@code expire} when it only removes (the conference, or endpoints and relays); {@code modify} otherwise
     * (transports, sources, a relay's remote endpoints).
     */
    static String colibriOp(ConferenceModify cm) {
        if (cm.expire()) return "expire";
        boolean creates = cm.create();
        boolean removes = !cm.endpoints().isEmpty() || !cm.relays().isEmpty();
        for (Endpoint e : cm.endpoints()) {
            creates |= e.create();
            removes &= e.expire();
        }
        for (Relay r : cm.relays()) {
            creates |= r.create();
            removes &= r.expire();
        }
        if (creates) return "allocate";
        return removes ? "expire" : "modify";
    }
}
