package org.parley.focus.conference;

import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import org.parley.focus.bridge.Bridge;
import org.parley.focus.source.EndpointSources;

/**
 * A conference's presence on one bridge: whether the COLIBRI2 conference was created there, the bridge's feedback
 * sources, the endpoints it holds, and its relays to the conference's other bridges. Confined to the conference's
 * actor.
 */
final class ColibriSession {
    /** A relay from this bridge to another of the conference's bridges. */
    static final class RelayLink {
        final ColibriSession remote;
        final boolean initiator;
        /** The remote bridge's relay id, which is this relay's id. */
        final String id;

        RelayLink(ColibriSession remote, boolean initiator) {
            this.remote = remote;
            this.initiator = initiator;
            this.id = remote.relayId;
        }
    }

    final Bridge bridge;
    /** Kept: the relay id of the bridge may change, the session's may not. */
    final String relayId;
    /** A request with create='true' went out. */
    boolean created;
    EndpointSources feedback = EndpointSources.EMPTY;
    final Set<String> endpoints = new LinkedHashSet<>();
    final Map<String, RelayLink> relays = new LinkedHashMap<>();
    boolean failed;

    ColibriSession(Bridge bridge) {
        this.bridge = bridge;
        this.relayId = bridge.relayId();
    }

    @Override
    public String toString() {
        return "ColibriSession[" + bridge.jid() + ", " + endpoints.size() + " endpoints]";
    }
}
