package org.parley.muc;

import java.time.Instant;
import java.util.Collection;
import java.util.function.Supplier;
import org.dom4j.Element;
import org.xmpp.packet.JID;
import org.xmpp.packet.Packet;

/**
 * What a {@link RoomModule} sees of a room and may do with it. Only valid on the room's thread, during a hook or a
 * step handed to the room with {@link MucService#inRoom}.
 */
public interface MucRoom {
    /** The room's bare JID. */
    JID jid();

    /** The meeting id (a UUID; the focus uses it as the COLIBRI2 conference id). */
    String meetingId();

    /** When the room was created. */
    Instant created();

    /** The occupants in order of arrival. */
    Collection<? extends RoomOccupant> occupants();

    /** The occupant with this real (full) JID, or null. */
    RoomOccupant occupant(JID realJid);

    /** True for the service's admins (the focus): Jitsi's modules leave them out of what users see. */
    boolean serviceAdmin(JID user);

    /** Sends an addressed stanza with this step's output (from the room, one of its occupants or a service). */
    void send(Packet stanza);

    /**
     * Sends {@code stanza} (with a 'from', without a 'to') to every occupant, serialized once; a presence or message
     * a module builds.
     */
    void broadcast(Element stanza);

    /** Ends the room for everyone (XEP-0045 10.9: unavailable with {@code <destroy/>} and {@code reason}). */
    void destroy(String reason);

    /** As {@link #destroy(String)}, naming {@code alternate} as the room that replaces it (the occupants may go there). */
    void destroy(String reason, JID alternate);

    /** The per-room state of {@code module}, created by {@code initial} on first use; dropped with the room. */
    <T> T state(RoomModule module, Supplier<T> initial);

    /** The current state of a module in this room, or null. */
    <T> T state(RoomModule module);

    /**
     * The real JID whose stanza the room is handling in this step: the owner who submitted the configuration, the
     * moderator who invited or kicked, the joiner itself. Null in a step a module started ({@link MucService#inRoom}).
     */
    JID actor();

    /** Sets the room's subject as the room itself would, telling everyone in (Prosody's set_subject). */
    void subject(String text);

    /** The room's configuration now. */
    RoomConfig config();

    /**
     * Replaces the configuration as an owner's form would (members-only removes non-members, occupants are told
     * of privacy changes, a persistent room is stored, {@link RoomModule#configured} runs).
     */
    void reconfigure(java.util.function.UnaryOperator<RoomConfig> change);

    /** The affiliation of {@code user} (a full or bare JID) here. */
    Affiliation affiliation(JID user);

    /**
     * Sets the affiliation of {@code user}'s bare JID as an owner would, applying it to the occupants holding it
     * (a members-only room removes one that is no longer a member); {@link RoomModule#affiliationChanged} runs.
     */
    void setAffiliation(JID user, Affiliation affiliation);
}
