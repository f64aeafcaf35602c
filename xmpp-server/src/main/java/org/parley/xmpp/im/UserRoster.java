package org.parley.xmpp.im;

import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.parley.storage.RosterItem;

/**
 * The in-memory roster of a user with at least one session. Readers on any event loop see a consistent
 * item per contact; writers are serialized by {@link RosterService}.
 */
public final class UserRoster {
    private final boolean persistent;
    private final Map<String, RosterItem> items = new ConcurrentHashMap<>();
    private int sessions;

    UserRoster(boolean persistent, List<RosterItem> initial) {
        this.persistent = persistent;
        for (RosterItem i : initial) items.put(i.contact(), i);
    }

    public boolean persistent() { return persistent; }

    public RosterItem get(String contact) { return items.get(contact); }

    public Collection<RosterItem> all() { return List.copyOf(items.values()); }

    void put(String contact, RosterItem item) {
        if (item == null) items.remove(contact); else items.put(contact, item);
    }

    // retain/release run inside ConcurrentHashMap.compute, which serializes them per key.
    UserRoster retain() { sessions++; return this; }

    boolean release() { return --sessions <= 0; }
}
