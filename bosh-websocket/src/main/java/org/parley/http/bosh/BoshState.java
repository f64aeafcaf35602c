package org.parley.http.bosh;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import io.netty.util.NetUtil;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.dom4j.DocumentHelper;
import org.dom4j.Element;

/**
 * What a BOSH session is across a hand-over restart, beside what its {@code ClientSession} snapshot holds: the sid,
 * the rid window (the last rid applied, the answers kept for a client that asks for a rid again, the rids applied
 * whose connection broke before their answer), what was queued for the client and not yet sent in an answer, and the
 * session's wait, hold and inactivity. Written as the {@code <bosh/>} element of the session's snapshot (whose format
 * number covers it).
 *
 * @param answers the kept answers by rid, oldest first
 * @param queued stanzas serialized for the client, not yet in any answer
 * @param inactivityMillis the inactivity period the session was created with
 */
record BoshState(String sid, InetSocketAddress client, boolean secure, String to, String lang, long waitSeconds, int hold,
                 long inactivityMillis, long lastRid, Map<Long, String> answers, List<Long> abandoned, String queued) {
    static final String ELEMENT = "bosh";

    Element toElement() {
        Element e = DocumentHelper.createElement(ELEMENT);
        e.addAttribute("sid", sid);
        e.addAttribute("client-address", client.getAddress().getHostAddress());
        e.addAttribute("client-port", Integer.toString(client.getPort()));
        e.addAttribute("secure", Boolean.toString(secure));
        e.addAttribute("to", to);
        e.addAttribute("lang", lang);
        e.addAttribute("wait", Long.toString(waitSeconds));
        e.addAttribute("hold", Integer.toString(hold));
        e.addAttribute("inactivity", Long.toString(inactivityMillis));
        e.addAttribute("rid", Long.toString(lastRid));
        // The answers and the queue are kept as the text they are on the wire, so they go out again byte for byte.
        for (Map.Entry<Long, String> a : answers.entrySet()) {
            e.addElement("answer").addAttribute("rid", Long.toString(a.getKey())).setText(a.getValue());
        }
        for (long rid : abandoned) e.addElement("abandoned").addAttribute("rid", Long.toString(rid));
        if (!queued.isEmpty()) e.addElement("queued").setText(queued);
        return e;
    }

    /** Reads {@link #toElement}'s form; IllegalArgumentException when it is not one. */
    static BoshState read(Element e) {
        if (!ELEMENT.equals(e.getName()) || e.attributeValue("sid") == null) {
            throw new IllegalArgumentException("not a BOSH session state: " + e.getName());
        }
        // An address literal, as written: anything else is refused rather than looked up (this runs on an event loop).
        String address = e.attributeValue("client-address");
        byte[] literal = address == null ? null : NetUtil.createByteArrayFromIpAddressString(address);
        if (literal == null) throw new IllegalArgumentException("BOSH session state without a client address");
        InetSocketAddress client;
        try {
            client = new InetSocketAddress(InetAddress.getByAddress(literal), Integer.parseInt(e.attributeValue("client-port")));
        } catch (UnknownHostException bad) {
            throw new IllegalArgumentException("BOSH session state with a bad client address");
        }
        Map<Long, String> answers = new LinkedHashMap<>();
        for (Element a : e.elements("answer")) answers.put(Long.parseLong(a.attributeValue("rid")), a.getText());
        List<Long> abandoned = new ArrayList<>();
        for (Element a : e.elements("abandoned")) abandoned.add(Long.parseLong(a.attributeValue("rid")));
        Element queued = e.element("queued");
        return new BoshState(e.attributeValue("sid"), client, Boolean.parseBoolean(e.attributeValue("secure")),
                e.attributeValue("to"), e.attributeValue("lang"), Long.parseLong(e.attributeValue("wait")),
                Integer.parseInt(e.attributeValue("hold")), Long.parseLong(e.attributeValue("inactivity")),
                Long.parseLong(e.attributeValue("rid")), answers, abandoned, queued == null ? "" : queued.getText());
    }
}
