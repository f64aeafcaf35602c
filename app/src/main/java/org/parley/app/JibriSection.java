package org.parley.app;

import io.micrometer.core.instrument.Gauge;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.parley.focus.jibri.Jibri;
import org.parley.focus.jibri.Jibris;
import org.parley.http.admin.AdminRoute;
import org.parley.http.admin.AdminSection;
import org.parley.xmpp.metrics.ServerMetrics;

/**
 * The Jibris in the admin API, next to the SFUs: {@code GET /api/jibris} (each with its kind, recording or SIP, its
 * state, idle, busy, unhealthy or starting, whether one of this focus's sessions uses it, and when it last spoke), the
 * summary's {@code jibris} (the dashboard's Jibri table), and the meter {@code parley_focus_jibris{kind,state}}.
 */
final class JibriSection implements AdminSection {
    private static final List<String> STATES = List.of("idle", "busy", "unhealthy", "starting");
    private final Jibris jibris;

    JibriSection(Jibris jibris, ServerMetrics metrics) {
        this.jibris = jibris;
        for (String kind : List.of("recording", "sip")) {
            for (String state : STATES) {
                Gauge.builder("parley.focus.jibris", jibris, j -> count(j, kind, state)).tag("kind", kind).tag("state", state)
                        .description("Jibris known to the focus").register(metrics.registry());
            }
        }
    }

    static String kind(Jibri j) {
        return j.sip() ? "sip" : "recording";
    }

    /** A Jibri in a session of this focus is busy even before its presence says so. */
    static String state(Jibri j) {
        if (!j.status()) return "starting";
        if (!j.healthy()) return "unhealthy";
        return j.busy() || j.engaged() ? "busy" : "idle";
    }

    private static long count(Jibris jibris, String kind, String state) {
        return jibris.all().stream().filter(j -> kind(j).equals(kind) && state(j).equals(state)).count();
    }

    @Override
    public List<AdminRoute> routes() {
        return List.of(AdminRoute.get("/api/jibris", r -> AdminRoute.Response.ok(list())));
    }

    @Override
    public void summarize(Map<String, Object> summary) {
        List<Map<String, Object>> out = new ArrayList<>();
        for (Jibri j : sorted()) out.add(Map.of("jid", j.jid().toString(), "kind", kind(j), "state", state(j)));
        summary.put("jibris", out);
    }

    private List<Jibri> sorted() {
        List<Jibri> all = new ArrayList<>(jibris.all());
        all.sort(Comparator.comparing(j -> j.jid().toString()));
        return all;
    }

    private Map<String, Object> list() {
        List<Map<String, Object>> out = new ArrayList<>();
        for (Jibri j : sorted()) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("jid", j.jid().toString());
            m.put("kind", kind(j));
            m.put("state", state(j));
            m.put("inSession", j.engaged());
            m.put("lastSeen", Instant.ofEpochMilli(j.seenMillis()).toString());
            out.add(m);
        }
        Map<String, Object> result = new LinkedHashMap<>();
        result.put("count", out.size());
        result.put("breweries", jibris.joinedBreweries());
        result.put("jibris", out);
        return result;
    }
}
