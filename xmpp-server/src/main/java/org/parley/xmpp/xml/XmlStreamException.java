package org.parley.xmpp.xml;

import java.util.Objects;
import org.parley.xmpp.stream.StreamErrorCondition;

/** Input the framer refuses; {@link #condition()} is the stream error to send before closing. */
public class XmlStreamException extends Exception {
    private static final long serialVersionUID = 1L;

    private final StreamErrorCondition condition;

    public XmlStreamException(StreamErrorCondition condition, String message) {
        super(message);
        this.condition = Objects.requireNonNull(condition, "condition");
    }

    public XmlStreamException(StreamErrorCondition condition, String message, Throwable cause) {
        super(message, cause);
        this.condition = Objects.requireNonNull(condition, "condition");
    }

    public StreamErrorCondition condition() {
        return condition;
    }

    @Override
    public String toString() {
        return getClass().getSimpleName() + "[" + condition.xmlName() + "]: " + getMessage();
    }
}
