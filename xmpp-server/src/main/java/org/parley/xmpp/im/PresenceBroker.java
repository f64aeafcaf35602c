package org.parley.xmpp.im;

import java.util.List;
import org.parley.storage.RosterItem;
import org.parley.storage.Subscription;
import org.parley.xmpp.server.ServerContext;
import org.parley.xmpp.session.ClientSession;
import org.xmpp.packet.JID;
import org.xmpp.packet.Presence;

/**
 * Presence (RFC 6121 section 4) and subscriptions (section 3): who hears a user's presence, probes for
 * contacts' presence at login, directed presence, and the roster state each subscription stanza changes
 * on both sides.
 */
public final class PresenceBroker {
    private final ServerContext server;

    public PresenceBroker(ServerContext server) {
        this.server = server;
    }

    /** A presence stanza from a local client; runs on that session's executor. */
    public void outbound(ClientSession s, Presence p) {
        JID to = p.getTo();
        Presence.Type type = p.getType();
        if (to == null) {
            if (type == null) available(s, p);
            else if (type == Presence.Type.unavailable) unavailable(s, p);
            return;
        }
        if (isSubscription(type)) {
            outboundSubscription(s, p);
        } else if (type == null || type == Presence.Type.unavailable || type == Presence.Type.error) {
            server.router().route(p);
            if (type == null && !isFromSubscriber(s, to)) s.directedPresences().add(to);
            else if (type == Presence.Type.unavailable && s.hasDirectedPresences()) s.directedPresences().remove(to);
        }
        // Probes from clients are the server's business (RFC 6121 4.3): ignored.
    }

    private void available(ClientSession s, Presence p) {
        boolean initial = !s.available();
        Presence stored = p.createCopy();
        s.presence(stored);
        broadcast(s, stored);
        if (!initial) return;
        UserRoster roster = server.roster().cached(s.jid().toBareJID());
        // Our own other resources' presence, then every contact we are subscribed to.
        for (ClientSession other : server.router().available(s.jid().asBareJID())) {
            if (other != s) s.deliver(fromSession(other, s.jid()));
        }
        if (roster != null) {
            for (RosterItem item : roster.all()) {
                if (item.subscription().hasTo()) probe(s, new JID(item.contact()));
                if (item.pendingIn() && item.pendingInStanza() != null) {
                    server.offline().deliverSerialized(s, item.pendingInStanza());
                }
            }
        }
        if (stored.getPriority() >= 0 && !s.anonymous()) server.offline().drainTo(s);
    }

    private void unavailable(ClientSession s, Presence p) {
        if (!s.available() && !s.hasDirectedPresences()) return;
        Presence copy = p.createCopy();
        broadcast(s, copy);
        for (JID directed : s.hasDirectedPresences() ? List.copyOf(s.directedPresences()) : List.<JID>of()) {
            Presence d = copy.createCopy();
            d.setTo(directed);
            server.router().route(d);
        }
        if (s.hasDirectedPresences()) s.directedPresences().clear();
        s.presence(null);
    }

    /** The session is gone; its contacts hear it left. */
    public void sessionEnded(ClientSession s) {
        if (s.available() || s.hasDirectedPresences()) {
            Presence gone = new Presence(Presence.Type.unavailable);
            gone.setFrom(s.jid());
            unavailable(s, gone);
        }
        server.roster().detach(s.jid());
    }

    /** Sends a presence of {@code s} to its subscribers and to the user's own available sessions. */
    private void broadcast(ClientSession s, Presence p) {
        p.setFrom(s.jid());
        for (ClientSession own : server.router().available(s.jid().asBareJID())) {
            Presence copy = p.createCopy();
            copy.setTo(own.jid());
            own.deliver(copy);
        }
        UserRoster roster = server.roster().cached(s.jid().toBareJID());
        if (roster == null) return;
        for (RosterItem item : roster.all()) {
            if (!item.subscription().hasFrom()) continue;
            Presence copy = p.createCopy();
            copy.setTo(item.contact());
            server.router().route(copy);
        }
    }

    /** Answers a probe from the server's side: the contact's available sessions, if the prober may see them. */
    public void probe(Presence probe) {
        JID prober = probe.getFrom();
        JID target = probe.getTo().asBareJID();
        UserRoster roster = server.roster().cached(target.toBareJID());
        if (prober == null || roster == null) return;
        RosterItem item = roster.get(prober.toBareJID());
        if (item == null || !item.subscription().hasFrom()) return;
        probeLocal(target, prober);
    }

    /**
     * Asks for a contact's current presence at login: answered here for local contacts, by a probe from the
     * user's bare JID through the router for contacts elsewhere (RFC 6121 section 4.3.1).
     */
    private void probe(ClientSession s, JID contact) {
        if (server.isLocalDomain(contact.getDomain())) {
            probeLocal(contact, s.jid());
            return;
        }
        Presence probe = new Presence(Presence.Type.probe);
        probe.setFrom(s.jid().asBareJID());
        probe.setTo(contact.asBareJID());
        server.router().route(probe);
    }

    private void probeLocal(JID contact, JID requester) {
        UserRoster contactRoster = server.roster().cached(contact.toBareJID());
        if (contactRoster == null) return;
        RosterItem back = contactRoster.get(requester.toBareJID());
        if (back == null || !back.subscription().hasFrom()) return;
        for (ClientSession s : server.router().available(contact.asBareJID())) {
            Presence p = fromSession(s, requester);
            server.router().route(p);
        }
    }

    private static Presence fromSession(ClientSession s, JID to) {
        Presence p = s.presence().createCopy();
        p.setFrom(s.jid());
        p.setTo(to);
        return p;
    }

    private boolean isFromSubscriber(ClientSession s, JID to) {
        UserRoster roster = server.roster().cached(s.jid().toBareJID());
        if (roster == null) return false;
        RosterItem item = roster.get(to.toBareJID());
        return item != null && item.subscription().hasFrom() && to.getResource() == null;
    }

    // ---- subscriptions (RFC 6121 section 3) ----

    /** A subscription stanza a local user sends: update the user's roster, then route it stamped with the bare JID. */
    private void outboundSubscription(ClientSession s, Presence p) {
        JID user = s.jid().asBareJID();
        JID contactJid = p.getTo().asBareJID();
        String contact = contactJid.toBareJID();
        if (contact.equals(user.toBareJID())) return;
        Presence out = p.createCopy();
        out.setFrom(user);
        out.setTo(contactJid);
        Presence.Type type = p.getType();
        server.roster().update(user, contact, item -> switch (type) {
            case subscribe -> {
                RosterItem i = item == null ? RosterItem.of(contact) : item.withInRoster(true);
                yield i.subscription().hasTo() ? i : i.withAskOut(true);
            }
            case subscribed -> item != null && item.pendingIn()
                    ? item.withSubscription(plusFrom(item.subscription())).withPendingIn(false, null).withInRoster(true) : item;
            case unsubscribe -> item == null ? null : item.withSubscription(minusTo(item.subscription())).withAskOut(false);
            case unsubscribed -> item == null ? null
                    : dropIfEmpty(item.withSubscription(minusFrom(item.subscription())).withPendingIn(false, null));
            default -> item;
        }).thenAccept(change -> {
            boolean send = switch (type) {
                case subscribe -> true;
                case subscribed -> change.before() != null && change.before().pendingIn();
                case unsubscribe -> change.before() != null && (change.before().subscription().hasTo() || change.before().askOut());
                case unsubscribed -> change.before() != null && (change.before().subscription().hasFrom() || change.before().pendingIn());
                default -> false;
            };
            if (send) server.router().route(out);
            if (type == Presence.Type.subscribed && send) {
                for (ClientSession own : server.router().available(user)) server.router().route(fromSession(own, contactJid));
            }
            if (type == Presence.Type.unsubscribed && send) {
                for (ClientSession own : server.router().available(user)) {
                    Presence gone = new Presence(Presence.Type.unavailable);
                    gone.setFrom(own.jid());
                    gone.setTo(contactJid);
                    server.router().route(gone);
                }
            }
        });
    }

    /** A subscription stanza arriving for a local user (routed to their bare JID). */
    public void inboundSubscription(Presence p) {
        JID user = p.getTo().asBareJID();
        JID from = p.getFrom();
        if (from == null) return;
        String contact = from.toBareJID();
        Presence.Type type = p.getType();
        userExists(user).thenAccept(exists -> {
            if (!exists) {
                if (type == Presence.Type.subscribe) {
                    Presence refusal = new Presence(Presence.Type.unsubscribed);
                    refusal.setFrom(user);
                    refusal.setTo(from.asBareJID());
                    server.router().route(refusal);
                }
                return;
            }
            Presence delivered = p.createCopy();
            delivered.setFrom(from.asBareJID());
            server.roster().update(user, contact, item -> switch (type) {
                case subscribe -> {
                    if (item != null && item.subscription().hasFrom()) yield item;
                    RosterItem base = item == null ? RosterItem.of(contact).withInRoster(false) : item;
                    yield base.withPendingIn(true, org.parley.xmpp.xml.XmlWriter.toXml(delivered.getElement(), ""));
                }
                case subscribed -> item != null && item.askOut()
                        ? item.withSubscription(plusTo(item.subscription())).withAskOut(false) : item;
                case unsubscribe -> item == null ? null
                        : dropIfEmpty(item.withSubscription(minusFrom(item.subscription())).withPendingIn(false, null));
                case unsubscribed -> item == null ? null : item.withSubscription(minusTo(item.subscription())).withAskOut(false);
                default -> item;
            }).thenAccept(change -> {
                RosterItem before = change.before();
                switch (type) {
                    case subscribe -> {
                        if (before != null && before.subscription().hasFrom()) {
                            // Already approved: answer for the user (RFC 6121 3.1.3 step 2).
                            Presence ok = new Presence(Presence.Type.subscribed);
                            ok.setFrom(user);
                            ok.setTo(from.asBareJID());
                            server.router().route(ok);
                        } else {
                            for (ClientSession s : server.router().available(user)) s.deliver(withTo(delivered, s.jid()));
                        }
                    }
                    case subscribed, unsubscribe, unsubscribed -> {
                        if (change.changed()) {
                            for (ClientSession s : server.router().available(user)) s.deliver(withTo(delivered, s.jid()));
                        }
                    }
                    default -> { }
                }
            });
        });
    }

    private java.util.concurrent.CompletableFuture<Boolean> userExists(JID user) {
        if (server.roster().cached(user.toBareJID()) != null) return java.util.concurrent.CompletableFuture.completedFuture(true);
        return server.storage().accounts().exists(user.getDomain(), user.getNode());
    }

    private static Presence withTo(Presence p, JID to) {
        Presence c = p.createCopy();
        c.setTo(to);
        return c;
    }

    private static RosterItem dropIfEmpty(RosterItem i) {
        return !i.inRoster() && !i.pendingIn() && i.subscription() == Subscription.NONE ? null : i;
    }

    private static boolean isSubscription(Presence.Type t) {
        return t == Presence.Type.subscribe || t == Presence.Type.subscribed
                || t == Presence.Type.unsubscribe || t == Presence.Type.unsubscribed;
    }

    static Subscription plusFrom(Subscription s) { return s == Subscription.TO || s == Subscription.BOTH ? Subscription.BOTH : Subscription.FROM; }
    static Subscription plusTo(Subscription s) { return s == Subscription.FROM || s == Subscription.BOTH ? Subscription.BOTH : Subscription.TO; }
    static Subscription minusFrom(Subscription s) { return s == Subscription.BOTH || s == Subscription.TO ? Subscription.TO : Subscription.NONE; }
    static Subscription minusTo(Subscription s) { return s == Subscription.BOTH || s == Subscription.FROM ? Subscription.FROM : Subscription.NONE; }
}
