package org.parley.app;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.parley.focus.Focus;
import org.parley.focus.bridge.Bridge;
import org.parley.focus.state.ConferenceRecord;
import org.parley.focus.state.ParticipantRecord;
import org.parley.http.admin.AdminRoute;
import org.parley.http.admin.AdminRoute.Response;
import org.parley.http.admin.AdminSection;
import org.parley.http.admin.Json;
import org.parley.xmpp.jid.JidPrep;
import org.xmpp.packet.JID;
import org.parley.xmpp.metrics.ServerMetrics;

/**
 * The focus's part of the admin API: {@code GET /api/bridges} (every SFU with its stress, state, region, version and
 * whether the operator drained it), {@code POST /api/bridges/drain} ({@code {"jid": "...", "drain": true|false}}),
 * {@code GET /api/conferences} (each conference with its participants and SFUs, read from the conference actors
 * with a bounded wait; participants of hidden domains are listed with {@code "hidden": true} and left out of the
 * counts), conference and participant counts and each SFU's stress in the summary (the dashboard's SFU
 * load chart), and the meters {@code parley_focus_conferences}, {@code parley_focus_participants},
 * {@code parley_focus_bridges{state}}, {@code parley_focus_bridge_stress{bridge}}.
 */
final class FocusSection implements AdminSection {
    private static final long ANSWER_MILLIS = 2000;
    private final Focus focus;
    private final MultiGauge stress;

    FocusSection(Focus focus, ServerMetrics metrics) {
        this.focus = focus;
        var registry = metrics.registry();
        Gauge.builder("parley.focus.conferences", focus, f -> f.conferences().size())
                .description("Conferences the focus runs").register(registry);
        Gauge.builder("parley.focus.participants", focus, f -> f.conferences().participants())
                .description("Participants of the focus's conferences").register(registry);
        for (String state : List.of("operational", "draining", "failed")) {
            Gauge.builder("parley.focus.bridges", focus, f -> count(f, state)).tag("state", state)
                    .description("SFUs known to the focus").register(registry);
        }
        this.stress = MultiGauge.builder("parley.focus.bridge.stress").description("Each SFU's reported stress level")
                .register(registry);
    }

    private static String state(Bridge b) {
        if (!b.operational()) return "failed";
        return b.closedToNewConferences() ? "draining" : "operational";
    }

    private static long count(Focus f, String state) {
        return f.bridges().all().stream().filter(b -> state(b).equals(state)).count();
    }

    @Override
    public void beforeScrape() {
        List<MultiGauge.Row<?>> rows = new ArrayList<>();
        for (Bridge b : focus.bridges().all()) rows.add(MultiGauge.Row.of(Tags.of("bridge", b.jid().toString()), b.stress()));
        stress.register(rows, true);
    }

    @Override
    public List<AdminRoute> routes() {
        return List.of(AdminRoute.get("/api/bridges", r -> AdminRoute.Response.ok(bridges())),
                AdminRoute.post("/api/bridges/drain", r -> CompletableFuture.completedFuture(drain(r.body()))),
                AdminRoute.get("/api/conferences", r -> conferences()));
    }

    @Override
    public void summarize(Map<String, Object> summary) {
        summary.put("conferences", focus.conferences().size());
        summary.put("conferenceParticipants", focus.conferences().participants());
        Map<String, Object> load = new LinkedHashMap<>();
        for (Bridge b : sorted()) load.put(b.jid().toString(), b.stress());
        summary.put("bridgeStress", load);
    }

    private List<Bridge> sorted() {
        List<Bridge> all = new ArrayList<>(focus.bridges().all());
        all.sort(Comparator.comparing(b -> b.jid().toString()));
        return all;
    }

    private Map<String, Object> bridges() {
        List<Map<String, Object>> out = new ArrayList<>();
        for (Bridge b : sorted()) out.add(bridge(b));
        Map<String, Object> result = new LinkedHashMap<>();
        result.put("count", out.size());
        result.put("bridges", out);
        return result;
    }

    private static Map<String, Object> bridge(Bridge b) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("jid", b.jid().toString());
        m.put("kind", lower(b.kind().name()));
        m.put("state", state(b));
        m.put("adminDrain", b.adminDrained());
        m.put("stress", b.stress());
        m.put("region", b.region());
        m.put("version", b.version());
        m.put("failure", b.failure());
        m.put("lastSeen", Instant.ofEpochMilli(b.lastSeenMillis()).toString());
        return m;
    }

    /** {@code {"jid": "<SFU JID as /api/bridges lists it>", "drain": true}}; {@code "drain": false} ends the drain. */
    private Response drain(String body) {
        Map<String, Object> request = Json.parseObject(body);
        if (!(request.get("jid") instanceof String jid) || jid.isBlank()) {
            return Response.json(400, Map.of("error", "\"jid\" (the SFU's JID, as /api/bridges lists it) is required"));
        }
        Object drain = request.getOrDefault("drain", Boolean.TRUE);
        if (!(drain instanceof Boolean d)) return Response.json(400, Map.of("error", "\"drain\" must be true or false"));
        JID address;
        try {
            address = new JID(jid);
        } catch (IllegalArgumentException e) {
            return Response.json(400, Map.of("error", "not a JID: " + jid));
        }
        Bridge b = focus.bridges().drain(address, d);
        if (b == null) return Response.json(404, Map.of("error", "no SFU " + jid));
        return Response.json(200, bridge(b));
    }

    /**
     * Every conference as its actor sees it. Each is asked on its own actor; those that do not answer within
     * {@value #ANSWER_MILLIS} ms (a stuck actor) are counted as {@code unanswered} rather than holding the answer.
     */
    private CompletableFuture<Response> conferences() {
        List<CompletableFuture<ConferenceRecord>> asked = focus.conferences().records();
        return CompletableFuture.allOf(asked.toArray(CompletableFuture[]::new))
                .completeOnTimeout(null, ANSWER_MILLIS, TimeUnit.MILLISECONDS)
                .handle((done, error) -> {
                    List<ConferenceRecord> records = new ArrayList<>();
                    for (CompletableFuture<ConferenceRecord> f : asked) {
                        if (f.isDone() && !f.isCompletedExceptionally()) records.add(f.join());
                    }
                    records.sort(Comparator.comparing(ConferenceRecord::room));
                    List<Map<String, Object>> out = new ArrayList<>();
                    int participants = 0;
                    for (ConferenceRecord c : records) {
                        out.add(conference(c));
                        for (ParticipantRecord p : c.participants()) if (!hidden(p)) participants++;
                    }
                    Map<String, Object> result = new LinkedHashMap<>();
                    result.put("count", out.size());
                    result.put("participants", participants);
                    result.put("unanswered", asked.size() - records.size());
                    result.put("conferences", out);
                    return Response.json(200, result);
                });
    }

    /** From a hidden domain (a recorder, a transcriber): listed, but not counted as a participant, as in the metrics. */
    private boolean hidden(ParticipantRecord p) {
        if (p.realJid() == null) return false;
        try {
            return focus.config().hidden(JidPrep.parse(p.realJid()));
        } catch (IllegalArgumentException unreadable) {
            return false;
        }
    }

    private Map<String, Object> conference(ConferenceRecord c) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("room", c.room());
        m.put("meetingId", c.meetingId());
        m.put("state", lower(c.state()));
        List<Map<String, Object>> ps = new ArrayList<>();
        for (ParticipantRecord p : c.participants()) {
            Map<String, Object> o = new LinkedHashMap<>();
            o.put("nick", p.endpointId());
            // The COLIBRI2 endpoint id is the MUC nickname, as in Jicofo.
            o.put("endpoint", p.endpointId());
            o.put("jid", p.realJid());
            o.put("bridge", p.bridge());
            o.put("state", p.sessionState() == null ? null : lower(p.sessionState()));
            o.put("region", p.region());
            o.put("hidden", hidden(p));
            ps.add(o);
        }
        m.put("participants", ps);
        List<Map<String, Object>> bs = new ArrayList<>();
        for (ConferenceRecord.BridgeSessionRecord b : c.bridgeSessions()) {
            Map<String, Object> o = new LinkedHashMap<>();
            o.put("jid", b.bridge());
            o.put("endpoints", b.endpoints().size());
            o.put("relays", b.relays().size());
            bs.add(o);
        }
        m.put("bridges", bs);
        return m;
    }

    private static String lower(String s) {
        return s.toLowerCase(Locale.ROOT);
    }
}
