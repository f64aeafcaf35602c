package org.parley.muc;

import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import org.dom4j.Element;
import org.parley.xmpp.session.SharedStanza;
import org.parley.xmpp.xml.XmlWriter;

/**
 * The last groupchat messages of a room, replayed to newcomers with an XEP-0203 delay stamp. Each entry keeps its
 * delayed stanza once built, so replaying it to many joiners serializes it once.
 */
final class History {
    private final ArrayDeque<Entry> entries = new ArrayDeque<>();
    private int limit;

    /** What a joiner asked for ({@code <history/>}); -1 where it did not say. */
    record Request(int maxStanzas, int maxChars, int seconds, Instant since) {
        static final Request NONE = new Request(-1, -1, -1, null);
    }

    static final class Entry {
        final Element message;
        final Instant at;
        private final String roomJid;
        private SharedStanza delayed;
        private int chars = -1;

        Entry(Element message, Instant at, String roomJid) {
            this.message = message;
            this.at = at;
            this.roomJid = roomJid;
        }

        SharedStanza delayed() {
            if (delayed == null) {
                Element copy = message.createCopy();
                Element delay = Ns.add(copy, "delay", Ns.DELAY);
                delay.addAttribute("from", roomJid);
                delay.addAttribute("stamp", DateTimeFormatter.ISO_INSTANT.format(at));
                delayed = new SharedStanza(copy);
            }
            return delayed;
        }

        /** Characters of the stanza as sent, for {@code maxchars} (the recipient's address not counted). */
        int chars() {
            if (chars < 0) chars = XmlWriter.toXml(delayed().element(), "").length();
            return chars;
        }
    }

    History(int limit) {
        this.limit = limit;
    }

    void limit(int max) {
        this.limit = max;
        while (entries.size() > limit) entries.removeFirst();
    }

    void add(Element message, Instant at, String roomJid) {
        if (limit <= 0) return;
        entries.addLast(new Entry(message, at, roomJid));
        if (entries.size() > limit) entries.removeFirst();
    }

    int size() { return entries.size(); }

    /** The kept messages, oldest first. */
    List<Entry> entries() { return List.copyOf(entries); }

    /** The entries to replay, oldest first. {@code defaultStanzas} applies when the request names no limit. */
    List<Entry> select(Request r, int defaultStanzas, Instant now) {
        int maxStanzas = r.maxStanzas() >= 0 ? r.maxStanzas()
                : (r.maxChars() < 0 && r.seconds() < 0 && r.since() == null ? defaultStanzas : Integer.MAX_VALUE);
        Instant notBefore = r.seconds() >= 0 ? now.minusSeconds(r.seconds()) : null;
        List<Entry> out = new ArrayList<>();
        long chars = 0;
        Iterator<Entry> it = entries.descendingIterator();
        while (it.hasNext() && out.size() < maxStanzas) {
            Entry e = it.next();
            if (notBefore != null && e.at.isBefore(notBefore)) break;
            if (r.since() != null && !e.at.isAfter(r.since())) break;
            if (r.maxChars() >= 0) {
                chars += e.chars();
                if (chars > r.maxChars()) break;
            }
            out.add(e);
        }
        java.util.Collections.reverse(out);
        return out;
    }
}
