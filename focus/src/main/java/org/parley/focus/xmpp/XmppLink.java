package org.parley.focus.xmpp;

import org.xmpp.packet.Packet;

/**
 * How the focus reaches the rest of the XMPP world: the router behind the server's {@code Services} in production,
 * a recording fake in unit tests. Safe from any thread; never blocks. Answers to the focus's IQ requests come back in
 * through the focus's components and are matched by {@link IqClient#answer}.
 */
public interface XmppLink {
    /** Sends a stanza; its {@code from} must be set (an address of the focus). */
    void send(Packet packet);
}
