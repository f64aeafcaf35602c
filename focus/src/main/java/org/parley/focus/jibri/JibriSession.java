package org.parley.focus.jibri;

import java.util.LinkedHashSet;
import java.util.Set;
import java.util.concurrent.ScheduledFuture;
import org.xmpp.packet.IQ;
import org.xmpp.packet.JID;

/**
 * One recording, live stream or SIP video call of a conference (Jicofo's JibriSession): what the moderator asked
 * for, kept to start it again on another Jibri, and where it stands. Confined to the conference's actor, except
 * for the {@link Jibris.Owner} calls, which {@link JibriModule} hands to that actor.
 */
final class JibriSession {
    enum Kind {
        FILE("file"), STREAM("stream"), SIP(null);

        final String recordingMode;

        Kind(String recordingMode) {
            this.recordingMode = recordingMode;
        }
    }

    final Kind kind;
    final String sessionId;
    final JID initiator;
    final String streamId;
    final String youTubeBroadcastId;
    final String sipAddress;
    final String displayName;
    final String appData;
    /** The Jibri working on it now, or null between attempts. */
    JID jibri;
    /** The current Jibri said it is on (the room may see "on" from an earlier Jibri while a new one starts). */
    boolean running;
    /** Jibris that failed it (not asked again). */
    final Set<JID> tried = new LinkedHashSet<>();
    int retries;
    /** "pending", "on" or "off" as last published. */
    String status;
    JID terminator;
    /** The moderator's start request until a Jibri took the session (then it is answered). */
    IQ clientRequest;
    ScheduledFuture<?> pendingTimer;
    boolean ended;
    /** The {@link Jibris.Owner} standing for this session with the Jibris. */
    Jibris.Owner owner;

    JibriSession(Kind kind, String sessionId, JID initiator, String streamId, String youTubeBroadcastId,
                 String sipAddress, String displayName, String appData) {
        this.kind = kind;
        this.sessionId = sessionId;
        this.initiator = initiator;
        this.streamId = streamId;
        this.youTubeBroadcastId = youTubeBroadcastId;
        this.sipAddress = sipAddress;
        this.displayName = displayName;
        this.appData = appData;
    }

    boolean sip() {
        return kind == Kind.SIP;
    }

    /** The start request for a Jibri (jicofo's sendJibriStartIq). */
    JibriIq startRequest(String room) {
        return new JibriIq("start", null, kind.recordingMode, streamId, youTubeBroadcastId, sipAddress, displayName, room,
                sessionId, appData, null, null);
    }

    @Override
    public String toString() {
        return kind + " " + sessionId;
    }
}
