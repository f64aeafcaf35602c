package org.parley.http.admin;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.parley.http.admin.AdminRoute.Response;
import org.parley.xmpp.server.ServerContext;
import org.parley.xmpp.session.ClientSession;
import org.parley.xmpp.stream.StreamErrorCondition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.xmpp.packet.JID;

/**
 * The core's part of the admin API: {@code GET /api/sessions}, {@code POST /api/sessions/disconnect} (every session
 * of one account, as {@code parley deluser} asks after deleting it), and session counts in the summary.
 */
final class SessionsSection implements AdminSection {
    private static final Logger log = LoggerFactory.getLogger(SessionsSection.class);
    private final ServerContext server;

    SessionsSection(ServerContext server) {
        this.server = server;
    }

    @Override
    public List<AdminRoute> routes() {
        return List.of(AdminRoute.get("/api/sessions", r -> AdminRoute.Response.ok(sessions())),
                AdminRoute.post("/api/sessions/disconnect", r -> CompletableFuture.completedFuture(disconnect(r.body()))));
    }

    /**
     * {@code {"jid": "user@host"}}: ends the account's sessions on this node with the {@code not-authorized} stream
     * error, as when an account deletes itself; answers how many there were.
     */
    private Response disconnect(String body) {
        Map<String, Object> request = Json.parseObject(body);
        if (!(request.get("jid") instanceof String text) || text.isBlank()) {
            return Response.json(400, Map.of("error", "\"jid\" (an account, user@host) is required"));
        }
        JID jid;
        try {
            jid = new JID(text);
        } catch (IllegalArgumentException e) {
            return Response.json(400, Map.of("error", "not a JID: " + text));
        }
        if (jid.getNode() == null || jid.getResource() != null) {
            return Response.json(400, Map.of("error", "give an account as user@host, not " + text));
        }
        int ended = server.sessions().endAll(jid.toBareJID(), StreamErrorCondition.NOT_AUTHORIZED, "Account removed");
        log.info("admin API: ended {} sessions of {}", ended, jid.toBareJID());
        return Response.json(200, Map.of("jid", jid.toBareJID(), "disconnected", ended));
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
