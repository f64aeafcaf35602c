package org.parley.muc.jitsi.avmoderation;

import com.nimbusds.jose.util.JSONObjectUtils;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.dom4j.Element;
import org.parley.muc.MucRoom;
import org.parley.muc.MucService;
import org.parley.muc.RoomModule;
import org.parley.muc.RoomOccupant;
import org.parley.muc.Role;
import org.parley.muc.jitsi.JitsiComponent;
import org.parley.muc.jitsi.JsonMessages;
import org.parley.muc.jitsi.OccupantIndex;
import org.parley.xmpp.router.Stanzas;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.xmpp.packet.JID;
import org.xmpp.packet.Message;
import org.xmpp.packet.Packet;
import org.xmpp.packet.PacketError;

/**
 * Audio/video moderation's room side (Jitsi's mod_av_moderation_component): a moderator sends
 * {@code <message to='avmoderation.<domain>'><av_moderation enable='true|false' mediaType='audio|video'/></message>}
 * to turn moderation of a media on or off, or {@code jidToWhitelist} / {@code jidToBlacklist} (an occupant JID) to
 * approve or reject a participant. The component tells the room's occupants in {@code av_moderation} json-messages,
 * the focus among them (an owner, so it gets the whitelists as every moderator does); the focus enforces it on the
 * SFU. Asking to speak is the raised hand, which the room carries as it is. Joiners get the current state.
 * Anyone but a moderator of the room gets service-unavailable, as Prosody answers a message its module declines.
 */
public final class AvModerationComponent implements RoomModule {
    private static final Logger log = LoggerFactory.getLogger(AvModerationComponent.class);
    static final String TYPE = "av_moderation";
    /** What current lib-jitsi-meet moderates (desktop: screen share) and the current Prosody module accepts. */
    static final List<String> MEDIA = List.of("audio", "video", "desktop");
    /** Approved participants kept per media and room; more are refused (a room has far fewer occupants). */
    static final int MAX_WHITELIST = 1000;

    private final JID component;
    private final MucService muc;
    private final OccupantIndex index = new OccupantIndex();
    private volatile JitsiComponent address;

    /** A room's moderation: per media that is on, who turned it on and who is approved (occupant JIDs). */
    private static final class State {
        final Map<String, Set<String>> whitelists = new LinkedHashMap<>();
        final Map<String, String> actors = new LinkedHashMap<>();
    }

    public AvModerationComponent(JID component, MucService muc) {
        this.component = component;
        this.muc = muc;
    }

    public void address(JitsiComponent c) { this.address = c; }

    /** Per moderated media: who turned it on and who may unmute (a media is moderated while it has a whitelist). */
    @Override
    public void handOver(MucRoom room, Element state) {
        State s = room.state(this);
        if (s == null) return;
        for (var e : s.whitelists.entrySet()) {
            Element media = state.addElement("media").addAttribute("name", e.getKey());
            String actor = s.actors.get(e.getKey());
            if (actor != null) media.addAttribute("actor", actor);
            for (String allowed : e.getValue()) media.addElement("allowed").setText(allowed);
        }
    }

    @Override
    public void restored(MucRoom room, Element state) {
        index.restored(room);
        for (Element media : state.elements("media")) {
            State s = room.state(this, State::new);
            String name = media.attributeValue("name");
            Set<String> allowed = s.whitelists.computeIfAbsent(name, k -> new java.util.LinkedHashSet<>());
            for (Element a : media.elements("allowed")) allowed.add(a.getText());
            if (media.attributeValue("actor") != null) s.actors.put(name, media.attributeValue("actor"));
        }
    }

    @Override
    public void joined(MucRoom room, RoomOccupant o) {
        index.joined(room, o);
        State s = room.state(this);
        if (s == null || s.whitelists.isEmpty()) return;
        for (String media : MEDIA) {
            if (s.whitelists.containsKey(media)) send(room, o, enabled(room, true, s.actors.get(media), media));
        }
        if (o.role() == Role.MODERATOR) send(room, o, whitelists(room, s, null, false));
    }

    /**
     * A participant made moderator while moderation is on gets the whitelists, as every moderator has them (Prosody
     * does it when an owner grants the affiliation; here for any way to the moderator role, the focus's grant
     * included). One who loses the role gets nothing: the focus stops letting it unmute.
     */
    @Override
    public void roleChanged(MucRoom room, RoomOccupant o, Role previous) {
        if (o.role() != Role.MODERATOR || previous == Role.MODERATOR) return;
        State s = room.state(this);
        if (s != null && !s.whitelists.isEmpty()) send(room, o, whitelists(room, s, null, false));
    }

    @Override public void left(MucRoom room, RoomOccupant o) { index.left(room, o); }

    @Override public void destroyed(MucRoom room) { index.destroyed(room); }

    /** A stanza to the component, on the sender's event loop: it only hands the work to the sender's room. */
    public void onStanza(Packet p) {
        if (!(p instanceof Message m) || m.getFrom() == null || m.getType() == Message.Type.error) return;
        Element command = m.getElement().element(TYPE);
        JID roomJid = index.room(m.getFrom());
        if (command == null || roomJid == null) {
            refuse(m, command == null ? "Expected <av_moderation/>" : "You are not in a room");
            return;
        }
        muc.inRoom(roomJid, room -> {
            RoomOccupant actor = room == null ? null : room.occupant(m.getFrom());
            if (actor == null) refuse(m, "You are not in a room");
            else if (actor.role() != Role.MODERATOR) refuse(m, "Only moderators moderate audio and video");
            else if (!MEDIA.contains(command.attributeValue("mediaType", ""))) refuse(m, "mediaType is audio, video or desktop");
            else if (!command(room, actor, command)) refuse(m, "Unknown or absent occupant");
        });
    }

    /** Runs a moderator's command in its room; false when it names nothing this module knows. */
    private boolean command(MucRoom room, RoomOccupant actor, Element command) {
        String media = command.attributeValue("mediaType");
        String enable = command.attributeValue("enable");
        State s = room.state(this, State::new);
        if (enable != null) {
            boolean on = "true".equals(enable);
            // A repeated enable or disable is a race between moderators: the first one won, nothing to tell.
            if (on == s.whitelists.containsKey(media)) return true;
            if (on) {
                s.whitelists.put(media, new LinkedHashSet<>());
                s.actors.put(media, actor.occupantJid().toString());
            } else {
                s.whitelists.remove(media);
                s.actors.remove(media);
            }
            String body = enabled(room, on, actor.occupantJid().toString(), media);
            for (RoomOccupant o : room.occupants()) send(room, o, body);
            return true;
        }
        boolean approve = command.attributeValue("jidToWhitelist") != null;
        String jid = approve ? command.attributeValue("jidToWhitelist") : command.attributeValue("jidToBlacklist");
        RoomOccupant target = jid == null ? null : byOccupantJid(room, jid);
        if (target == null) return false;
        Set<String> list = s.whitelists.get(media);
        if (list == null) {
            // Moderation of the media is off: an approval only asks the participant to unmute (Prosody's
            // notify_jid_approved); a rejection has nothing to undo.
            if (approve) {
                Map<String, Object> body = base(room);
                body.put("approved", true);
                body.put("mediaType", media);
                body.put("from", actor.occupantJid().toString());
                send(room, target, JSONObjectUtils.toJSONString(body));
            }
            return true;
        }
        String occupantJid = target.occupantJid().toString();
        if (approve ? list.size() >= MAX_WHITELIST || !list.add(occupantJid) : !list.remove(occupantJid)) return true;
        String forModerators = whitelists(room, s, media, !approve);
        Map<String, Object> own = base(room);
        if (!approve) own.put("removed", true);
        own.put("mediaType", media);
        if (approve) own.put("approved", true);
        String forTarget = JSONObjectUtils.toJSONString(own);
        for (RoomOccupant o : room.occupants()) {
            if (o.role() == Role.MODERATOR) send(room, o, forModerators);
            else if (o == target) send(room, o, forTarget);
        }
        return true;
    }

    private static RoomOccupant byOccupantJid(MucRoom room, String jid) {
        for (RoomOccupant o : room.occupants()) if (o.occupantJid().toString().equals(jid)) return o;
        return null;
    }

    private static Map<String, Object> base(MucRoom room) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("type", TYPE);
        body.put("room", room.jid().toBareJID());
        return body;
    }

    private static String enabled(MucRoom room, boolean on, String actor, String media) {
        Map<String, Object> body = base(room);
        body.put("enabled", on);
        if (actor != null) body.put("actor", actor);
        body.put("mediaType", media);
        return JSONObjectUtils.toJSONString(body);
    }

    /** What moderators (and the focus) get: every moderated media's whitelist, and what changed. */
    private static String whitelists(MucRoom room, State s, String media, boolean removed) {
        Map<String, Object> body = base(room);
        Map<String, Object> lists = new LinkedHashMap<>();
        s.whitelists.forEach((k, v) -> lists.put(k, new ArrayList<>(v)));
        body.put("whitelists", lists);
        if (removed) body.put("removed", true);
        if (media != null) body.put("mediaType", media);
        return JSONObjectUtils.toJSONString(body);
    }

    private void send(MucRoom room, RoomOccupant to, String json) {
        room.send(JsonMessages.of(component, to.realJid(), json));
    }

    private void refuse(Message m, String text) {
        log.debug("av_moderation from {} refused: {}", m.getFrom(), text);
        JitsiComponent c = address;
        if (c != null) c.send(Stanzas.errorReply(m, new PacketError(PacketError.Condition.service_unavailable,
                PacketError.Type.cancel, text)));
    }
}
