package org.parley.xmpp.handler;

import org.parley.xmpp.router.Stanzas;
import org.parley.xmpp.session.ClientSession;
import org.xmpp.packet.IQ;
import org.xmpp.packet.PacketError;

/** What a handler may do with the request it is answering. */
public interface IqRequest {
    /** The local session the request came from, or null when it came from elsewhere. */
    ClientSession origin();

    /** Sends a reply to the requester. */
    void reply(IQ reply);

    default void result(IQ request) { reply(Stanzas.result(request)); }

    default void error(IQ request, PacketError.Condition condition) {
        reply((IQ) Stanzas.errorReply(request, condition));
    }
}
