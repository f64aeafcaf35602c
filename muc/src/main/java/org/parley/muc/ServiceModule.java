package org.parley.muc;

import java.util.function.Consumer;
import org.xmpp.packet.Packet;

/**
 * A feature that takes stanzas addressed to a MUC service's own domain, as Prosody modules hook {@code message/host}
 * and {@code host-disco-info-node} on a MUC component (Jitsi's breakout rooms are driven by messages to
 * {@code breakout.<domain>}). Registered with {@link MucService#addServiceModule} while starting. Called on the
 * service's thread for the sender, before the service's own handling; must not block, and hands work on rooms to
 * their threads ({@link MucService#inRoom}).
 */
public interface ServiceModule {
    /**
     * True: the module took {@code stanza} (answered it through {@code reply} now, or will through a room); false:
     * the service handles it as it would without the module (disco, or {@code service-unavailable}). {@code reply}
     * is the output of the current step: use it only during this call, never from a later step.
     */
    boolean stanza(Packet stanza, Consumer<Packet> reply);
}
