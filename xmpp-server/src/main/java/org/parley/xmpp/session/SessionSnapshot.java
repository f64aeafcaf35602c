package org.parley.xmpp.session;

import java.util.ArrayList;
import java.util.List;
import org.dom4j.DocumentHelper;
import org.dom4j.Element;
import org.parley.xmpp.jid.JidPrep;
import org.parley.xmpp.token.TokenIdentity;
import org.xmpp.packet.JID;
import org.xmpp.packet.Presence;

/**
 * What a session that outlives a restart is, written when its node hands over to its next process and read there to
 * restore it as a session waiting for its client: who it is, its stream management state (the stanzas the client has
 * not acknowledged among them), its presence and directed presences, and, for a transport that carries its session
 * over itself (BOSH, whose clients resume by their BOSH session rather than XEP-0198), that transport's own state.
 * Its stored form is XML with a format number; {@link #decode} reads every format this build or an older one wrote:
 * format 1 (XEP-0198 sessions only), format 2 (adds the transport state and stream management being optional).
 *
 * @param resumeId the XEP-0198 resumption id, or null for a session only its transport brings back
 * @param expiresAt when the restored session stops waiting for its client (epoch millis)
 * @param presence the last available presence the client broadcast, or null
 * @param streamManagement whether the client had enabled XEP-0198 (the counters and {@code unacked} mean something)
 * @param transport the state of a transport that carries the session over itself ({@code <bosh/>}), or null
 */
public record SessionSnapshot(JID jid, boolean anonymous, String resumeId, long resumeTimeoutMillis, long expiresAt,
                              long handledIn, long ackedOut, List<Element> unacked, Presence presence,
                              List<JID> directed, boolean rosterRequested, TokenIdentity token, boolean streamManagement,
                              Element transport) {
    /** The form {@link #encode} writes. */
    public static final int FORMAT = 2;

    /** A session resumable by XEP-0198 alone (what format 1 holds). */
    public SessionSnapshot(JID jid, boolean anonymous, String resumeId, long resumeTimeoutMillis, long expiresAt,
                           long handledIn, long ackedOut, List<Element> unacked, Presence presence,
                           List<JID> directed, boolean rosterRequested, TokenIdentity token) {
        this(jid, anonymous, resumeId, resumeTimeoutMillis, expiresAt, handledIn, ackedOut, unacked, presence, directed,
                rosterRequested, token, true, null);
    }

    /** Unique among the sessions a node hands over: the resumption id, else the full JID (bound once per node). */
    public String key() {
        return resumeId != null ? resumeId : "jid:" + jid;
    }

    /**
     * {@link #expiresAt} of a snapshot a periodic checkpoint wrote rather than a hand-over: restored after a crash, the
     * session waits its whole resumption timeout from its restore on, and its client may have got stanzas sent after
     * the checkpoint (its {@code h} may exceed what the snapshot sent). An older build takes it as expired.
     */
    public static final long FROM_CHECKPOINT = -1;

    /** Written by a checkpoint (the node then died), not by a hand-over. */
    public boolean fromCheckpoint() { return expiresAt == FROM_CHECKPOINT; }

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
        s.addAttribute("sm", Boolean.toString(streamManagement));
        if (presence != null) s.addElement("presence-state").add(presence.getElement().createCopy());
        for (JID d : directed) s.addElement("directed").addAttribute("jid", d.toString());
        org.parley.xmpp.token.TokenXml.write(s, token);
        Element queue = s.addElement("unacked");
        for (Element e : unacked) queue.add(e.createCopy());
        if (transport != null) s.addElement("transport").add(transport.createCopy());
        return s.asXML();
    }

    /** Reads what {@link #encode} wrote in format {@code format} (this build's or an older one). */
    public static SessionSnapshot decode(int format, String body) {
        if (format < 1 || format > FORMAT) {
            throw new IllegalArgumentException("session hand-over format " + format + " is newer than this build reads (" + FORMAT + ")");
        }
        Element s = org.parley.xmpp.xml.StoredXml.parse(body);
        JID jid = JidPrep.canonical(s.attributeValue("jid"));
        Presence presence = null;
        Element p = s.element("presence-state");
        if (p != null && p.element("presence") != null) presence = new Presence(p.element("presence").createCopy(), true);
        List<JID> directed = new ArrayList<>();
        for (Element d : s.elements("directed")) directed.add(JidPrep.canonical(d.attributeValue("jid")));
        TokenIdentity token = org.parley.xmpp.token.TokenXml.read(s);
        List<Element> unacked = new ArrayList<>();
        Element queue = s.element("unacked");
        if (queue != null) for (Element e : queue.elements()) unacked.add(e.createCopy());
        // Format 1 wrote XEP-0198 sessions only.
        boolean sm = format == 1 || Boolean.parseBoolean(s.attributeValue("sm"));
        Element t = s.element("transport");
        Element transport = t == null || t.elements().isEmpty() ? null : t.elements().get(0).createCopy();
        if (transport == null && (!sm || s.attributeValue("resume-id") == null)) {
            throw new IllegalArgumentException("a session neither resumable nor carried over by its transport");
        }
        return new SessionSnapshot(jid, Boolean.parseBoolean(s.attributeValue("anonymous")), s.attributeValue("resume-id"),
                Long.parseLong(s.attributeValue("resume-timeout")), Long.parseLong(s.attributeValue("expires")),
                Long.parseLong(s.attributeValue("handled-in")), Long.parseLong(s.attributeValue("acked-out")), unacked,
                presence, directed, Boolean.parseBoolean(s.attributeValue("roster-requested")), token, sm, transport);
    }
}
