package org.parley.xmpp.handler;

import org.dom4j.Element;
import org.parley.xmpp.server.ServerContext;
import org.xmpp.packet.IQ;
import org.xmpp.packet.PacketError;

/**
 * XEP-0030 disco#info: the server's identity and the features of every registered handler; for the
 * requester's own bare JID, the account identity.
 */
public final class DiscoInfoHandler implements IqHandler {
    public static final String NS = "http://jabber.org/protocol/disco#info";
    private final ServerContext server;

    public DiscoInfoHandler(ServerContext server) {
        this.server = server;
    }

    @Override public String namespace() { return NS; }
    @Override public boolean answersForOwnAccount() { return true; }

    @Override
    public void handle(IQ request, IqRequest context) {
        if (request.getType() != IQ.Type.get) {
            context.error(request, PacketError.Condition.bad_request);
            return;
        }
        if (request.getChildElement().attributeValue("node") != null) {
            context.error(request, PacketError.Condition.item_not_found);
            return;
        }
        IQ result = IQ.createResultIQ(request);
        Element query = result.setChildElement("query", NS);
        boolean toServer = request.getTo() != null && request.getTo().getNode() == null;
        if (toServer) {
            query.addElement("identity").addAttribute("category", "server").addAttribute("type", "im")
                    .addAttribute("name", server.config().serverName());
            for (IqDispatcher.Identity i : server.iq().identities(request.getTo().getDomain())) {
                query.addElement("identity").addAttribute("category", i.category()).addAttribute("type", i.type())
                        .addAttribute("name", i.name());
            }
            for (String f : server.iq().serverFeatures()) query.addElement("feature").addAttribute("var", f);
            query.addElement("feature").addAttribute("var", "msgoffline");
        } else {
            query.addElement("identity").addAttribute("category", "account").addAttribute("type", "registered");
            query.addElement("feature").addAttribute("var", NS);
        }
        context.reply(result);
    }
}
