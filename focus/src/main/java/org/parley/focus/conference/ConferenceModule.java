package org.parley.focus.conference;

import org.parley.jingle.Jingle;
import org.parley.jingle.colibri2.Endpoint;
import org.parley.jingle.focus.ConferenceIq;
import org.xmpp.packet.IQ;
import org.xmpp.packet.Message;
import org.xmpp.packet.Presence;

/**
 * A feature of the focus (moderator muting, start muted, ...) plugged into every conference, as a Prosody module is
 * plugged into a room. A conference creates one instance per feature ({@link Factory}) and calls its hooks on the
 * conference's actor, one step at a time, so a module keeps its per-conference state in plain fields and takes no
 * locks; it must not block. What a module may do to the conference is on its {@link ConferenceHandle}. Every hook
 * does nothing by default: a module implements only those it needs.
 */
public interface ConferenceModule {
    /** Makes the module's instance for one conference. */
    @FunctionalInterface
    interface Factory {
        ConferenceModule create(ConferenceHandle conference);
    }

    /** The focus is in the room and the conference answers requests with ready (once per conference). */
    default void created() { }

    /**
     * A conference request for this room the policy allowed (over XMPP or HTTP); the first one created the conference.
     * Jicofo takes a conference's properties from the request that created it.
     */
    default void requested(ConferenceIq request) { }

    /** An occupant other than the focus entered the room (its first presence). */
    default void joined(Member member) { }

    /** Every available presence of an occupant other than the focus, its first included (after {@link #joined}). */
    default void presence(Member member, Presence presence) { }

    /** An occupant left the room. */
    default void left(Member member) { }

    /** The conference ended (last participant gone, timeout, focus stopping); it is expired on its SFUs already. */
    default void ended() { }

    /**
     * An IQ request (get or set) to the focus's occupant from {@code from} that is not Jingle. Returns true when this
     * module takes it: it must then answer it, at once or later; false leaves it to the next module (the last one
     * refuses it with {@code service-unavailable}).
     */
    default boolean iq(Member from, IQ iq) { return false; }

    /**
     * A message to the focus about this conference from a service the focus listens to (the AV moderation component),
     * routed here by the room it names; only while the conference runs.
     */
    default void message(Message message) { }

    /**
     * A new COLIBRI2 endpoint for {@code member} is about to be requested (its first allocation, or a new one after a
     * restart or an SFU failure): the module returns the endpoint to request, e.g. with a {@code <force-mute>}.
     */
    default Endpoint allocating(Member member, Endpoint endpoint) { return endpoint; }

    /** A {@code session-initiate} for {@code member} is about to be sent: the module returns the one to send. */
    default Jingle offering(Member member, Jingle sessionInitiate) { return sessionInitiate; }

    /**
     * What must outlive a restart of the focus (persisted with the conference, issue 8): one element of the module's
     * own name and namespace, or null when there is nothing. Written after each step that changed the conference, and
     * after {@link ConferenceHandle#stateChanged}.
     */
    default org.dom4j.Element persistentState() { return null; }

    /**
     * The conference is being restored after a restart (before the focus rejoins its room): {@code state} holds what
     * the modules returned from {@link #persistentState}, each module finds its own element there.
     */
    default void restored(org.dom4j.Element state) { }
}
