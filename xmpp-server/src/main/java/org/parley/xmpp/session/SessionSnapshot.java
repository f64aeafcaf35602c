package org.parley.xmpp.session;

import java.io.StringReader;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.dom4j.Document;
import org.dom4j.DocumentException;
import org.dom4j.DocumentHelper;
import org.dom4j.Element;
import org.dom4j.io.SAXReader;
import org.parley.xmpp.token.TokenIdentity;
import org.xmpp.packet.JID;
import org.xmpp.packet.Presence;

/**
 * What a resumable session is, written when its node hands over to its next process and read there to restore it
 * as a session waiting for its client's XEP-0198 resumption: who it is, its stream management state (the stanzas
 * the client has not acknowledged among them), its presence and directed presences. Its stored form is XML with a
 * format number; {@link #decode} reads every format this build or an older one wrote.
 *
 * @param expiresAt when the restored session stops waiting for its client (epoch millis)
 * @param presence the last available presence the client broadcast, or null
 */
public record SessionSnapshot(JID jid, boolean anonymous, String resumeId, long resumeTimeoutMillis, long expiresAt,
                              long handledIn, long ackedOut, List<Element> unacked, Presence presence,
                              List<JID> directed, boolean rosterRequested, TokenIdentity token) {
    /** The form {@link #encode} writes. */
    public static final int FORMAT = 1;

    public String encode() {
        // No namespace of our own: a stanza kept without one (as Tinder builds them) must read back without one.
        Element s = DocumentHelper.createElement("session");
        s.addAttribute("jid", jid.toString());
        s.addAttribute("anonymous", Boolean.toString(anonymous));
        s.addAttribute("resume-id", resumeId);
        s.addAttribute("resume-timeout", Long.toString(resumeTimeoutMillis));
        s.addAttribute("expires", Long.toString(expiresAt));
        s.addAttribute("handled-in", Long.toString(handledIn));
        s.addAttribute("acked-out", Long.toString(ackedOut));
        s.addAttribute("roster-requested", Boolean.toString(rosterRequested));
        if (presence != null) s.addElement("presence-state").add(presence.getElement().createCopy());
        for (JID d : directed) s.addElement("directed").addAttribute("jid", d.toString());
        if (token != null) {
            Element t = s.addElement("token");
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
        Element queue = s.addElement("unacked");
        for (Element e : unacked) queue.add(e.createCopy());
        return s.asXML();
    }

    /** Reads what {@link #encode} wrote in format {@code format} (this build's or an older one). */
    public static SessionSnapshot decode(int format, String body) {
        if (format < 1 || format > FORMAT) {
            throw new IllegalArgumentException("session hand-over format " + format + " is newer than this build reads (" + FORMAT + ")");
        }
        Element s = parse(body);
        JID jid = new JID(s.attributeValue("jid"));
        Presence presence = null;
        Element p = s.element("presence-state");
        if (p != null && p.element("presence") != null) presence = new Presence(p.element("presence").createCopy(), true);
        List<JID> directed = new ArrayList<>();
        for (Element d : s.elements("directed")) directed.add(new JID(d.attributeValue("jid")));
        TokenIdentity token = null;
        Element t = s.element("token");
        if (t != null) {
            String expires = t.attributeValue("expires");
            token = new TokenIdentity(t.attributeValue("issuer"), t.attributeValue("subject"), t.attributeValue("room"),
                    t.attributeValue("user-id"), t.attributeValue("name"), t.attributeValue("email"),
                    t.attributeValue("avatar"), t.attributeValue("group"), Boolean.parseBoolean(t.attributeValue("moderator")),
                    expires == null ? null : Instant.ofEpochMilli(Long.parseLong(expires)));
        }
        List<Element> unacked = new ArrayList<>();
        Element queue = s.element("unacked");
        if (queue != null) for (Element e : queue.elements()) unacked.add(e.createCopy());
        return new SessionSnapshot(jid, Boolean.parseBoolean(s.attributeValue("anonymous")), s.attributeValue("resume-id"),
                Long.parseLong(s.attributeValue("resume-timeout")), Long.parseLong(s.attributeValue("expires")),
                Long.parseLong(s.attributeValue("handled-in")), Long.parseLong(s.attributeValue("acked-out")), unacked,
                presence, directed, Boolean.parseBoolean(s.attributeValue("roster-requested")), token);
    }

    private static void attribute(Element e, String name, String value) {
        if (value != null) e.addAttribute(name, value);
    }

    private static Element parse(String body) {
        try {
            SAXReader reader = new SAXReader();
            // Our own output, but read as untrusted text all the same: no DTDs, no external entities.
            reader.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
            reader.setFeature("http://xml.org/sax/features/external-general-entities", false);
            Document d = reader.read(new StringReader(body));
            return d.getRootElement();
        } catch (DocumentException | org.xml.sax.SAXException e) {
            throw new IllegalArgumentException("unreadable session hand-over: " + e.getMessage(), e);
        }
    }
}
