package org.parley.app;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.parley.http.admin.AdminRoute;
import org.parley.http.admin.AdminSection;
import org.parley.muc.MucService;
import org.parley.muc.RoomInfo;

/** The MUC's part of the admin API: {@code GET /api/rooms}, and rooms and occupants in the summary. */
final class RoomsSection implements AdminSection {
    private final MucService muc;

    RoomsSection(MucService muc) {
        this.muc = muc;
    }

    @Override
    public List<AdminRoute> routes() {
        return List.of(AdminRoute.get("/api/rooms", r -> muc.rooms().thenApply(rooms -> AdminRoute.Response.json(200, json(rooms)))));
    }

    @Override
    public void summarize(Map<String, Object> summary) {
        summary.put("rooms", muc.roomCount());
        summary.put("occupants", muc.occupantCount());
    }

    private static Map<String, Object> json(List<RoomInfo> rooms) {
        List<RoomInfo> sorted = new ArrayList<>(rooms);
        sorted.sort(Comparator.comparing(RoomInfo::jid));
        List<Map<String, Object>> out = new ArrayList<>();
        for (RoomInfo r : sorted) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("jid", r.jid());
            m.put("name", r.name());
            m.put("meetingId", r.meetingId());
            m.put("created", r.created().toString());
            m.put("persistent", r.persistent());
            m.put("locked", r.locked());
            m.put("occupants", r.participants().size());
            List<Map<String, Object>> occupants = new ArrayList<>();
            for (RoomInfo.Participant p : r.participants()) {
                Map<String, Object> o = new LinkedHashMap<>();
                o.put("nick", p.nick());
                o.put("jid", p.realJid());
                o.put("role", p.role());
                o.put("affiliation", p.affiliation());
                o.put("displayName", p.displayName());
                occupants.add(o);
            }
            m.put("participants", occupants);
            out.add(m);
        }
        Map<String, Object> result = new LinkedHashMap<>();
        result.put("count", out.size());
        result.put("rooms", out);
        return result;
    }
}
