package org.parley.http.admin;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.parley.xmpp.server.ServerContext;
import org.parley.xmpp.session.ClientSession;

/** The core's part of the admin API: {@code GET /api/sessions}, and session counts in the summary. */
final class SessionsSection implements AdminSection {
    private final ServerContext server;

    SessionsSection(ServerContext server) {
        this.server = server;
    }

    @Override
    public List<AdminRoute> routes() {
        return List.of(AdminRoute.get("/api/sessions", r -> AdminRoute.Response.ok(sessions())));
    }

    @Override
    public void summarize(Map<String, Object> summary) {
        summary.put("sessions", server.sessions().count());
    }

    /** Every bound session: JID, transport, remote address and since when, oldest first. */
    private Map<String, Object> sessions() {
        List<ClientSession> all = new ArrayList<>(server.sessions().all());
        all.sort(Comparator.comparingLong(ClientSession::since));
        List<Map<String, Object>> out = new ArrayList<>(all.size());
        for (ClientSession s : all) {
            var jid = s.jid();
            if (jid == null) continue;
            var t = s.transport();
            var address = t.remoteAddress();
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("jid", jid.toString());
            m.put("transport", t.kind());
            m.put("address", address == null ? null : address.getAddress().getHostAddress() + ":" + address.getPort());
            m.put("since", Instant.ofEpochMilli(s.since()).toString());
            m.put("anonymous", s.anonymous());
            out.add(m);
        }
        Map<String, Object> result = new LinkedHashMap<>();
        result.put("count", out.size());
        result.put("sessions", out);
        return result;
    }
}
