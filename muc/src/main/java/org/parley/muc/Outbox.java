package org.parley.muc;

import org.parley.xmpp.session.SharedStanza;
import org.xmpp.packet.JID;
import org.xmpp.packet.Packet;

/**
 * Where a room's output goes during one step of its actor. Nothing leaves before {@link #flush}, which the
 * service calls once at the end of every step, so a broadcast to 500 occupants becomes one task per event loop
 * rather than one per recipient, and the order of what one recipient gets is the order it was added.
 */
interface Outbox {
    /** A stanza serialized once for many recipients, to one of them. */
    void shared(JID to, SharedStanza stanza);

    /** A stanza for one recipient, addressed already. */
    void packet(Packet p);

    void flush();
}
