package org.parley.xmpp.handler;

import org.dom4j.Element;
import org.xmpp.packet.IQ;
import org.xmpp.packet.PacketError;

/** XEP-0092 software version. The OS is left out on purpose: it helps attackers more than operators. */
public final class VersionHandler implements IqHandler {
    private final String name;
    private final String version;

    public VersionHandler(String name, String version) {
        this.name = name;
        this.version = version;
    }

    @Override public String namespace() { return "jabber:iq:version"; }

    @Override
    public void handle(IQ request, IqRequest context) {
        if (request.getType() != IQ.Type.get) {
            context.error(request, PacketError.Condition.bad_request);
            return;
        }
        IQ result = IQ.createResultIQ(request);
        Element query = result.setChildElement("query", namespace());
        query.addElement("name").setText(name);
        query.addElement("version").setText(version);
        context.reply(result);
    }
}
