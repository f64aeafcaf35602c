package org.parley.muc;

import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.Function;
import org.dom4j.Element;
import org.parley.storage.StoredRoom;
import org.parley.xmpp.router.Stanzas;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.xmpp.component.Component;
import org.xmpp.component.ComponentManager;
import org.xmpp.packet.IQ;
import org.xmpp.packet.JID;
import org.xmpp.packet.Message;
import org.xmpp.packet.Packet;
import org.xmpp.packet.PacketError;
import org.xmpp.packet.Presence;

/**
 * One MUC service domain ({@code conference.example.org}), a Tinder component behind the router. It only
 * dispatches: every stanza for a room runs on that room's executor (chosen by the room name, so all of a room's
 * steps, its creation and its removal happen on one thread), and the service's own queries on an executor chosen
 * by the sender.
 */
public final class MucDomain implements Component {
    private static final Logger log = LoggerFactory.getLogger(MucDomain.class);
    private static final long LOAD_TIMEOUT_SECONDS = 60;

    private final ServiceSettings settings;
    private final Function<String, Lane> lanes;
    private final RoomStore store;
    private final Clock clock;
    private final ConcurrentHashMap<String, Room> rooms = new ConcurrentHashMap<>();
    private volatile boolean closing;

    MucDomain(ServiceSettings settings, Function<String, Lane> lanes, RoomStore store, Clock clock) {
        this.settings = settings;
        this.lanes = lanes;
        this.store = store;
        this.clock = clock;
    }

    // ---- Component ----

    @Override public String getName() { return settings.name(); }

    @Override public String getDescription() { return "Multi-user chat (XEP-0045) on " + settings.domain(); }

    @Override
    public void initialize(JID jid, ComponentManager manager) {
        // Output goes through the lanes' outboxes, which route by the stanza's from.
    }

    /** Loads the persistent rooms; runs once, at registration, on the starting thread. */
    @Override
    public void start() {
        List<StoredRoom> stored;
        try {
            stored = store.loadAll(LOAD_TIMEOUT_SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException("could not load the persistent rooms of " + settings.domain() + ": " + e, e);
        }
        for (StoredRoom s : stored) {
            try {
                rooms.put(s.name(), RoomStore.restore(this, s));
            } catch (RuntimeException e) {
                log.warn("persistent room {}@{} could not be read and is skipped: {}", s.name(), settings.domain(), e.toString());
            }
        }
        if (!stored.isEmpty()) log.info("{}: {} persistent rooms", settings.domain(), rooms.size());
    }

    @Override
    public void shutdown() {
        closing = true;
    }

    /** Called on the sender's event loop: hand over to the actor, never block. */
    @Override
    public void processPacket(Packet p) {
        if (closing || p.getTo() == null) return;
        String node = p.getTo().getNode();
        String key = node != null ? node : "@" + (p.getFrom() == null ? "" : p.getFrom().toBareJID());
        Lane lane = lanes.apply(key);
        try {
            lane.execute(() -> handle(p, lane));
        } catch (RejectedExecutionException e) {
            log.debug("{} is stopping; dropped a stanza for {}", settings.domain(), p.getTo());
        }
    }

    // ---- on the actors ----

    /** One step: the stanza, then everything it caused goes out. Runs on the executor for the stanza's room. */
    void handle(Packet p, Lane lane) {
        Outbox out = lane.outbox();
        try {
            if (p.getTo().getNode() == null) serviceStanza(p, out);
            else roomStanza(p, out);
        } catch (RuntimeException e) {
            log.warn("{} failed on a stanza from {}", settings.domain(), p.getFrom(), e);
            if (p instanceof IQ iq && iq.isRequest()) {
                Room.error(p, new MucError(PacketError.Condition.internal_server_error, PacketError.Type.wait, null), out);
            }
        } finally {
            lane.stepDone();
        }
    }

    private void roomStanza(Packet p, Outbox out) {
        String node = p.getTo().getNode();
        Room room = rooms.get(node);
        if (room != null) {
            room.handle(p, out);
            return;
        }
        if (p instanceof Presence pr) {
            if (pr.getType() != null) return; // unavailable or error for a room that is gone
            if (pr.getTo().getResource() == null) {
                Room.error(pr, new MucError(PacketError.Condition.jid_malformed, PacketError.Type.modify,
                        "A nickname is needed to enter: send presence to room@service/nick"), out);
                return;
            }
            try {
                JoinRequest.parse(pr); // a malformed join creates nothing
                if (!admits(pr.getFrom())) throw MucError.notAllowed("This service admits only the accounts it is configured for");
                if (!settings.creators().matches(pr.getFrom()) && !isAdmin(pr.getFrom())) {
                    throw MucError.notAllowed("You may not create rooms on this service");
                }
            } catch (MucError e) {
                Room.error(pr, e, out);
                return;
            }
            room = new Room(this, node, settings.roomDefaults(), UUID.randomUUID().toString(), Secrets.newSecret(), now());
            room.locked = settings.lockNewRooms();
            rooms.put(node, room);
            room.create(pr, out);
            if (!room.destroyed()) log.debug("{} created by {}", room.jidString, pr.getFrom());
            return;
        }
        boolean request = p instanceof IQ iq ? iq.isRequest() : p instanceof Message m && m.getType() != Message.Type.error;
        if (request) Room.error(p, MucError.itemNotFound("No such room"), out);
    }

    /** Called by a room on its executor when it is destroyed. */
    void removed(Room room) {
        rooms.remove(room.name, room);
    }

    private void serviceStanza(Packet p, Outbox out) {
        if (!(p instanceof IQ iq)) {
            if (p instanceof Message m && m.getType() != Message.Type.error) {
                Room.error(p, new MucError(PacketError.Condition.service_unavailable, PacketError.Type.cancel, null), out);
            }
            return;
        }
        if (!iq.isRequest()) return;
        Element q = iq.getChildElement();
        String ns = q == null ? "" : q.getNamespaceURI();
        IQ result = Ns.result(iq);
        if (iq.getType() == IQ.Type.get && ns.equals(Ns.DISCO_INFO) && q.attributeValue("node") == null) {
            Element r = result.setChildElement("query", Ns.DISCO_INFO);
            Element id = r.addElement("identity");
            id.addAttribute("category", "conference");
            id.addAttribute("type", "text");
            id.addAttribute("name", settings.name());
            for (String f : new String[] {Ns.DISCO_INFO, Ns.DISCO_ITEMS, Ns.MUC, Ns.UNIQUE, Ns.STABLE_ID, Ns.SELF_PING,
                    Ns.OCCUPANT_ID, Ns.PING}) {
                r.addElement("feature").addAttribute("var", f);
            }
        } else if (iq.getType() == IQ.Type.get && ns.equals(Ns.DISCO_ITEMS) && q.attributeValue("node") == null) {
            Element r = result.setChildElement("query", Ns.DISCO_ITEMS);
            List<Room> listed = new ArrayList<>();
            for (Room room : rooms.values()) {
                RoomConfig c = room.config;
                if (c.publicRoom() && !room.locked) listed.add(room);
            }
            listed.sort(java.util.Comparator.comparing(room -> room.name));
            for (Room room : listed) {
                Element item = r.addElement("item");
                item.addAttribute("jid", room.jidString);
                String n = room.config.name();
                item.addAttribute("name", n.isEmpty() ? room.name : n);
            }
        } else if (iq.getType() == IQ.Type.get && ns.equals(Ns.UNIQUE)) {
            // XEP-0045 10.1.4: a name nobody uses.
            result.setChildElement("unique", Ns.UNIQUE).setText(UUID.randomUUID().toString());
        } else if (iq.getType() == IQ.Type.get && ns.equals(Ns.PING)) {
            // result as is
        } else {
            Room.error(p, new MucError(PacketError.Condition.service_unavailable, PacketError.Type.cancel, null), out);
            return;
        }
        out.packet(result);
    }

    // ---- what rooms ask of their service ----

    String domain() { return settings.domain(); }

    ServiceSettings settings() { return settings; }

    RoomStore store() { return store; }

    Instant now() { return clock.instant(); }

    boolean isAdmin(JID user) {
        return !settings.admins().isEmpty() && settings.admins().matches(user);
    }

    /** May this user enter rooms here at all? */
    boolean admits(JID user) {
        return settings.allowed().matches(user) || isAdmin(user);
    }

    // ---- from other threads ----

    /** The room's snapshot, taken on its executor; empty when there is no such room. */
    CompletableFuture<Optional<RoomInfo>> roomInfo(String name) {
        CompletableFuture<Optional<RoomInfo>> f = new CompletableFuture<>();
        try {
            lanes.apply(name).execute(() -> {
                try {
                    Room room = rooms.get(name);
                    f.complete(room == null ? Optional.empty() : Optional.of(room.info()));
                } catch (RuntimeException e) {
                    f.completeExceptionally(e);
                }
            });
        } catch (RejectedExecutionException e) {
            f.completeExceptionally(e);
        }
        return f;
    }

    /** Tells every occupant of every room that the service stops (status 332); returns when the rooms have. */
    CompletableFuture<Void> stopRooms() {
        closing = true;
        List<CompletableFuture<Void>> done = new ArrayList<>();
        for (Room room : rooms.values()) {
            CompletableFuture<Void> f = new CompletableFuture<>();
            done.add(f);
            Lane lane = lanes.apply(room.name);
            try {
                lane.execute(() -> {
                    try {
                        room.shutdown(lane.outbox());
                    } finally {
                        lane.flush();
                        f.complete(null);
                    }
                });
            } catch (RejectedExecutionException e) {
                f.complete(null);
            }
        }
        return CompletableFuture.allOf(done.toArray(CompletableFuture[]::new));
    }

    int roomCount() { return rooms.size(); }

    Room room(String name) { return rooms.get(name); }

}
