package org.parley.muc;

import org.dom4j.Element;
import org.xmpp.packet.JID;
import org.xmpp.packet.Message;
import org.xmpp.packet.Packet;
import org.xmpp.packet.PacketError;
import org.xmpp.packet.Presence;

/**
 * A feature plugged into the rooms of one MUC service (Prosody's lesson: a feature is a module, the room only has
 * hooks). Every hook runs on the room's own thread as part of the room's current step, so a module keeps its
 * per-room state in {@link MucRoom#state} without locks, and what it sends through the room goes out with the step.
 * Hooks must not block. Registered with {@link MucService#addModule} before clients arrive; a service without
 * modules runs exactly the code it ran before (each hook site is a test of an empty array).
 */
public interface RoomModule {

    /** The room was just created, before its creator's join is handled. */
    default void created(MucRoom room) { }

    /**
     * {@code user} asks to enter as {@code nick} and the room's own checks passed; an error vetoes the join (it is
     * the answer the user gets), null lets it through.
     */
    default PacketError joining(MucRoom room, JID user, String nick, Presence presence) { return null; }

    /**
     * {@code user} asks to enter, is neither banned nor kept out by a locked room, and the room has not yet checked
     * membership (members-only) or the password: a module may let the user in by granting an affiliation
     * ({@link MucRoom#setAffiliation}; the room's checks then see it), or refuse with a stanza of its own (an error
     * reply to {@code presence}, sent instead of the join; XEP-0045 leaves room for application elements there).
     * Null goes on with the room's checks. A Jitsi lobby: whitelisted users and the right password pass, others are
     * sent to the lobby room.
     */
    default Packet entering(MucRoom room, JID user, Presence presence) { return null; }

    /** {@code occupant} entered; the room has sent it everyone's presence, its own, the history and the subject. */
    default void joined(MucRoom room, RoomOccupant occupant) { }

    /**
     * {@code occupant}'s presence content changed (it joined, updated its presence or changed its nick), before any
     * copy of it goes out: a module may add elements to {@code payload} (the client's own presence children).
     */
    default void presence(MucRoom room, RoomOccupant occupant, Element payload) { }

    /** {@code occupant} left or was removed (kicked, banned, gone); the room may be empty now. */
    default void left(MucRoom room, RoomOccupant occupant) { }

    /**
     * A groupchat message from {@code sender}, allowed by the room's rules, before it is broadcast and kept in the
     * history. True consumes it (the module answered or dropped it); false lets the room broadcast it.
     */
    default boolean message(MucRoom room, RoomOccupant sender, Message message) { return false; }

    /** The owner submitted a new configuration. */
    default void configured(MucRoom room) { }

    /** The room's disco#info is being answered: a module may add fields to the muc#roominfo {@code form}. */
    default void roomInfo(MucRoom room, Element form) { }

    /**
     * An owner asks for the configuration form (XEP-0045 10.2; the focus reads it as Jicofo does): a module may add
     * read-only fields to {@code form} (Prosody's muc-config-form).
     */
    default void configForm(MucRoom room, Element form) { }

    /**
     * The last occupant left this temporary room, which would now go; true keeps it, empty (Prosody's
     * "maybe-destroy-room" veto: breakout rooms keep their main room while people are in them). A module that keeps
     * a room owns its end: it destroys it later ({@link MucRoom#destroy}).
     */
    default boolean keepEmpty(MucRoom room) { return false; }

    /** The room is gone (destroyed by its owner or a module, or the last occupant left a temporary room). */
    default void destroyed(MucRoom room) { }

    /**
     * {@code occupant}'s role changed from {@code previous} (granted or revoked moderator or voice, or following an
     * affiliation change) and everyone has been told; not called when it leaves or is kicked ({@link #left}).
     */
    default void roleChanged(MucRoom room, RoomOccupant occupant, Role previous) { }

    /**
     * The affiliation of {@code user} (a bare JID, or a domain) changed from {@code previous} to {@code now}, and
     * the occupants holding it were updated (or removed). The user need not be in the room.
     */
    default void affiliationChanged(MucRoom room, JID user, Affiliation previous, Affiliation now) { }

    /**
     * The node hands over to its next process (issue 18): write this module's state of {@code room} into
     * {@code state}, an element of its own (children and attributes as it likes), for {@link #restored}. The room
     * is not told; nothing may be sent. Also called for the periodic checkpoints of a running room (a process started
     * after a crash restores the last one), so it must change nothing.
     */
    default void handOver(MucRoom room, Element state) { }

    /**
     * {@code room} was restored from a hand-over with its occupants, configuration, affiliations and history, before
     * any client can reach it: rebuild this module's state (and any index of occupants) from {@code state}, what
     * {@link #handOver} wrote (an empty element when it wrote nothing, or the previous build did not know it). No
     * join or leave hook runs for the restored occupants; nothing may be sent.
     */
    default void restored(MucRoom room, Element state) { }

    /**
     * Whether {@code recipient} must not get {@code stanza} (a presence or message) from {@code sender}; both are
     * occupants and never the same one. A Jitsi lobby room: waiting users see only themselves, moderators see them.
     * Only asked in the rooms of services where a module overrides it (the others' output is not filtered).
     */
    default boolean hides(MucRoom room, RoomOccupant sender, RoomOccupant recipient, Element stanza) { return false; }
}
