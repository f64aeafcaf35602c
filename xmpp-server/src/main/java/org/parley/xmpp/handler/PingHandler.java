package org.parley.xmpp.handler;

import org.xmpp.packet.IQ;
import org.xmpp.packet.PacketError;

/** XEP-0199: the server answers pings to itself and to the requester's own account. */
public final class PingHandler implements IqHandler {
    @Override public String namespace() { return "urn:xmpp:ping"; }
    @Override public boolean answersForOwnAccount() { return true; }

    @Override
    public void handle(IQ request, IqRequest context) {
        if (request.getType() != IQ.Type.get) context.error(request, PacketError.Condition.bad_request);
        else context.result(request);
    }
}
