package org.parley.muc.jitsi.breakout;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The breakout rooms of one meeting, kept by its main room (on the main room's thread only): their names, and who is
 * in each as their own threads last reported.
 */
final class MainRoomState {
    /** One breakout room: its name and its participants by occupant JID (empty until someone enters). */
    static final class Breakout {
        String name;
        Map<String, Participant> participants = Map.of();

        Breakout(String name) { this.name = name; }
    }

    /** By bare JID, in order of creation. */
    final Map<String, Breakout> rooms = new LinkedHashMap<>();
    /** Rooms ever added (lib-jitsi-meet numbers default names from it). */
    int counter;
    /** A room-list update is scheduled. */
    boolean broadcastPending;
    /** Bumped whenever someone is in the meeting again, so an older close timer knows it is stale. */
    int closeGeneration;
    boolean closeScheduled;

    /** A participant of any breakout room with this real JID, or null. */
    Participant inBreakout(String realJid) {
        for (Breakout b : rooms.values()) {
            for (Participant p : b.participants.values()) if (p.jid().equals(realJid)) return p;
        }
        return null;
    }

    boolean breakoutsEmpty() {
        for (Breakout b : rooms.values()) if (!b.participants.isEmpty()) return false;
        return true;
    }
}
