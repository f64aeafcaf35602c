package org.parley.xmpp.im;

import java.util.Set;
import org.dom4j.Element;
import org.parley.storage.RosterItem;
import org.parley.storage.Subscription;
import org.parley.xmpp.handler.IqHandler;
import org.parley.xmpp.handler.IqRequest;
import org.parley.xmpp.server.ServerContext;
import org.xmpp.packet.IQ;
import org.xmpp.packet.JID;
import org.xmpp.packet.PacketError;
import org.xmpp.packet.Presence;

/** Roster get and set (RFC 6121 sections 2.2 to 2.5), answered for the requester's own account. */
public final class RosterHandler implements IqHandler {
    private static final int MAX_NAME = 1024;
    private static final int MAX_GROUPS = 64;
    private final ServerContext server;

    public RosterHandler(ServerContext server) {
        this.server = server;
    }

    @Override public String namespace() { return RosterService.NS; }
    @Override public boolean answersForServer() { return false; }
    @Override public boolean answersForOwnAccount() { return true; }

    @Override
    public void handle(IQ request, IqRequest context) {
        JID owner = request.getFrom().asBareJID();
        if (request.getType() == IQ.Type.get) {
            if (context.origin() != null) context.origin().rosterRequested(true);
            server.roster().items(owner).whenComplete((items, error) -> {
                if (error != null) {
                    context.error(request, PacketError.Condition.internal_server_error);
                    return;
                }
                IQ result = IQ.createResultIQ(request);
                Element query = result.setChildElement("query", RosterService.NS);
                for (RosterItem i : items) if (i.inRoster()) RosterXml.appendItem(query, i);
                context.reply(result);
            });
            return;
        }
        set(request, owner, context);
    }

    private void set(IQ request, JID owner, IqRequest context) {
        var items = request.getChildElement().elements("item");
        if (items.size() != 1) {
            context.error(request, PacketError.Condition.bad_request);
            return;
        }
        Element item = items.get(0);
        JID contact;
        try {
            String jid = item.attributeValue("jid");
            contact = jid == null ? null : new JID(jid).asBareJID();
        } catch (IllegalArgumentException e) {
            context.error(request, PacketError.Condition.jid_malformed);
            return;
        }
        if (contact == null) {
            context.error(request, PacketError.Condition.bad_request);
            return;
        }
        String name = item.attributeValue("name");
        Set<String> groups = RosterXml.groups(item);
        if ((name != null && name.length() > MAX_NAME) || groups.size() > MAX_GROUPS || groups.contains("")) {
            context.error(request, PacketError.Condition.not_acceptable);
            return;
        }
        String contactJid = contact.toBareJID();
        if ("remove".equals(item.attributeValue("subscription"))) {
            server.roster().update(owner, contactJid, current -> null).whenComplete((change, error) -> {
                if (error != null) {
                    context.error(request, PacketError.Condition.internal_server_error);
                    return;
                }
                if (change.before() == null) {
                    context.error(request, PacketError.Condition.item_not_found);
                    return;
                }
                cancelSubscriptions(owner, contact, change.before());
                context.result(request);
            });
            return;
        }
        server.roster().update(owner, contactJid, current -> (current == null ? RosterItem.of(contactJid) : current)
                .withInRoster(true).withNameAndGroups(name, groups)).whenComplete((change, error) -> {
            if (error != null) context.error(request, PacketError.Condition.internal_server_error);
            else context.result(request);
        });
    }

    /** Removing an item cancels the subscriptions it carried (RFC 6121 2.5.2). */
    private void cancelSubscriptions(JID owner, JID contact, RosterItem removed) {
        Subscription s = removed.subscription();
        if (s.hasTo() || removed.askOut()) send(owner, contact, Presence.Type.unsubscribe);
        if (s.hasFrom() || removed.pendingIn()) send(owner, contact, Presence.Type.unsubscribed);
    }

    private void send(JID from, JID to, Presence.Type type) {
        Presence p = new Presence(type);
        p.setFrom(from);
        p.setTo(to);
        server.router().route(p);
    }
}
