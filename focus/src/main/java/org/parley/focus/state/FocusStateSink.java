package org.parley.focus.state;

/**
 * Where the focus reports its state after each step that changes it, for persistence (issue 8). Calls come from
 * conference actors and the bridges' thread and must not block: an implementation queues the records and writes them
 * on its own pool, keeping only the latest record per key. The focus works the same without one ({@link #NONE}).
 */
public interface FocusStateSink {
    void conferenceChanged(ConferenceRecord conference);

    void conferenceEnded(String room);

    void bridgeChanged(BridgeRecord bridge);

    void bridgeRemoved(String jid);

    /** The operator drained an SFU or ended its drain. */
    void bridgeAdminDrain(String jid, boolean drain);

    FocusStateSink NONE = new FocusStateSink() {
        @Override public void conferenceChanged(ConferenceRecord conference) {}
        @Override public void conferenceEnded(String room) {}
        @Override public void bridgeChanged(BridgeRecord bridge) {}
        @Override public void bridgeRemoved(String jid) {}
        @Override public void bridgeAdminDrain(String jid, boolean drain) {}
    };
}
