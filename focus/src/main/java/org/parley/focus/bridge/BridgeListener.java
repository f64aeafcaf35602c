package org.parley.focus.bridge;

/** Told (on the bridges' thread; must not block) when a bridge becomes usable or fails. */
public interface BridgeListener {
    void bridgeUp(Bridge bridge);

    /** The bridge left, failed a health check or hung: its conferences must move their participants. */
    void bridgeDown(Bridge bridge, String reason);
}
