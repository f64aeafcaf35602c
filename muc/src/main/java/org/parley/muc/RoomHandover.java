package org.parley.muc;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.dom4j.DocumentHelper;
import org.dom4j.Element;
import org.parley.storage.StoredRoom;
import org.parley.xmpp.token.TokenXml;
import org.parley.xmpp.xml.StoredXml;
import org.xmpp.packet.JID;

/**
 * A room in the form one process hands to the next (issue 18): what {@link RoomStore} keeps of a persistent room
 * (configuration, subject, affiliations, meeting id, secret, creation time), and what lives only in memory — the
 * occupants with their nicks, roles, affiliations, occupant ids and presence, the history, whether the room is
 * locked, and each module's state ({@link RoomModule#handOver}). XML with a format number: a newer build reads what
 * an older one wrote.
 */
final class RoomHandover {
    static final String KIND = "room";
    static final int FORMAT = 1;

    private RoomHandover() {}

    /** On the room's thread. */
    static String encode(Room room) {
        Element r = DocumentHelper.createElement("room");
        StoredRoom stored = room.stored();
        r.addAttribute("domain", stored.domain());
        r.addAttribute("name", stored.name());
        r.addAttribute("meeting-id", stored.meetingId());
        r.addAttribute("locked", Boolean.toString(room.locked));
        r.addAttribute("token-room", Boolean.toString(room.tokenRoom));
        r.addElement("stored").setText(stored.config());
        for (StoredRoom.RoomAffiliation a : stored.affiliations()) {
            Element e = r.addElement("affiliation").addAttribute("jid", a.jid()).addAttribute("affiliation", a.affiliation());
            if (a.nick() != null) e.addAttribute("nick", a.nick());
            if (a.reason() != null) e.addAttribute("reason", a.reason());
        }
        for (Occupant o : room.occupants()) {
            Element e = r.addElement("occupant");
            e.addAttribute("real-jid", o.realJid.toString());
            e.addAttribute("nick", o.nick);
            e.addAttribute("occupant-id", o.occupantId);
            e.addAttribute("role", o.role.xml());
            e.addAttribute("affiliation", o.affiliation.xml());
            if (o.payload != null) e.addElement("payload").add(o.payload.createCopy());
            TokenXml.write(e, o.identity);
        }
        for (History.Entry h : room.history().entries()) {
            r.addElement("history").addAttribute("at", Long.toString(h.at.toEpochMilli())).add(h.message.createCopy());
        }
        room.service.hooks().handOver(room, r.addElement("modules"));
        return r.asXML();
    }

    /** A room with its occupants as {@link #encode} wrote it (format {@code format}); its modules are not yet told. */
    static Restored decode(MucDomain service, int format, String body) {
        if (format < 1 || format > FORMAT) {
            throw new IllegalArgumentException("room hand-over format " + format + " is newer than this build reads (" + FORMAT + ")");
        }
        Element r = StoredXml.parse(body);
        if (!service.domain().equals(r.attributeValue("domain"))) throw new IllegalArgumentException("not a room of " + service.domain());
        List<StoredRoom.RoomAffiliation> affiliations = new ArrayList<>();
        for (Element a : r.elements("affiliation")) {
            affiliations.add(new StoredRoom.RoomAffiliation(a.attributeValue("jid"), a.attributeValue("affiliation"),
                    a.attributeValue("nick"), a.attributeValue("reason")));
        }
        StoredRoom stored = new StoredRoom(service.domain(), r.attributeValue("name"), r.attributeValue("meeting-id"),
                r.elementText("stored"), affiliations);
        Room room = RoomStore.restore(service, stored, false);
        room.locked = Boolean.parseBoolean(r.attributeValue("locked"));
        room.tokenRoom = Boolean.parseBoolean(r.attributeValue("token-room"));
        for (Element e : r.elements("occupant")) {
            JID real = org.parley.xmpp.jid.JidPrep.canonical(e.attributeValue("real-jid"));
            String nick = e.attributeValue("nick");
            Element payload = e.element("payload");
            Occupant o = new Occupant(real, nick, new JID(room.jid.getNode(), room.jid.getDomain(), nick, true),
                    e.attributeValue("occupant-id"), required(Role.parse(e.attributeValue("role")), "role"),
                    required(Affiliation.parse(e.attributeValue("affiliation")), "affiliation"),
                    payload == null || payload.elements().isEmpty() ? null : payload.elements().get(0).createCopy());
            o.identity = TokenXml.read(e);
            // Its first join here gets the room's full state (the focus rejoins its rooms after a restart).
            o.lastRejoin = System.nanoTime() - Room.REJOIN_INTERVAL_NANOS - 1;
            room.restoreOccupant(o);
        }
        for (Element h : r.elements("history")) {
            if (h.elements().isEmpty()) continue;
            room.history().add(h.elements().get(0).createCopy(), Instant.ofEpochMilli(Long.parseLong(h.attributeValue("at"))),
                    room.jidString);
        }
        Element modules = r.element("modules");
        return new Restored(room, modules != null ? modules : DocumentHelper.createElement("modules"));
    }

    private static <T> T required(T value, String what) {
        if (value == null) throw new IllegalArgumentException("an occupant without a valid " + what);
        return value;
    }

    /** A decoded room and its modules' states, for {@link RoomHooks#restored} once the room is in place. */
    record Restored(Room room, Element modules) {}
}
