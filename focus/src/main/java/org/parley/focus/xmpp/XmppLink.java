package org.parley.focus.xmpp;

import org.xmpp.component.IQResultListener;
import org.xmpp.packet.IQ;
import org.xmpp.packet.Packet;

/**
 * How the focus reaches the rest of the XMPP world: the router behind the server's {@code Services} in production,
 * a recording fake in unit tests. Both methods are safe from any thread and never block.
 */
public interface XmppLink {
    /** Sends a stanza; its {@code from} must be set (an address of the focus). */
    void send(Packet packet);

    /**
     * Sends an IQ request and calls the listener with the answer (result or error) or, much later, a timeout. Callers
     * put their own, shorter timeouts on top ({@link IqClient}).
     */
    void query(IQ request, IQResultListener listener);
}
