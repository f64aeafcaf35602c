package org.parley.xmpp.token;

import java.time.Instant;
import org.dom4j.Element;

/** A {@link TokenIdentity} as an element of the hand-over forms (sessions, room occupants). */
public final class TokenXml {
    private TokenXml() {}

    /** Adds {@code <token/>} for {@code token} to {@code parent}; nothing for null. */
    public static void write(Element parent, TokenIdentity token) {
        if (token == null) return;
        Element t = parent.addElement("token");
        attribute(t, "issuer", token.issuer());
        attribute(t, "subject", token.subject());
        attribute(t, "room", token.room());
        attribute(t, "user-id", token.userId());
        attribute(t, "name", token.name());
        attribute(t, "email", token.email());
        attribute(t, "avatar", token.avatar());
        attribute(t, "group", token.group());
        t.addAttribute("moderator", Boolean.toString(token.moderator()));
        if (token.expires() != null) t.addAttribute("expires", Long.toString(token.expires().toEpochMilli()));
    }

    /** The token {@link #write} put under {@code parent}, or null. */
    public static TokenIdentity read(Element parent) {
        Element t = parent.element("token");
        if (t == null) return null;
        String expires = t.attributeValue("expires");
        return new TokenIdentity(t.attributeValue("issuer"), t.attributeValue("subject"), t.attributeValue("room"),
                t.attributeValue("user-id"), t.attributeValue("name"), t.attributeValue("email"),
                t.attributeValue("avatar"), t.attributeValue("group"), Boolean.parseBoolean(t.attributeValue("moderator")),
                expires == null ? null : Instant.ofEpochMilli(Long.parseLong(expires)));
    }

    private static void attribute(Element e, String name, String value) {
        if (value != null) e.addAttribute(name, value);
    }
}
