package org.parley.storage;

/**
 * One item a node hands to its next process ({@link HandoverRepository}).
 *
 * @param key unique within a node and kind (a resumption id, a room JID)
 * @param format the version of {@code body}'s form, so that a newer build reads what an older one wrote
 * @param body the item, in a form its owner writes and reads back
 */
public record HandoverRecord(String key, int format, String body) {}
