package org.parley.focus.source;

/** Sources a participant claimed that the focus refuses (answered with {@code bad-request} and this text). */
public final class SourceException extends Exception {
    public SourceException(String message) {
        super(message);
    }
}
