package org.parley.xmpp.handler;

import java.util.Set;
import org.xmpp.packet.IQ;

/**
 * One protocol the server answers itself, found by the namespace of the IQ's child element.
 * Each handler must answer every request it accepts, with a result or an error, through {@link IqRequest}.
 */
public interface IqHandler {
    /** Namespace of the request child this handler answers. */
    String namespace();

    /** What disco#info on the server advertises for this handler. */
    default Set<String> features() { return Set.of(namespace()); }

    /** Whom the handler answers for: the server domain, the requester's own account, or both. */
    default boolean answersForServer() { return true; }

    default boolean answersForOwnAccount() { return false; }

    void handle(IQ request, IqRequest context);
}
