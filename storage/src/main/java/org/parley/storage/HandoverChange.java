package org.parley.storage;

/**
 * One item of a checkpoint ({@link HandoverRepository#checkpoint}): its current form, or its deletion when it ended.
 *
 * @param kind what the item is ("session", "room")
 * @param record the item's current form; its key names it
 * @param deleted true when the item ended and its row goes ({@code record} then carries only the key)
 */
public record HandoverChange(String kind, HandoverRecord record, boolean deleted) {
    public static HandoverChange upsert(String kind, HandoverRecord record) {
        return new HandoverChange(kind, record, false);
    }

    public static HandoverChange delete(String kind, String key) {
        return new HandoverChange(kind, new HandoverRecord(key, 0, ""), true);
    }

    public String key() { return record.key(); }
}
