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
    private volatile RoomHooks hooks = RoomHooks.NONE;
    private volatile ServiceModule[] serviceModules = new ServiceModule[0];
    private volatile Runnable presenceCoalesced = () -> { };
    /** Null: rooms are created as fast as asked (tests, embedded use). */
    private volatile RoomCreationLimit creationLimit;
    private volatile java.util.function.Function<JID, org.parley.xmpp.token.TokenIdentity> tokens = jid -> null;

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
                Room room = RoomStore.restore(this, s);
                // As stored, and stored already: a checkpoint writes it once something happens in it.
                room.checkpointDue = false;
                rooms.put(s.name(), room);
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
        String key = node != null ? roomName(node) : "@" + (p.getFrom() == null ? "" : p.getFrom().toBareJID());
        Lane lane = lanes.apply(key == null ? "" : key);
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

    /**
     * The room a localpart means, after nodeprep: the core hands addresses over as written (Tinder does not
     * stringprep stanza addresses), and {@code Room@} and {@code room@} are one room. Plain lowercase ASCII, what
     * nearly every client sends, is taken as is; null when the localpart is not valid.
     */
    String roomName(String node) {
        boolean plain = true;
        for (int i = 0; i < node.length() && plain; i++) {
            char c = node.charAt(i);
            plain = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.';
        }
        if (plain && !node.isEmpty()) return node;
        try {
            return new JID(node, settings.domain(), null).getNode();
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    private void roomStanza(Packet p, Outbox out) {
        String node = roomName(p.getTo().getNode());
        if (node == null) {
            boolean request = p instanceof IQ iq ? iq.isRequest() : !(p instanceof Presence pr && pr.getType() != null)
                    && !(p instanceof Message m && m.getType() == Message.Type.error);
            if (request) Room.error(p, new MucError(PacketError.Condition.jid_malformed, PacketError.Type.modify, "Not a valid room name"), out);
            return;
        }
        Room room = rooms.get(node);
        if (room != null) {
            room.checkpointDue = true;
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
                MucError refusal = tokenRefusal(pr.getFrom(), node, null);
                if (refusal != null) throw refusal;
                RoomCreationLimit limit = creationLimit;
                if (limit != null && !isAdmin(pr.getFrom()) && !limit.tryCreate(pr.getFrom())) {
                    throw MucError.policyViolation(PacketError.Type.wait, "You are creating rooms too fast; try again later");
                }
            } catch (MucError e) {
                Room.error(pr, e, out);
                return;
            }
            room = new Room(this, node, settings.roomDefaults(), UUID.randomUUID().toString(), Secrets.newSecret(), now());
            room.locked = settings.lockNewRooms();
            room.tokenRoom = token(pr.getFrom()) != null;
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
        for (ServiceModule m : serviceModules) if (m.stanza(p, out::packet)) return;
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

    /** How to find the JWT a local user's session logged in with (token rooms); none by default. */
    void tokens(java.util.function.Function<JID, org.parley.xmpp.token.TokenIdentity> lookup) { tokens = lookup; }

    org.parley.xmpp.token.TokenIdentity token(JID user) {
        return user == null ? null : tokens.apply(user);
    }

    /**
     * With token verification (Prosody's token_verification), why {@code user} may not enter or start room
     * {@code roomName}, or null when it may: admins (the focus) always may; a token must name the room (or {@code *});
     * without a token, with token-guests, only a room that a token user started ({@code existing} null: a new room).
     */
    MucError tokenRefusal(JID user, String roomName, Room existing) {
        if (!settings.tokenVerification() || isAdmin(user)) return null;
        org.parley.xmpp.token.TokenIdentity id = token(user);
        if (id != null) {
            return id.allowsRoom(roomName) ? null : new MucError(PacketError.Condition.not_authorized, PacketError.Type.auth,
                    "Your token is not valid for this room");
        }
        if (settings.tokenGuests() && existing != null && existing.tokenRoom) return null;
        return new MucError(PacketError.Condition.not_authorized, PacketError.Type.auth,
                existing == null ? "A token is needed to start a meeting here" : "A token is needed to enter this room");
    }

    /** Shared by the node's services, so that spreading creations over several does not multiply the rate. */
    void creationLimit(RoomCreationLimit limit) { creationLimit = limit; }

    /** Called (on a room thread) for each presence update held back by the big-room rate; for the metrics. */
    void onPresenceCoalesced(Runnable r) { presenceCoalesced = r; }

    void presenceCoalesced() { presenceCoalesced.run(); }

    /** Runs {@code step} on {@code room}'s thread after {@code delayNanos}, as a step whose output is flushed. */
    void later(Room room, long delayNanos, java.util.function.Consumer<Outbox> step) {
        Lane lane = lanes.apply(room.name);
        lane.schedule(() -> {
            try {
                room.checkpointDue = true;
                step.accept(lane.outbox());
            } catch (RuntimeException e) {
                log.warn("{}: a delayed step failed", room.jidString, e);
            } finally {
                lane.stepDone();
            }
        }, delayNanos);
    }

    ServiceSettings settings() { return settings; }

    RoomHooks hooks() { return hooks; }

    /** Plugs a module into every room of this service; done while starting, before clients arrive. */
    synchronized void addModule(RoomModule module) { hooks = hooks.with(module); }

    /** Lets {@code module} take stanzas to the service's own domain first; done while starting. */
    synchronized void addServiceModule(ServiceModule module) {
        ServiceModule[] next = java.util.Arrays.copyOf(serviceModules, serviceModules.length + 1);
        next[serviceModules.length] = module;
        serviceModules = next;
    }

    /** The output of the step running on {@code room}'s thread. */
    Outbox outbox(Room room) { return lanes.apply(room.name).outbox(); }

    /**
     * Runs {@code step} on the thread of room {@code name} as a step of its own (output flushed after it), with
     * the room or null when there is no such room. Never blocks the caller.
     */
    void inRoom(String name, java.util.function.Consumer<Room> step) {
        Lane lane = lanes.apply(name);
        try {
            lane.execute(() -> {
                try {
                    Room room = rooms.get(name);
                    if (room != null) room.checkpointDue = true;
                    step.accept(room);
                } catch (RuntimeException e) {
                    log.warn("{}: a step of a module failed on room {}", settings.domain(), name, e);
                } finally {
                    lane.stepDone();
                }
            });
        } catch (RejectedExecutionException e) {
            log.debug("{} is stopping; dropped a step for room {}", settings.domain(), name);
        }
    }

    /** Every room's hand-over form, each written on its room's thread. */
    List<CompletableFuture<org.parley.storage.HandoverRecord>> handOver() {
        List<CompletableFuture<org.parley.storage.HandoverRecord>> out = new ArrayList<>();
        for (Room room : rooms.values()) {
            CompletableFuture<org.parley.storage.HandoverRecord> f = new CompletableFuture<>();
            out.add(f);
            inRoom(room.name, r -> {
                try {
                    f.complete(r == null || r.destroyed() ? null
                            : new org.parley.storage.HandoverRecord(r.jidString, RoomHandover.FORMAT, RoomHandover.encode(r)));
                } catch (RuntimeException e) {
                    f.completeExceptionally(e);
                }
            });
        }
        return out;
    }

    /**
     * The rooms that changed since their last checkpoint, each snapshotted on its room's thread (null: destroyed
     * meanwhile); adds them to {@code due} (room by room, in the order of the futures).
     */
    List<CompletableFuture<org.parley.storage.HandoverRecord>> checkpoint(List<Room> due) {
        List<CompletableFuture<org.parley.storage.HandoverRecord>> out = new ArrayList<>();
        for (Room room : rooms.values()) {
            if (!room.checkpointDue) continue;
            CompletableFuture<org.parley.storage.HandoverRecord> f = new CompletableFuture<>();
            Lane lane = lanes.apply(room.name);
            try {
                // Not through inRoom: reading the room is no change to it.
                lane.execute(() -> {
                    try {
                        room.checkpointDue = false;
                        f.complete(room.destroyed() || rooms.get(room.name) != room ? null
                                : new org.parley.storage.HandoverRecord(room.jidString, RoomHandover.FORMAT, RoomHandover.encode(room)));
                    } catch (RuntimeException e) {
                        f.completeExceptionally(e);
                    }
                });
            } catch (RejectedExecutionException stopping) {
                continue;
            }
            due.add(room);
            out.add(f);
        }
        return out;
    }

    /** Every room here now. */
    java.util.Collection<Room> rooms() { return rooms.values(); }

    /**
     * Puts a handed-over room in place (replacing a stored persistent room of that name, which it is newer than) and
     * gives its modules their state, on the room's thread. Completes once done.
     */
    CompletableFuture<Void> restore(RoomHandover.Restored restored, java.util.function.Predicate<JID> present) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        Room room = restored.room();
        inRoom(room.name, existing -> {
            try {
                rooms.put(room.name, room);
                hooks().restored(room, restored.modules());
                // No ghost stays behind: one whose session is not here left as the old process stopped.
                for (Occupant o : List.copyOf(room.occupants())) if (!present.test(o.realJid)) room.removeGone(o, outbox(room));
                done.complete(null);
            } catch (RuntimeException e) {
                done.completeExceptionally(e);
            }
        });
        return done;
    }

    /** {@link #inRoom}, creating the room empty first when it is missing. */
    void inRoomCreating(String name, java.util.function.Consumer<Room> step) {
        inRoom(name, existing -> {
            Room room = existing;
            if (room == null) {
                room = new Room(this, name, settings.roomDefaults(), UUID.randomUUID().toString(), Secrets.newSecret(), now());
                rooms.put(name, room);
                hooks().created(room);
                if (room.config.persistent()) room.persist();
                log.debug("{} created by a module", room.jidString);
            }
            step.accept(room);
        });
    }

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

    int occupantCount() {
        int n = 0;
        for (Room r : rooms.values()) n += r.occupantCount();
        return n;
    }

    List<String> roomNames() { return List.copyOf(rooms.keySet()); }

    Room room(String name) { return rooms.get(name); }

}
