package org.parley.app;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.parley.focus.Focus;
import org.parley.focus.bridge.Bridge;
import org.parley.http.admin.AdminRoute;
import org.parley.http.admin.AdminSection;
import org.parley.xmpp.metrics.ServerMetrics;

/**
 * The focus's part of the admin API, read-only: {@code GET /api/bridges} (every SFU with its stress, state, region,
 * version), the number of conferences and each SFU's stress in the summary (the dashboard's SFU load chart), and
 * the meters {@code parley_focus_conferences}, {@code parley_focus_bridges{state}}, {@code parley_focus_bridge_stress{bridge}}.
 * Drain and graceful shutdown are not here yet.
 */
final class FocusSection implements AdminSection {
    private final Focus focus;
    private final MultiGauge stress;

    FocusSection(Focus focus, ServerMetrics metrics) {
        this.focus = focus;
        var registry = metrics.registry();
        Gauge.builder("parley.focus.conferences", focus, f -> f.conferences().size())
                .description("Conferences the focus runs").register(registry);
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
        return List.of(AdminRoute.get("/api/bridges", r -> AdminRoute.Response.ok(bridges())));
    }

    @Override
    public void summarize(Map<String, Object> summary) {
        summary.put("conferences", focus.conferences().size());
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
        for (Bridge b : sorted()) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("jid", b.jid().toString());
            m.put("kind", b.kind().name().toLowerCase(java.util.Locale.ROOT));
            m.put("state", state(b));
            m.put("stress", b.stress());
            m.put("region", b.region());
            m.put("version", b.version());
            m.put("failure", b.failure());
            m.put("lastSeen", Instant.ofEpochMilli(b.lastSeenMillis()).toString());
            out.add(m);
        }
        Map<String, Object> result = new LinkedHashMap<>();
        result.put("count", out.size());
        result.put("bridges", out);
        return result;
    }
}
