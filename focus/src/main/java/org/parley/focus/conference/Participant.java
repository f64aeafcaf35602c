package org.parley.focus.conference;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Set;
import org.parley.focus.source.EndpointSources;
import org.parley.jingle.ice.IceUdpTransport;
import org.parley.jingle.xml.OpaqueElement;
import org.xmpp.packet.JID;

/**
 * One occupant of a conference room other than the focus, with its media state. Confined to its conference's actor.
 * Its MUC nickname is its COLIBRI2 endpoint id.
 */
final class Participant {
    /** Where its Jingle session stands. */
    enum SessionState {
        /** No allocation and no offer. */
        NONE,
        /** A COLIBRI2 allocation is under way. */
        ALLOCATING,
        /** The session-initiate went out; the client has not acknowledged or accepted yet. */
        OFFERED,
        /** The client accepted: media flows through the bridge. */
        ACTIVE
    }

    /** A source change for this participant's client that waits until its session is active. */
    record QueuedSources(boolean add, String owner, JID ownerOccupant, EndpointSources sources) {}

    final String nick;
    final JID occupantJid;
    final long joinOrder;
    JID realJid;
    String statsId;
    String region;
    String affiliation = "none";
    String role = "participant";
    boolean hidden;
    List<OpaqueElement> presence = List.of();
    /** The client's disco features; null until known (then the first offer can be built). */
    Set<String> features;
    String capsKey;

    ColibriSession bridgeSession;
    IceUdpTransport bridgeTransport;
    Integer sctpPort;
    SessionState state = SessionState.NONE;
    String sid;
    String bridgeSessionId;
    /** Increases with every allocation; an answer for an older one is stale. */
    int generation;
    int inviteFailures;
    IceUdpTransport clientTransport;
    Integer initialLastN;
    final List<QueuedSources> queued = new ArrayList<>();
    final Deque<Long> restarts = new ArrayDeque<>();
    /** When its session was ended because it was alone (it is invited again when someone joins). */
    boolean parkedAlone;

    Participant(String nick, JID occupantJid, long joinOrder) {
        this.nick = nick;
        this.occupantJid = occupantJid;
        this.joinOrder = joinOrder;
    }

    boolean hasSession() {
        return state != SessionState.NONE;
    }

    /** Forgets the session and the allocation (the bridge endpoint is expired or gone). */
    void resetSession() {
        state = SessionState.NONE;
        bridgeSession = null;
        bridgeTransport = null;
        sctpPort = null;
        sid = null;
        bridgeSessionId = null;
        clientTransport = null;
        queued.clear();
        generation++;
    }

    boolean supports(String feature) {
        return features != null && features.contains(feature);
    }

    @Override
    public String toString() {
        return nick;
    }
}
