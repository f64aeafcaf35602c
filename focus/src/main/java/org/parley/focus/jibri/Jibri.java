package org.parley.focus.jibri;

import org.dom4j.Element;
import org.parley.focus.xmpp.Stanzas;
import org.xmpp.packet.JID;
import org.xmpp.packet.Presence;

/**
 * A Jibri as its brewery presence last showed it (jitsi-xmpp-extensions' JibriStatusPacketExt:
 * {@code <jibri-status><busy-status status='idle|busy'/><health-status status='healthy|unhealthy'/></jibri-status>}).
 * Immutable: a new presence makes a new snapshot.
 *
 * @param jid     its occupant JID in the brewery (where the focus sends its requests)
 * @param sip     from the SIP Jibris' brewery (SIP video gateway)
 * @param status  false when the presence had no {@code jibri-status} (a Jibri that is starting: not usable)
 * @param engaged in one of this focus's sessions
 */
public record Jibri(JID jid, boolean sip, boolean status, boolean busy, boolean healthy, boolean engaged, long seenMillis) {
    public static final String HEALTH_NS = "http://jitsi.org/protocol/health";

    static Jibri fromPresence(JID jid, boolean sip, Presence p, boolean engaged, long now) {
        Element s = Stanzas.child(p.getElement(), "jibri-status", JibriIq.NS);
        if (s == null) return new Jibri(jid, sip, false, false, false, engaged, now);
        Element busy = Stanzas.child(s, "busy-status", JibriIq.NS);
        Element health = Stanzas.child(s, "health-status", HEALTH_NS);
        return new Jibri(jid, sip, true, busy == null || !"idle".equals(busy.attributeValue("status")),
                health != null && "healthy".equals(health.attributeValue("status")), engaged, now);
    }

    /** Idle, healthy and in no session of this focus: may take new work. */
    public boolean available() {
        return status && !busy && healthy && !engaged;
    }

    Jibri engaged(boolean e) {
        return new Jibri(jid, sip, status, busy, healthy, e, seenMillis);
    }
}
