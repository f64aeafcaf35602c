package org.parley.focus;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Predicate;
import org.dom4j.DocumentHelper;
import org.dom4j.Element;
import org.parley.focus.xmpp.XmppLink;
import org.xmpp.packet.IQ;
import org.xmpp.packet.Message;
import org.xmpp.packet.Packet;
import org.xmpp.packet.Presence;

/** The focus's links to the world in unit tests: records what it sends; tests answer its queries. */
final class FakeXmpp {
    /** A request the focus sent; answering it delivers the answer back to the focus. */
    record Query(IQ iq, FakeXmpp net) {}

    final List<Packet> sent = new CopyOnWriteArrayList<>();
    final List<Query> queries = new CopyOnWriteArrayList<>();
    private final List<Object> taken = new CopyOnWriteArrayList<>();
    /** Where answers go: the focus component's inbound side. */
    volatile java.util.function.Consumer<Packet> deliver;

    XmppLink link() {
        return packet -> {
            Packet copy = packet.createCopy();
            if (copy instanceof IQ iq && iq.isRequest()) queries.add(new Query(iq, this));
            else sent.add(copy);
        };
    }

    static Packet parse(String xml) {
        try {
            Element e = DocumentHelper.parseText(xml).getRootElement();
            return switch (e.getName()) {
                case "iq" -> new IQ(e);
                case "presence" -> new Presence(e);
                default -> new Message(e);
            };
        } catch (org.dom4j.DocumentException ex) {
            throw new IllegalArgumentException(ex);
        }
    }

    /** Waits for a sent stanza not yet taken that matches. */
    Packet awaitSent(Predicate<Packet> p) {
        return await(() -> {
            for (Packet s : sent) if (!taken.contains(s) && p.test(s)) { taken.add(s); return s; }
            return null;
        }, "a sent stanza");
    }

    /** Waits for a query not yet taken that matches. */
    Query awaitQuery(Predicate<IQ> p) {
        return await(() -> {
            for (Query q : queries) if (!taken.contains(q) && p.test(q.iq())) { taken.add(q); return q; }
            return null;
        }, "a query");
    }

    List<Query> untakenQueries(Predicate<IQ> p) {
        List<Query> out = new ArrayList<>();
        for (Query q : queries) if (!taken.contains(q) && p.test(q.iq())) out.add(q);
        return out;
    }

    List<Packet> untakenSent(Predicate<Packet> p) {
        List<Packet> out = new ArrayList<>();
        for (Packet q : sent) if (!taken.contains(q) && p.test(q)) out.add(q);
        return out;
    }

    static void answer(Query q, String innerXml) {
        IQ result = IQ.createResultIQ(q.iq());
        if (innerXml != null) {
            try {
                result.setChildElement(DocumentHelper.parseText(innerXml).getRootElement().createCopy());
            } catch (org.dom4j.DocumentException e) {
                throw new IllegalArgumentException(e);
            }
        }
        q.net().deliver.accept(result);
    }

    static void error(Query q, String errorXml) {
        IQ result = IQ.createResultIQ(q.iq());
        result.setType(IQ.Type.error);
        try {
            result.getElement().add(DocumentHelper.parseText(errorXml).getRootElement().createCopy());
        } catch (org.dom4j.DocumentException e) {
            throw new IllegalArgumentException(e);
        }
        q.net().deliver.accept(result);
    }

    static <T> T await(java.util.function.Supplier<T> s, String what) {
        long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        while (System.nanoTime() < deadline) {
            T t = s.get();
            if (t != null) return t;
            try {
                Thread.sleep(5);
            } catch (InterruptedException e) {
                throw new AssertionError(e);
            }
        }
        throw new AssertionError("timed out waiting for " + what);
    }

    static boolean childIs(Packet p, String name, String ns) {
        Element c = p instanceof IQ iq ? iq.getChildElement() : null;
        return c != null && c.getName().equals(name) && c.getNamespaceURI().equals(ns);
    }
}
