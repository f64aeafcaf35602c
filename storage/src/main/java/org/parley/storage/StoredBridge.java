package org.parley.storage;

import java.util.Objects;

/**
 * An SFU as the focus last knew it. {@code stats} is the last COLIBRI stats element as XML text (null when none);
 * {@code failure} why it was failed (null when healthy); {@code lastSeenMillis} when its last report arrived;
 * {@code drain}/{@code shuttingDown} its own flags, {@code adminDrain} the operator's drain.
 */
public record StoredBridge(String jid, String kind, String region, String version, String stats, String failure,
                           boolean drain, boolean shuttingDown, long lastSeenMillis, boolean adminDrain) {
    public StoredBridge {
        Objects.requireNonNull(jid, "jid");
        Objects.requireNonNull(kind, "kind");
    }
}
