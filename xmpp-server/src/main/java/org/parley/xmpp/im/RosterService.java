package org.parley.xmpp.im;

import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.UnaryOperator;
import org.dom4j.Element;
import org.parley.storage.RosterItem;
import org.parley.xmpp.router.KeyedSequencer;
import org.parley.xmpp.server.ServerContext;
import org.parley.xmpp.session.ClientSession;
import org.xmpp.packet.IQ;
import org.xmpp.packet.JID;

/**
 * Rosters (RFC 6121 section 2): kept in memory while their owner has a session, so presence broadcasts
 * never wait on the database, and written through to storage. Every change to one owner's roster runs
 * alone ({@link KeyedSequencer}), so a read-decide-write never interleaves with another.
 * Anonymous users get a roster that lives only as long as their sessions.
 */
public final class RosterService {
    public static final String NS = "jabber:iq:roster";

    private final ServerContext server;
    private final KeyedSequencer sequencer = new KeyedSequencer();
    private final Map<String, UserRoster> online = new ConcurrentHashMap<>();

    public RosterService(ServerContext server) {
        this.server = server;
    }

    /** Loads (or shares) the owner's roster for a session that is binding; pair with {@link #detach}. */
    public CompletableFuture<UserRoster> attach(JID owner, boolean persistent) {
        String key = owner.toBareJID();
        return sequencer.run(key, () -> {
            UserRoster existing = online.computeIfPresent(key, (k, r) -> r.retain());
            if (existing != null) return CompletableFuture.completedFuture(existing);
            CompletableFuture<List<RosterItem>> items = persistent
                    ? server.storage().rosters().items(owner.getDomain(), owner.getNode())
                    : CompletableFuture.completedFuture(List.of());
            return items.thenApply(list -> online.compute(key, (k, r) -> r != null ? r.retain() : new UserRoster(persistent, list).retain()));
        });
    }

    public void detach(JID owner) {
        online.computeIfPresent(owner.toBareJID(), (k, r) -> r.release() ? null : r);
    }

    /** The roster of an owner who has a session, or null. */
    public UserRoster cached(String bareJid) {
        return online.get(bareJid);
    }

    /** The items of any local user, from memory when online. */
    public CompletableFuture<Collection<RosterItem>> items(JID owner) {
        UserRoster r = online.get(owner.toBareJID());
        if (r != null) return CompletableFuture.completedFuture(r.all());
        return server.storage().rosters().items(owner.getDomain(), owner.getNode()).thenApply(l -> l);
    }

    /**
     * Changes one item. {@code change} gets the current item (or null) and returns the new one, or null to
     * delete it. Completes with the item before and after; pushes visible changes to interested sessions.
     */
    public CompletableFuture<Change> update(JID owner, String contact, UnaryOperator<RosterItem> change) {
        String key = owner.toBareJID();
        return sequencer.run(key, () -> current(owner, contact).thenCompose(before -> {
            RosterItem after = change.apply(before.orElse(null));
            Change c = new Change(before.orElse(null), after);
            if (!c.changed()) return CompletableFuture.completedFuture(c);
            UserRoster cached = online.get(key);
            boolean persistent = cached == null || cached.persistent();
            CompletableFuture<?> write;
            if (!persistent) write = CompletableFuture.completedFuture(null);
            else if (after == null) write = server.storage().rosters().remove(owner.getDomain(), owner.getNode(), contact);
            else write = server.storage().rosters().put(owner.getDomain(), owner.getNode(), after);
            return write.thenApply(ignored -> {
                UserRoster r = online.get(key);
                if (r != null) r.put(contact, after);
                if (c.visibleChange()) push(owner, contact, after);
                return c;
            });
        }));
    }

    private CompletableFuture<Optional<RosterItem>> current(JID owner, String contact) {
        UserRoster r = online.get(owner.toBareJID());
        if (r != null) return CompletableFuture.completedFuture(Optional.ofNullable(r.get(contact)));
        return server.storage().rosters().item(owner.getDomain(), owner.getNode(), contact);
    }

    /** Sends a roster push (RFC 6121 2.1.6) to every session of the owner that asked for the roster. */
    private void push(JID owner, String contact, RosterItem item) {
        for (ClientSession s : server.sessions().sessions(owner.toBareJID())) {
            if (!s.rosterRequested()) continue;
            IQ push = new IQ(IQ.Type.set);
            push.setTo(s.jid());
            push.setID("push-" + Long.toHexString(System.nanoTime()));
            Element query = push.setChildElement("query", NS);
            if (item == null || !item.inRoster()) {
                query.addElement("item").addAttribute("jid", contact).addAttribute("subscription", "remove");
            } else {
                RosterXml.appendItem(query, item);
            }
            s.deliver(push);
        }
    }

    /** One item's state before and after a change. */
    public record Change(RosterItem before, RosterItem after) {
        public boolean changed() { return !java.util.Objects.equals(before, after); }

        /** Whether a client showing the roster would see a difference. */
        boolean visibleChange() {
            boolean wasShown = before != null && before.inRoster();
            boolean isShown = after != null && after.inRoster();
            if (!wasShown && !isShown) return false;
            if (wasShown != isShown) return true;
            return !before.subscription().equals(after.subscription()) || before.askOut() != after.askOut()
                    || !java.util.Objects.equals(before.name(), after.name()) || !before.groups().equals(after.groups());
        }
    }
}
