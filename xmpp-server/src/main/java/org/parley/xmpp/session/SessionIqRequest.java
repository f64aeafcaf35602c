package org.parley.xmpp.session;

import org.parley.xmpp.handler.IqRequest;
import org.parley.xmpp.server.ServerContext;
import org.xmpp.packet.IQ;

/** A request from a local client, answered through the router like any other stanza. */
public record SessionIqRequest(ServerContext server, ClientSession origin) implements IqRequest {
    @Override public void reply(IQ reply) {
        if (reply.getTo() == null || reply.getTo().equals(origin.jid())) {
            origin.deliver(reply);
        } else {
            server.router().route(reply);
        }
    }
}
