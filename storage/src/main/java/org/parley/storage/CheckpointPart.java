package org.parley.storage;

import java.util.List;

/**
 * What one owner (the sessions, the rooms) contributes to a checkpoint: its changes, and what to do once the
 * checkpoint's transaction is written or has failed.
 */
public record CheckpointPart(List<HandoverChange> changes, Runnable written, Runnable failed) {
    public static final CheckpointPart NONE = new CheckpointPart(List.of(), () -> { }, () -> { });
}
