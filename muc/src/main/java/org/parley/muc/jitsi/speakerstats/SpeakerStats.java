package org.parley.muc.jitsi.speakerstats;

import com.nimbusds.jose.util.JSONObjectUtils;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.LongSupplier;
import org.dom4j.Element;
import org.dom4j.QName;
import org.parley.muc.MucRoom;
import org.parley.muc.MucService;
import org.parley.muc.RoomModule;
import org.parley.muc.RoomOccupant;
import org.parley.muc.jitsi.JsonMessages;
import org.xmpp.packet.JID;
import org.xmpp.packet.Message;
import org.xmpp.packet.Packet;

/**
 * Speaking time per occupant (Jitsi's mod_speakerstats_component). The web app tells {@code speakerstats.<domain>}
 * when it becomes the dominant speaker ({@code <speakerstats room='…' silence='…'/>}) and its face expressions
 * ({@code <faceLandmarks room='…' faceExpression='…' duration='…' timestamp='…'/>}); each joiner gets everyone's
 * stats so far in a json-message {@code {"type":"speakerstats","users":{nick:{displayName,
 * totalDominantSpeakerTime, faceLandmarks}}}} from that address. Service admins (the focus) are not counted.
 */
public final class SpeakerStats implements RoomModule {
    static final String NS = JsonMessages.NS;
    /** Entries a room keeps, present and past occupants; the oldest who left go first. */
    static final int MAX_ENTRIES = 1000;
    /** Face landmarks kept per occupant (the web app sends one per expression change). */
    static final int MAX_LANDMARKS = 100;
    private final JID component;
    private final MucService muc;
    private final LongSupplier clock;

    public SpeakerStats(JID component, MucService muc, LongSupplier millis) {
        this.component = component;
        this.muc = muc;
        this.clock = millis;
    }

    /** One occupant's record, kept after it leaves (the stats are the meeting's). */
    private static final class Speaker {
        final String nick;
        String displayName;
        long total;
        /** When it became the (speaking) dominant speaker, 0 when it is not. */
        long since;
        boolean left;
        final List<Map<String, Object>> landmarks = new ArrayList<>();

        Speaker(String nick) { this.nick = nick; }

        void dominant(boolean now, long at) {
            if (since == 0 && now) since = at;
            else if (since != 0 && !now) {
                total += Math.max(0, at - since);
                since = 0;
            }
        }
    }

    /** A room's stats: by occupant JID (room/nick), and who is the dominant speaker. */
    private static final class Stats {
        final LinkedHashMap<String, Speaker> speakers = new LinkedHashMap<>();
        String dominant;
    }

    private Stats stats(MucRoom room) { return room.state(this, Stats::new); }

    /** Every speaker's record (those who left too) and the dominant speaker. */
    @Override
    public void handOver(MucRoom room, Element state) {
        Stats s = room.state(this);
        if (s == null) return;
        if (s.dominant != null) state.addAttribute("dominant", s.dominant);
        for (var e : s.speakers.entrySet()) {
            Speaker sp = e.getValue();
            Element x = state.addElement("speaker").addAttribute("key", e.getKey()).addAttribute("nick", sp.nick)
                    .addAttribute("total", Long.toString(sp.total)).addAttribute("since", Long.toString(sp.since))
                    .addAttribute("left", Boolean.toString(sp.left));
            if (sp.displayName != null) x.addAttribute("display-name", sp.displayName);
            if (!sp.landmarks.isEmpty()) x.setText(JSONObjectUtils.toJSONString(Map.of("landmarks", sp.landmarks)));
        }
    }

    @Override
    @SuppressWarnings("unchecked")
    public void restored(MucRoom room, Element state) {
        if (state.elements("speaker").isEmpty()) return;
        Stats s = stats(room);
        s.dominant = state.attributeValue("dominant");
        for (Element x : state.elements("speaker")) {
            Speaker sp = new Speaker(x.attributeValue("nick"));
            sp.displayName = x.attributeValue("display-name");
            sp.total = Long.parseLong(x.attributeValue("total"));
            sp.since = Long.parseLong(x.attributeValue("since"));
            sp.left = Boolean.parseBoolean(x.attributeValue("left"));
            if (!x.getTextTrim().isEmpty()) {
                try {
                    Object l = JSONObjectUtils.parse(x.getTextTrim()).get("landmarks");
                    if (l instanceof List<?> list) for (Object o : list) if (o instanceof Map<?, ?> m) sp.landmarks.add((Map<String, Object>) m);
                } catch (java.text.ParseException e) {
                    throw new IllegalArgumentException("speaker stats of " + room.jid() + ": " + e.getMessage(), e);
                }
            }
            s.speakers.put(x.attributeValue("key"), sp);
        }
    }

    @Override
    public void joined(MucRoom room, RoomOccupant occupant) {
        if (room.serviceAdmin(occupant.realJid())) return;
        Stats s = stats(room);
        long now = clock.getAsLong();
        Map<String, Object> users = new LinkedHashMap<>();
        for (Speaker sp : s.speakers.values()) {
            if (sp.total == 0 && !sp.left && sp.since == 0 && sp.landmarks.isEmpty()) continue;
            Map<String, Object> u = new LinkedHashMap<>();
            if (sp.displayName != null) u.put("displayName", sp.displayName);
            u.put("totalDominantSpeakerTime", sp.total + (sp.since == 0 ? 0 : now - sp.since));
            u.put("faceLandmarks", sp.landmarks);
            users.put(sp.nick, u);
        }
        if (!users.isEmpty()) {
            Map<String, Object> body = new LinkedHashMap<>();
            body.put("type", "speakerstats");
            body.put("users", users);
            room.send(JsonMessages.of(component, occupant.realJid(), JSONObjectUtils.toJSONString(body)));
        }
        s.speakers.put(occupant.occupantJid().toString(), new Speaker(occupant.nick()));
        trim(s);
    }

    private static void trim(Stats s) {
        for (Iterator<Speaker> it = s.speakers.values().iterator(); s.speakers.size() > MAX_ENTRIES && it.hasNext(); ) {
            if (it.next().left) it.remove();
        }
    }

    @Override
    public void left(MucRoom room, RoomOccupant occupant) {
        Stats s = room.state(this);
        Speaker sp = s == null ? null : s.speakers.get(occupant.occupantJid().toString());
        if (sp == null) return;
        sp.dominant(false, clock.getAsLong());
        sp.left = true;
        Element payload = occupant.payload();
        Element nick = payload == null ? null : payload.element(QName.get("nick", "http://jabber.org/protocol/nick"));
        if (nick != null) sp.displayName = nick.getTextTrim();
    }

    /** A stanza to the component: called on the sender's event loop, so it only hands the work to the room. */
    public void onStanza(Packet p) {
        if (!(p instanceof Message m) || m.getType() == Message.Type.error || m.getFrom() == null) return;
        Element speaker = m.getElement().element(QName.get("speakerstats", NS));
        Element face = m.getElement().element(QName.get("faceLandmarks", NS));
        Element e = speaker != null ? speaker : face;
        if (e == null) return;
        JID roomJid;
        try {
            roomJid = new JID(e.attributeValue("room", ""));
        } catch (IllegalArgumentException bad) {
            return;
        }
        JID from = m.getFrom();
        muc.inRoom(roomJid.asBareJID(), room -> {
            if (room == null) return;
            RoomOccupant o = room.occupant(from);
            Stats s = room.state(this);
            Speaker sp = o == null || s == null ? null : s.speakers.get(o.occupantJid().toString());
            if (sp == null) return; // not an occupant (or the focus): nothing to count
            if (speaker != null) dominant(s, o, sp, "true".equals(speaker.attributeValue("silence")));
            else landmark(sp, face);
        });
    }

    private void dominant(Stats s, RoomOccupant o, Speaker sp, boolean silence) {
        long now = clock.getAsLong();
        Speaker old = s.dominant == null ? null : s.speakers.get(s.dominant);
        if (old != null) old.dominant(false, now);
        sp.dominant(!silence, now);
        s.dominant = o.occupantJid().toString();
    }

    private static void landmark(Speaker sp, Element face) {
        if (sp.landmarks.size() >= MAX_LANDMARKS) return;
        String expression = face.attributeValue("faceExpression");
        if (expression == null || expression.length() > 32) return;
        Map<String, Object> l = new LinkedHashMap<>();
        l.put("faceExpression", expression);
        l.put("timestamp", number(face.attributeValue("timestamp")));
        l.put("duration", number(face.attributeValue("duration")));
        sp.landmarks.add(l);
    }

    private static long number(String v) {
        try {
            return v == null ? 0 : Long.parseLong(v.trim());
        } catch (NumberFormatException e) {
            return 0;
        }
    }
}
