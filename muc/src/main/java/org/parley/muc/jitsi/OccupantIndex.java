package org.parley.muc.jitsi;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.parley.muc.MucRoom;
import org.parley.muc.RoomOccupant;
import org.xmpp.packet.JID;

/**
 * Which room each occupant of a feature's rooms is in. Jitsi's components find "the sender's room" from the
 * {@code ?room=} of its web socket; Parley finds it from the sender's occupancy. Kept by the feature's room hooks
 * (on room threads), read by its component (on event loops); bounded by the occupants.
 */
public final class OccupantIndex {
    private final Map<JID, JID> roomOf = new ConcurrentHashMap<>();

    public void joined(MucRoom room, RoomOccupant o) { roomOf.put(o.realJid(), room.jid()); }

    public void left(MucRoom room, RoomOccupant o) { roomOf.remove(o.realJid(), room.jid()); }

    public void destroyed(MucRoom room) { roomOf.values().removeIf(room.jid()::equals); }

    /** A room restored from a hand-over: its occupants are in it (no join hook ran for them). */
    public void restored(MucRoom room) {
        for (RoomOccupant o : room.occupants()) roomOf.put(o.realJid(), room.jid());
    }

    /** The room {@code occupant} (a full JID) is in, or null. */
    public JID room(JID occupant) { return roomOf.get(occupant); }
}
