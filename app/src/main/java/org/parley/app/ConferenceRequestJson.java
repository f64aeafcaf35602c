package org.parley.app;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.parley.http.admin.Json;
import org.parley.jingle.focus.ConferenceIq;
import org.xmpp.packet.IQ;
import org.xmpp.packet.JID;

/**
 * Jicofo's JSON conference request ({@code POST /conference-request/v1}, as lib-jitsi-meet sends it when config.js
 * sets {@code conferenceRequestUrl}) and its answer, as the conference IQ they stand for. The request's fields are
 * {@code room}, {@code machineUid}, {@code sessionId} and {@code properties} (values are strings, booleans or numbers:
 * lib-jitsi-meet sends {@code "visitors-version": 1}); its token comes as {@code Authorization: Bearer}. Other fields
 * are ignored. The answer has Jicofo's names and leaves out what is empty.
 */
final class ConferenceRequestJson {
    private ConferenceRequestJson() {}

    /** The conference IQ set (no {@code from}: HTTP has no JID) to {@code focusDomain}; {@link Json.Malformed} if bad. */
    static IQ toIq(String body, String authorization, String focusDomain) {
        Map<String, Object> json = Json.parseObject(body);
        Object room = json.get("room");
        if (!(room instanceof String r) || r.isBlank()) throw new Json.Malformed("room: a room JID is required");
        List<ConferenceIq.Property> properties = new ArrayList<>();
        Object props = json.get("properties");
        if (props instanceof Map<?, ?> map) {
            for (var e : map.entrySet()) {
                Object v = e.getValue();
                if (v == null) continue;
                if (v instanceof Map || v instanceof List) {
                    throw new Json.Malformed("properties." + e.getKey() + ": a string, number or boolean is expected");
                }
                properties.add(new ConferenceIq.Property(String.valueOf(e.getKey()), String.valueOf(v)));
            }
        } else if (props != null) {
            throw new Json.Malformed("properties: an object is expected");
        }
        ConferenceIq request = ConferenceIq.request(r.trim(), text(json, "machineUid"), bearer(authorization),
                text(json, "sessionId"), properties);
        IQ iq = new IQ(IQ.Type.set, "http-" + UUID.randomUUID());
        iq.setTo(new JID(null, focusDomain, null));
        iq.setChildElement(request.toElement());
        return iq;
    }

    /** The JSON of a result IQ's conference element, with Jicofo's field names. */
    static Map<String, Object> fromReply(ConferenceIq reply) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("room", reply.room());
        if (reply.ready() != null) out.put("ready", reply.ready());
        putIfPresent(out, "focusJid", reply.focusJid());
        putIfPresent(out, "sessionId", reply.sessionId());
        putIfPresent(out, "machineUid", reply.machineUid());
        putIfPresent(out, "identity", reply.identity());
        putIfPresent(out, "vnode", reply.vnode());
        if (!reply.properties().isEmpty()) out.put("properties", reply.propertyMap());
        return out;
    }

    private static void putIfPresent(Map<String, Object> out, String key, String value) {
        if (value != null && !value.isEmpty()) out.put(key, value);
    }

    private static String text(Map<String, Object> json, String key) {
        Object v = json.get(key);
        if (v == null) return null;
        if (!(v instanceof String s)) throw new Json.Malformed(key + ": a string is expected");
        return s;
    }

    /** The token of {@code Authorization: Bearer <token>}, or null. */
    private static String bearer(String authorization) {
        if (authorization == null) return null;
        String a = authorization.trim();
        if (a.length() <= 7 || !a.regionMatches(true, 0, "Bearer ", 0, 7)) return null;
        String token = a.substring(7).trim();
        return token.isEmpty() ? null : token;
    }
}
