package org.parley.focus.state;

import java.util.List;
import org.parley.jingle.focus.ColibriStats;

/**
 * What must survive a restart about one bridge (issue 8): identity, last stats (with its own drain flags), health,
 * and the operator's drain.
 */
public record BridgeRecord(String jid, String kind, ColibriStats stats, long lastSeenMillis, String failure,
                           List<Long> recentAllocationsMillis, boolean adminDrain) {}
