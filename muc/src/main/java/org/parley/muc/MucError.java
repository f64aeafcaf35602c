package org.parley.muc;

import org.xmpp.packet.PacketError;

/** A request the room refuses; carries the stanza error to answer with. */
final class MucError extends Exception {
    private static final String STANZAS_NS = "urn:ietf:params:xml:ns:xmpp-stanzas";
    final transient PacketError error;

    MucError(PacketError.Condition condition, PacketError.Type type, String text) {
        super(text, null, false, false);
        this.error = text == null ? new PacketError(condition, type) : new PacketError(condition, type, text);
    }

    /** A refusal a {@link RoomModule} decided, or one built from an element Tinder's conditions lack. */
    MucError(PacketError error) {
        super(error.getText(), null, false, false);
        this.error = error;
    }

    /** {@code <policy-violation/>} (RFC 6120 8.3.3.12), which Tinder's conditions lack, so built as an element here. */
    static MucError policyViolation(PacketError.Type type, String text) {
        org.dom4j.Element e = org.dom4j.DocumentHelper.createElement("error");
        e.addAttribute("type", type.toXMPP());
        e.addElement("policy-violation", STANZAS_NS);
        e.addElement("text", STANZAS_NS).setText(text);
        return new MucError(new PacketError(e));
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
