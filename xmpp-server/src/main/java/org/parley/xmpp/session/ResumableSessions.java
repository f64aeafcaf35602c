package org.parley.xmpp.session;

import java.util.concurrent.ConcurrentHashMap;

/** Sessions that enabled XEP-0198 resumption, by their resumption id. Safe from every event loop. */
public final class ResumableSessions {
    private final ConcurrentHashMap<String, ClientSession> byId = new ConcurrentHashMap<>();

    void put(String id, ClientSession session) {
        byId.put(id, session);
    }

    ClientSession get(String id) {
        return byId.get(id);
    }

    void remove(String id, ClientSession session) {
        byId.remove(id, session);
    }

    public int size() {
        return byId.size();
    }
}
