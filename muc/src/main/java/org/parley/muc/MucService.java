package org.parley.muc;

import io.netty.util.concurrent.DefaultEventExecutorGroup;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.parley.xmpp.config.ConfigException;
import org.parley.xmpp.config.VirtualHost;
import org.parley.xmpp.server.ServerContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.xmpp.component.ComponentException;

/**
 * The MUC services of one Parley node: one component per configured domain, all sharing a fixed set of room
 * executors (a room always runs on the one its name hashes to). {@link #roomInfo} is the thread-safe query the HTTP
 * room-size endpoints use.
 *
 * <pre>
 * MucService muc = MucService.start(xmppServer.context());   // after the XMPP server, before clients matter
 * ...
 * muc.close();                                               // before the XMPP server closes its sessions
 * </pre>
 */
public final class MucService implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(MucService.class);
    private static final long STOP_MILLIS = 5_000;

    private final ServerContext server;
    private final DefaultEventExecutorGroup group;
    private final Lane[] lanes;
    private final Map<String, MucDomain> domains = new LinkedHashMap<>();
    private final List<String> components = new ArrayList<>();
    private final RoomCheckpoint checkpoints = new RoomCheckpoint();
    private volatile boolean closed;

    private MucService(ServerContext server, int threads) {
        this.server = server;
        int n = threads > 0 ? threads : Runtime.getRuntime().availableProcessors();
        this.group = new DefaultEventExecutorGroup(n, new DefaultThreadFactory("muc", true));
        List<Lane> list = new ArrayList<>();
        group.forEach(e -> list.add(new Lane(e, new SessionOutbox(server.sessions(), server.services(), server::isLocalDomain))));
        this.lanes = list.toArray(Lane[]::new);
    }

    /**
     * Reads {@code parley.muc} and registers a service for every configured domain with the server's router.
     * Blocks while persistent rooms load. Throws {@link ConfigException} for a bad {@code parley.muc} section.
     */
    public static MucService start(ServerContext server) throws ConfigException {
        List<String> hosts = server.config().hosts().stream().map(VirtualHost::domain).toList();
        MucConfig config = MucConfig.read(server.config().source(), hosts);
        MucService muc = new MucService(server, config.threads());
        if (!config.enabled()) {
            log.info("MUC disabled");
            return muc;
        }
        RoomCreationLimit creationLimit = new RoomCreationLimit(config.roomCreation(), jid -> {
            var session = server.sessions().get(jid);
            return session == null ? null : session.transport().remoteAddress().getAddress();
        }, () -> server.metrics().limitHit(org.parley.xmpp.metrics.ServerMetrics.Limit.MUC_ROOM_CREATION));
        try {
            for (ServiceSettings s : config.services()) {
                MucDomain domain = new MucDomain(s, muc::lane, new RoomStore(s.domain(), server.storage().rooms()),
                        Clock.systemUTC());
                domain.tokens(jid -> {
                    var session = server.sessions().get(jid);
                    return session == null ? null : session.token();
                });
                domain.creationLimit(creationLimit);
                domain.onPresenceCoalesced(() -> server.metrics().limitHit(
                        org.parley.xmpp.metrics.ServerMetrics.Limit.MUC_PRESENCE_RATE));
                server.services().addComponent(s.domain(), domain);
                muc.domains.put(s.domain(), domain);
                var registry = server.metrics().registry();
                io.micrometer.core.instrument.Gauge.builder("parley.muc.rooms", domain, MucDomain::roomCount)
                        .tag("domain", s.domain()).description("MUC rooms").register(registry);
                io.micrometer.core.instrument.Gauge.builder("parley.muc.occupants", domain, MucDomain::occupantCount)
                        .tag("domain", s.domain()).description("Occupants of MUC rooms").register(registry);
            }
            org.parley.muc.jitsi.JitsiFeatures.install(server, muc, server.config().source(), hosts);
        } catch (ComponentException | RuntimeException e) {
            muc.close();
            throw new IllegalStateException("MUC service could not start: " + e.getMessage(), e);
        } catch (ConfigException e) {
            muc.close();
            throw e;
        }
        return muc;
    }

    /**
     * Plugs {@code module} into every room of MUC service {@code mucDomain}; call while starting, before clients
     * arrive. Throws IllegalArgumentException for a domain this node does not serve.
     */
    public void addModule(String mucDomain, RoomModule module) {
        MucDomain d = domains.get(mucDomain);
        if (d == null) throw new IllegalArgumentException("no MUC service " + mucDomain);
        d.addModule(module);
    }

    /**
     * Lets {@code module} take the stanzas addressed to MUC service {@code mucDomain} itself (not to its rooms)
     * before the service does; call while starting. Throws IllegalArgumentException for a domain not served here.
     */
    public void addServiceModule(String mucDomain, ServiceModule module) {
        MucDomain d = domains.get(mucDomain);
        if (d == null) throw new IllegalArgumentException("no MUC service " + mucDomain);
        d.addServiceModule(module);
    }

    /**
     * Registers a feature's own address ({@code speakerstats.<domain>}) with the router; removed when the MUC
     * stops. What rooms send from this address is routed through it.
     */
    public void addComponent(String domain, org.xmpp.component.Component component) throws ComponentException {
        server.services().addComponent(domain, component);
        components.add(domain);
    }

    /**
     * Runs {@code step} on the thread of room {@code room} (a bare room JID of a served MUC domain) as a step of its
     * own, with the room, or with null when there is no such room or service; for a module's component that gets
     * stanzas about a room from outside (speaker stats, end conference). Never blocks; with no such service or a
     * malformed name, {@code step} gets null on the calling thread.
     */
    public void inRoom(org.xmpp.packet.JID room, java.util.function.Consumer<MucRoom> step) {
        MucDomain d = room == null || room.getNode() == null ? null : domains.get(room.getDomain());
        String name = d == null ? null : d.roomName(room.getNode());
        if (name == null) {
            step.accept(null);
            return;
        }
        d.inRoom(name, r -> step.accept(r == null ? null : r.handle()));
    }

    /**
     * As {@link #inRoom}, but creates the room first when it does not exist: empty, unlocked, with the service's
     * room defaults, {@link RoomModule#created} run. For a module that opens rooms clients then enter (a lobby,
     * breakout rooms) on a service where clients may not create them. The module owns the room's lifetime: a
     * temporary room it created goes when its last occupant leaves, or when the module destroys it; one nobody
     * enters stays until then.
     */
    public void createRoom(org.xmpp.packet.JID room, java.util.function.Consumer<MucRoom> step) {
        MucDomain d = room == null || room.getNode() == null ? null : domains.get(room.getDomain());
        String name = d == null ? null : d.roomName(room.getNode());
        if (name == null) {
            step.accept(null);
            return;
        }
        d.inRoomCreating(name, r -> step.accept(r == null ? null : r.handle()));
    }

    /**
     * Writes every room of every service, with its occupants and its modules' state, for the next process of
     * {@code node} (issue 18); call once the client connections are cut (nobody leaves the rooms any more) and before
     * the sessions are written, so that what the rooms send meanwhile waits in the sessions' queues.
     * Returns how many rooms were written.
     */
    public int handOver(String node, java.time.Duration timeout) throws Exception {
        long started = System.nanoTime();
        List<CompletableFuture<org.parley.storage.HandoverRecord>> pending = new ArrayList<>();
        for (MucDomain d : domains.values()) pending.addAll(d.handOver());
        List<org.parley.storage.HandoverRecord> records = new ArrayList<>(pending.size());
        for (CompletableFuture<org.parley.storage.HandoverRecord> f : pending) {
            try {
                org.parley.storage.HandoverRecord r = f.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
                if (r != null) records.add(r);
            } catch (java.util.concurrent.ExecutionException e) {
                log.warn("hand-over: a room could not be written", e.getCause());
            }
        }
        server.storage().handover().replace(node, RoomHandover.KIND, records).get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        checkpoints.handedOver();
        log.info("hand-over: {} rooms written for node {} in {} ms", records.size(), node,
                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started));
        return records.size();
    }

    /**
     * The rooms' share of a checkpoint: those that changed since the last one, and the ends of those written before.
     * Call from one thread, never a room's; blocks up to {@code timeout}.
     */
    public org.parley.storage.CheckpointPart checkpoint(java.time.Duration timeout) throws Exception {
        return checkpoints.collect(domains.values(), timeout);
    }

    /** How many rooms the checkpoints keep rows of. */
    public int checkpointedRooms() { return checkpoints.written(); }

    /**
     * Restores the rooms the previous process of {@code node} handed over, with their occupants, before any client
     * can reach them; call after {@link #start} (the modules are in place) and before the focus starts.
     * {@code services} are the addresses (bare JIDs or domains) of services not registered yet that are occupants
     * all the same (the focus): they stay. Returns how many rooms were restored.
     */
    public int restoreHandedOver(String node, java.time.Duration timeout, java.util.Set<String> services) throws Exception {
        long started = System.nanoTime();
        List<org.parley.storage.HandoverRecord> records = server.storage().handover().take(node, RoomHandover.KIND)
                .get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        List<CompletableFuture<Void>> restoring = new ArrayList<>();
        int unreadable = 0;
        for (org.parley.storage.HandoverRecord r : records) {
            org.xmpp.packet.JID jid = new org.xmpp.packet.JID(r.key());
            MucDomain d = domains.get(jid.getDomain());
            try {
                if (d == null) throw new IllegalArgumentException("no MUC service " + jid.getDomain() + " here any more");
                restoring.add(d.restore(RoomHandover.decode(d, r.format(), r.body()),
                        real -> services.contains(real.toBareJID()) || services.contains(real.getDomain()) || present(real)));
            } catch (RuntimeException e) {
                unreadable++;
                log.warn("hand-over: room {} not restored: {}", r.key(), e.getMessage());
            }
        }
        CompletableFuture.allOf(restoring.toArray(CompletableFuture[]::new)).get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        if (!records.isEmpty()) {
            log.info("hand-over: {} rooms of node {} restored ({} unreadable) in {} ms", restoring.size(), node, unreadable,
                    TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started));
        }
        return restoring.size();
    }

    /**
     * Whether an occupant's real JID is still somewhere after a hand-over: a session of this server that was restored
     * (or a service of it, such as the focus), or an address elsewhere (federation), which this node cannot know of.
     */
    private boolean present(org.xmpp.packet.JID real) {
        if (server.host(real.getDomain()) == null) return true;
        if (server.services().ownsAddress(real.toBareJID())) return true;
        return server.sessions().get(real) != null;
    }

    /** The lane (room thread) of a room name; the same name always gets the same lane. */
    Lane lane(String key) {
        int h = key.hashCode();
        h ^= (h >>> 16);
        return lanes[Math.floorMod(h * 0x9E3779B1, lanes.length)];
    }

    /** Rooms on every service now; reads counters the rooms keep, safe from any thread. */
    public int roomCount() {
        int n = 0;
        for (MucDomain d : domains.values()) n += d.roomCount();
        return n;
    }

    /** Occupants of every room now. */
    public int occupantCount() {
        int n = 0;
        for (MucDomain d : domains.values()) n += d.occupantCount();
        return n;
    }

    /** Every room of every service, each snapshot taken on the room's own thread; never blocks. */
    public CompletableFuture<List<RoomInfo>> rooms() {
        List<CompletableFuture<Optional<RoomInfo>>> all = new ArrayList<>();
        for (MucDomain d : domains.values()) for (String name : d.roomNames()) all.add(d.roomInfo(name));
        return CompletableFuture.allOf(all.toArray(CompletableFuture[]::new)).thenApply(v -> {
            List<RoomInfo> out = new ArrayList<>();
            for (var f : all) f.join().ifPresent(out::add);
            return out;
        });
    }

    /** The served MUC domains. */
    public List<String> domains() {
        return List.copyOf(domains.keySet());
    }

    /**
     * The current state of room {@code room} on {@code domain}, taken on the room's own executor; safe from any
     * thread, never blocks. {@code domain} is a MUC domain ({@code conference.example.org}) or a virtual host, which
     * stands for its {@code conference.} service as in Prosody's {@code mod_muc_size}. Completes with empty when
     * there is no such room or service.
     */
    public CompletableFuture<Optional<RoomInfo>> roomInfo(String room, String domain) {
        MucDomain d = domain == null ? null : resolve(domain.toLowerCase(java.util.Locale.ROOT));
        if (d == null || room == null || room.isEmpty()) return CompletableFuture.completedFuture(Optional.empty());
        String node;
        try {
            node = new org.xmpp.packet.JID(room, d.domain(), null).getNode();
        } catch (IllegalArgumentException e) {
            return CompletableFuture.completedFuture(Optional.empty());
        }
        return d.roomInfo(node);
    }

    private MucDomain resolve(String domain) {
        MucDomain d = domains.get(domain);
        if (d == null) d = domains.get("conference." + domain);
        return d;
    }

    /**
     * Tells every occupant the service stops (status 332), waits for pending writes of persistent rooms, and stops
     * the room threads. Idempotent.
     */
    @Override
    public void close() {
        if (closed) return;
        closed = true;
        List<CompletableFuture<Void>> stops = new ArrayList<>();
        for (MucDomain d : domains.values()) stops.add(d.stopRooms());
        try {
            CompletableFuture.allOf(stops.toArray(CompletableFuture[]::new)).get(STOP_MILLIS, TimeUnit.MILLISECONDS);
        } catch (Exception e) {
            log.warn("MUC rooms did not stop within {} ms", STOP_MILLIS);
        }
        for (MucDomain d : domains.values()) d.store().drain(STOP_MILLIS);
        for (String domain : domains.keySet()) server.services().removeComponent(domain);
        for (String domain : components) {
            server.services().removeComponent(domain);
            server.iq().removeIdentities(domain);
        }
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
    }
}
