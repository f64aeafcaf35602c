package org.parley.bench.load;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/** One meeting of the mix: its room, the size it was drawn with, when it ends, and who is in it or on the way. */
final class MixMeeting {
    final String room;
    final int size;
    final long endAtNanos;
    /** Participants started for it and not gone yet (written by the controller, read by participants). */
    final Set<MixParticipant> members = ConcurrentHashMap.newKeySet();
    volatile boolean ended;

    MixMeeting(String room, int size, long endAtNanos) {
        this.room = room;
        this.size = size;
        this.endAtNanos = endAtNanos;
    }
}
