package org.parley.muc;

import io.netty.util.concurrent.ImmediateEventExecutor;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import org.dom4j.DocumentHelper;
import org.dom4j.Element;
import org.parley.storage.RoomRepository;
import org.parley.storage.StoredRoom;
import org.parley.xmpp.router.Stanzas;
import org.parley.xmpp.session.SharedStanza;
import org.parley.xmpp.xml.XmlWriter;
import org.xmpp.packet.JID;
import org.xmpp.packet.Packet;

/** One MUC domain driven synchronously, with everything it sends recorded per recipient. */
final class Harness {
    final MucDomain domain;
    final Lane lane;
    final List<Sent> sent = new ArrayList<>();
    final MutableClock clock = new MutableClock(Instant.parse("2026-01-01T10:00:00Z"));
    final MemoryRooms repository;
    /** SharedStanza instances seen, to count serializations per broadcast. */
    final Map<SharedStanza, Boolean> sharedSeen = new IdentityHashMap<>();

    record Sent(String to, String xml, SharedStanza shared) {}

    Harness(ServiceSettings settings) {
        this(settings, new MemoryRooms());
    }

    Harness(ServiceSettings settings, MemoryRooms repository) {
        this.repository = repository;
        Lane lane = new Lane(ImmediateEventExecutor.INSTANCE, new Recorder());
        domain = new MucDomain(settings, key -> lane, new RoomStore(settings.domain(), repository), clock);
        this.lane = lane;
        domain.initialize(new JID(settings.domain()), null);
        domain.start();
    }

    /** Records at flush, as the production outbox hands over at flush. */
    final class Recorder implements Outbox {
        private final List<Sent> pending = new ArrayList<>();

        @Override public void shared(JID to, SharedStanza s) {
            pending.add(new Sent(to.toString(), s.render(to.toString(), ""), s));
            sharedSeen.put(s, true);
        }

        @Override public void packet(Packet p) {
            pending.add(new Sent(p.getTo().toString(), XmlWriter.toXml(p.getElement(), ""), null));
        }

        @Override public void flush() {
            sent.addAll(pending);
            pending.clear();
        }
    }

    /** Sends a stanza as {@code from}; the MUC sees it as the router would hand it over. */
    void send(String from, String xml) {
        try {
            Element e = DocumentHelper.parseText(xml).getRootElement();
            e.detach();
            if (e.getNamespaceURI().isEmpty()) {
                e = DocumentHelper.parseText(xml.replaceFirst("^<(\\w+)", "<$1 xmlns='jabber:client'")).getRootElement();
                e.detach();
            }
            Packet p = Stanzas.wrap(e);
            p.setFrom(new JID(from));
            domain.handle(p, lane);
        } catch (org.dom4j.DocumentException ex) {
            throw new IllegalArgumentException(ex);
        }
    }

    /** Join {@code room} as {@code from} with {@code nick}, plus extra presence content. */
    void join(String from, String room, String nick, String extra) {
        send(from, "<presence to='" + room + "/" + nick + "'><x xmlns='http://jabber.org/protocol/muc'/>" + extra + "</presence>");
    }

    void join(String from, String room, String nick) {
        join(from, room, nick, "");
    }

    /** Everything sent to {@code to} so far, and forgets it. */
    List<String> take(String to) {
        List<String> out = new ArrayList<>();
        sent.removeIf(s -> {
            if (s.to().equals(to)) {
                out.add(s.xml().replace('"', '\''));
                return true;
            }
            return false;
        });
        return out;
    }

    List<String> takeAll() {
        List<String> out = new ArrayList<>();
        for (Sent s : sent) out.add(s.to() + " <- " + s.xml().replace('"', '\''));
        sent.clear();
        return out;
    }

    void clear() {
        sent.clear();
        sharedSeen.clear();
    }

    static final class MutableClock extends Clock {
        volatile Instant now;

        MutableClock(Instant now) { this.now = now; }

        @Override public java.time.ZoneId getZone() { return ZoneOffset.UTC; }
        @Override public Clock withZone(java.time.ZoneId zone) { return this; }
        @Override public Instant instant() { return now; }

        void advance(long seconds) { now = now.plusSeconds(seconds); }
    }

    /** A RoomRepository in memory, completing at once. */
    static final class MemoryRooms implements RoomRepository {
        final Map<String, StoredRoom> rooms = new ConcurrentHashMap<>();

        @Override public CompletableFuture<List<StoredRoom>> rooms(String domain) {
            return CompletableFuture.completedFuture(rooms.values().stream().filter(r -> r.domain().equals(domain)).toList());
        }

        @Override public CompletableFuture<Optional<StoredRoom>> room(String domain, String name) {
            return CompletableFuture.completedFuture(Optional.ofNullable(rooms.get(domain + "/" + name)));
        }

        @Override public CompletableFuture<Void> save(StoredRoom room) {
            rooms.put(room.domain() + "/" + room.name(), room);
            return CompletableFuture.completedFuture(null);
        }

        @Override public CompletableFuture<Boolean> delete(String domain, String name) {
            return CompletableFuture.completedFuture(rooms.remove(domain + "/" + name) != null);
        }
    }
}
