package org.parley.xmpp.handler;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.dom4j.Element;
import org.xmpp.packet.IQ;
import org.xmpp.packet.PacketError;

/** XEP-0030 disco#items on the server: the services it hosts (MUC, focus, components) as they register. */
public final class DiscoItemsHandler implements IqHandler {
    public static final String NS = "http://jabber.org/protocol/disco#items";
    private final List<String[]> items = new CopyOnWriteArrayList<>();

    @Override public String namespace() { return NS; }
    @Override public boolean answersForOwnAccount() { return true; }

    /** Lists a service domain with a human-readable name. */
    public void addItem(String jid, String name) { items.add(new String[] {jid, name}); }

    public void removeItem(String jid) { items.removeIf(i -> i[0].equals(jid)); }

    @Override
    public void handle(IQ request, IqRequest context) {
        if (request.getType() != IQ.Type.get) {
            context.error(request, PacketError.Condition.bad_request);
            return;
        }
        IQ result = IQ.createResultIQ(request);
        Element query = result.setChildElement("query", NS);
        String node = request.getChildElement().attributeValue("node");
        if (node != null) {
            context.error(request, PacketError.Condition.item_not_found);
            return;
        }
        boolean toServer = request.getTo() == null || request.getTo().getNode() == null;
        if (toServer) {
            for (String[] i : items) {
                Element item = query.addElement("item").addAttribute("jid", i[0]);
                if (i[1] != null) item.addAttribute("name", i[1]);
            }
        }
        context.reply(result);
    }
}
