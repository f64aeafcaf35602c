package org.parley.app;

import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.parley.focus.jigasi.Jigasi;
import org.parley.focus.jigasi.Jigasis;
import org.parley.http.admin.AdminRoute;
import org.parley.http.admin.AdminSection;
import org.parley.xmpp.metrics.ServerMetrics;

/**
 * The Jigasis' part of the admin API, beside the SFUs: {@code GET /api/jigasis} (each Jigasi with what it does, its
 * load, region and state, the brewery rooms the focus is in, and what happened to participants' dial requests), the
 * summary's {@code jigasis} (the dashboard's Jigasi table), and the meters {@code parley_focus_jigasi_*}.
 */
final class JigasisSection implements AdminSection {
    private final Jigasis jigasis;

    JigasisSection(Jigasis jigasis, ServerMetrics metrics) {
        this.jigasis = jigasis;
        jigasis.bind(metrics.registry());
    }

    @Override
    public List<AdminRoute> routes() {
        return List.of(AdminRoute.get("/api/jigasis", r -> AdminRoute.Response.ok(all())));
    }

    @Override
    public void summarize(Map<String, Object> summary) {
        List<Map<String, Object>> out = new ArrayList<>();
        for (Jigasi j : jigasis.all()) out.add(jigasi(j));
        summary.put("jigasis", out);
    }

    private Map<String, Object> all() {
        List<Map<String, Object>> out = new ArrayList<>();
        for (Jigasi j : jigasis.all()) out.add(jigasi(j));
        Map<String, Object> result = new LinkedHashMap<>();
        result.put("count", out.size());
        result.put("sipAvailable", jigasis.sipAvailable());
        result.put("transcriptionAvailable", jigasis.transcriptionAvailable());
        result.put("breweries", jigasis.joinedBreweries());
        result.put("jigasis", out);
        Jigasis.DialCounters c = jigasis.counters;
        Map<String, Object> dial = new LinkedHashMap<>();
        dial.put("accepted", c.accepted.get());
        dial.put("rejected", c.rejected.get());
        dial.put("retries", c.retries.get());
        dial.put("instanceErrors", c.instanceErrors.get());
        dial.put("instanceTimeouts", c.instanceTimeouts.get());
        dial.put("noInstance", c.noInstance.get());
        dial.put("allFailed", c.allFailed.get());
        result.put("dialRequests", dial);
        return result;
    }

    private static Map<String, Object> jigasi(Jigasi j) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("jid", j.jid().toString());
        m.put("state", !j.healthy() ? "unhealthy" : j.gracefulShutdown() ? "shutting-down" : "operational");
        m.put("sip", j.supportsSip());
        m.put("transcription", j.supportsTranscription());
        m.put("conferences", j.conferences());
        m.put("participants", j.participants());
        m.put("stress", j.stress());
        m.put("region", j.region());
        m.put("version", j.version());
        m.put("lastSeen", Instant.ofEpochMilli(j.lastSeenMillis()).toString());
        return m;
    }
}
