package org.parley.xmpp.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.FileDescriptorMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.util.EnumMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.parley.xmpp.stream.StreamErrorCondition;

/**
 * One server's meters, in a Prometheus registry that {@code GET /metrics} scrapes. The core's hot paths count
 * through the methods here, which only touch {@link Counter}s created once (arrays by enum ordinal), so a
 * stanza costs an atomic add and no allocation. Modules add their own meters to {@link #registry()}: the MUC
 * its rooms and occupants, the storage its pool, the focus its conferences.
 */
public final class ServerMetrics {
    /** What carries a connection, as the {@code transport} tag says it. */
    public enum ConnectionKind {
        TCP, TLS, WEBSOCKET, BOSH, COMPONENT, S2S;

        public String tag() { return name().toLowerCase(Locale.ROOT); }
    }

    /** Stanza kinds, the {@code kind} tag. */
    public enum StanzaKind {
        MESSAGE, PRESENCE, IQ;

        public String tag() { return name().toLowerCase(Locale.ROOT); }

        /** The kind of a top-level element by its local name, or null for anything else. */
        public static StanzaKind of(String elementName) {
            return switch (elementName) {
                case "message" -> MESSAGE;
                case "presence" -> PRESENCE;
                case "iq" -> IQ;
                default -> null;
            };
        }
    }

    /** Each configured limit, the {@code limit} tag of {@code parley_limit_hits_total}. */
    public enum Limit {
        /** A connection refused: its address has {@code max-connections-per-address} open. */
        CONNECTIONS_PER_ADDRESS,
        /** A connection refused: its address opened more than {@code new-connections-per-second}. */
        NEW_CONNECTIONS_PER_SECOND,
        /** A session's reading paused: over {@code bytes-per-second}. */
        BYTES_PER_SECOND,
        /** A session's reading paused: over {@code stanzas-per-second}. */
        STANZAS_PER_SECOND,
        /** A session closed with policy-violation after being throttled for {@code throttle-disconnect-after}. */
        SUSTAINED_FLOOD,
        /** A MUC occupant's presence update held back (coalesced) in a big room. */
        MUC_PRESENCE_RATE,
        /** A MUC room not created: its creator's session or address created rooms faster than {@code muc.room-creation}. */
        MUC_ROOM_CREATION,
        /** A failed SASL attempt, answered after a delay that grows per address. */
        SASL_FAILURES,
        /** A BOSH session refused: its address has {@code max-sessions-per-address}. */
        BOSH_SESSIONS_PER_ADDRESS;

        public String tag() { return name().toLowerCase(Locale.ROOT).replace('_', '-'); }
    }

    private static final java.util.Set<String> STANZA_CONDITIONS = java.util.Set.of("bad-request", "conflict",
            "feature-not-implemented", "forbidden", "gone", "internal-server-error", "item-not-found", "jid-malformed",
            "not-acceptable", "not-allowed", "not-authorized", "payment-required", "policy-violation",
            "recipient-unavailable", "redirect", "registration-required", "remote-server-not-found",
            "remote-server-timeout", "resource-constraint", "service-unavailable", "subscription-required",
            "undefined-condition", "unexpected-request");

    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final AtomicInteger[] open = new AtomicInteger[ConnectionKind.values().length];
    private final Counter[] opened = new Counter[ConnectionKind.values().length];
    private final Counter[] stanzasIn = new Counter[StanzaKind.values().length];
    private final Counter[] stanzasOut = new Counter[StanzaKind.values().length];
    private final Counter[] streamErrors = new Counter[StreamErrorCondition.values().length];
    private final Counter[] limitHits = new Counter[Limit.values().length];
    private final Map<String, Counter> stanzaErrors = new ConcurrentHashMap<>();

    public ServerMetrics() {
        for (ConnectionKind k : ConnectionKind.values()) {
            AtomicInteger n = new AtomicInteger();
            open[k.ordinal()] = n;
            Gauge.builder("parley.connections", n, AtomicInteger::get).tag("transport", k.tag())
                    .description("Open client, component and server-to-server connections").register(registry);
            opened[k.ordinal()] = Counter.builder("parley.connections.opened").tag("transport", k.tag())
                    .description("Connections accepted (or made, for s2s) since start").register(registry);
        }
        for (StanzaKind k : StanzaKind.values()) {
            stanzasIn[k.ordinal()] = Counter.builder("parley.stanzas.in").tag("kind", k.tag())
                    .description("Stanzas received from clients").register(registry);
            stanzasOut[k.ordinal()] = Counter.builder("parley.stanzas.out").tag("kind", k.tag())
                    .description("Stanzas sent to clients").register(registry);
        }
        for (StreamErrorCondition c : StreamErrorCondition.values()) {
            streamErrors[c.ordinal()] = Counter.builder("parley.stream.errors").tag("condition", c.xmlName())
                    .description("Client streams ended with a stream error").register(registry);
        }
        for (Limit l : Limit.values()) {
            limitHits[l.ordinal()] = Counter.builder("parley.limit.hits").tag("limit", l.tag())
                    .description("Times a configured limit held a client back").register(registry);
        }
        new JvmMemoryMetrics().bindTo(registry);
        new JvmGcMetrics().bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        new ClassLoaderMetrics().bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
        new UptimeMetrics().bindTo(registry);
        new FileDescriptorMetrics().bindTo(registry);
    }

    /** The registry, for modules' own meters. */
    public MeterRegistry registry() { return registry; }

    /** Everything, in the Prometheus text format ({@link #CONTENT_TYPE}). */
    public String scrape() { return registry.scrape(); }

    public static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

    /** A gauge read at each scrape, e.g. the number of bound sessions. */
    public void gauge(String name, String description, Supplier<Number> value) {
        Gauge.builder(name, value).description(description).register(registry);
    }

    public void connectionOpened(ConnectionKind kind) {
        open[kind.ordinal()].incrementAndGet();
        opened[kind.ordinal()].increment();
    }

    public void connectionClosed(ConnectionKind kind) {
        open[kind.ordinal()].decrementAndGet();
    }

    /** Open connections of one kind now. */
    public int connections(ConnectionKind kind) { return open[kind.ordinal()].get(); }

    public void stanzaIn(StanzaKind kind) {
        stanzasIn[kind.ordinal()].increment();
    }

    /** Counts an outbound top-level element by its name; nonzas (stream management, SASL) are not stanzas. */
    public void stanzaOut(String elementName) {
        StanzaKind k = StanzaKind.of(elementName);
        if (k != null) stanzasOut[k.ordinal()].increment();
    }

    public double stanzasIn() { return sum(stanzasIn); }

    public double stanzasOut() { return sum(stanzasOut); }

    public void streamError(StreamErrorCondition condition) {
        streamErrors[condition.ordinal()].increment();
    }

    /**
     * An error stanza sent to a client, by its defined condition (e.g. {@code service-unavailable}); names that
     * RFC 6120 does not define (a remote server may send anything) count as {@code other}.
     */
    public void stanzaError(String condition) {
        if (condition == null || !STANZA_CONDITIONS.contains(condition)) condition = "other";
        Counter c = stanzaErrors.get(condition);
        if (c == null) {
            c = stanzaErrors.computeIfAbsent(condition, k -> Counter.builder("parley.stanza.errors").tag("condition", k)
                    .description("Error stanzas sent to clients").register(registry));
        }
        c.increment();
    }

    public void limitHit(Limit limit) {
        limitHits[limit.ordinal()].increment();
    }

    public double limitHits(Limit limit) { return limitHits[limit.ordinal()].count(); }

    /** Connections open now by transport tag, for the admin summary. */
    public Map<ConnectionKind, Integer> connections() {
        Map<ConnectionKind, Integer> m = new EnumMap<>(ConnectionKind.class);
        for (ConnectionKind k : ConnectionKind.values()) m.put(k, open[k.ordinal()].get());
        return m;
    }

    private static double sum(Counter[] counters) {
        double s = 0;
        for (Counter c : counters) s += c.count();
        return s;
    }
}
