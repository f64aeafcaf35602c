package org.parley.muc;

import org.xmpp.packet.PacketError;

/** A request the room refuses; carries the stanza error to answer with. */
final class MucError extends Exception {
    final transient PacketError error;

    MucError(PacketError.Condition condition, PacketError.Type type, String text) {
        super(text, null, false, false);
        this.error = text == null ? new PacketError(condition, type) : new PacketError(condition, type, text);
    }

    /** A refusal a {@link RoomModule} decided. */
    MucError(PacketError error) {
        super(error.getText(), null, false, false);
        this.error = error;
    }

    static MucError badRequest(String text) {
        return new MucError(PacketError.Condition.bad_request, PacketError.Type.modify, text);
    }

    static MucError forbidden(String text) {
        return new MucError(PacketError.Condition.forbidden, PacketError.Type.auth, text);
    }

    static MucError notAllowed(String text) {
        return new MucError(PacketError.Condition.not_allowed, PacketError.Type.cancel, text);
    }

    static MucError notAcceptable(String text) {
        return new MucError(PacketError.Condition.not_acceptable, PacketError.Type.modify, text);
    }

    static MucError itemNotFound(String text) {
        return new MucError(PacketError.Condition.item_not_found, PacketError.Type.cancel, text);
    }

    static MucError conflict(String text) {
        return new MucError(PacketError.Condition.conflict, PacketError.Type.cancel, text);
    }
}
