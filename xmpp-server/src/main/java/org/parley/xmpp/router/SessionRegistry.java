package org.parley.xmpp.router;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.parley.xmpp.session.ClientSession;
import org.parley.xmpp.stream.StreamErrorCondition;
import org.xmpp.packet.JID;

/** Bound client sessions by bare JID and resource. Safe for concurrent use from every event loop. */
public final class SessionRegistry {
    private final ConcurrentHashMap<String, Map<String, ClientSession>> byBare = new ConcurrentHashMap<>();
    private final AtomicInteger count = new AtomicInteger();

    /** Binds a session under its full JID; returns the session it replaced, if any. */
    public ClientSession bind(ClientSession session) {
        JID jid = session.jid();
        ClientSession[] replaced = new ClientSession[1];
        byBare.compute(jid.toBareJID(), (k, resources) -> {
            Map<String, ClientSession> m = resources == null ? new ConcurrentHashMap<>(4) : resources;
            replaced[0] = m.put(jid.getResource(), session);
            return m;
        });
        if (replaced[0] == null) count.incrementAndGet();
        return replaced[0];
    }

    /** Removes the session if it is still the one bound under its JID. */
    public boolean unbind(ClientSession session) {
        JID jid = session.jid();
        boolean[] removed = new boolean[1];
        byBare.computeIfPresent(jid.toBareJID(), (k, resources) -> {
            removed[0] = resources.remove(jid.getResource(), session);
            return resources.isEmpty() ? null : resources;
        });
        if (removed[0]) count.decrementAndGet();
        return removed[0];
    }

    public ClientSession get(JID full) {
        if (full.getResource() == null) return null;
        Map<String, ClientSession> m = byBare.get(full.toBareJID());
        return m == null ? null : m.get(full.getResource());
    }

    public Collection<ClientSession> sessions(String bareJid) {
        Map<String, ClientSession> m = byBare.get(bareJid);
        return m == null ? List.of() : new ArrayList<>(m.values());
    }

    public boolean hasSessions(String bareJid) { return byBare.containsKey(bareJid); }

    /**
     * Ends every session of {@code bareJid} (an account deleted or disabled) with the stream error {@code condition},
     * each on its own event loop; returns how many there were.
     */
    public int endAll(String bareJid, StreamErrorCondition condition, String text) {
        Collection<ClientSession> ending = sessions(bareJid);
        for (ClientSession s : ending) s.executor().execute(() -> s.fail(condition, text));
        return ending.size();
    }

    public int count() { return count.get(); }

    public List<ClientSession> all() {
        List<ClientSession> out = new ArrayList<>(count.get());
        for (Map<String, ClientSession> m : byBare.values()) out.addAll(m.values());
        return out;
    }
}
