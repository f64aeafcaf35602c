package org.parley.muc;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigRenderOptions;
import com.typesafe.config.ConfigValueFactory;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.parley.storage.RoomRepository;
import org.parley.storage.StoredRoom;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Persistent rooms of one MUC service in {@code storage}. Writes of one room name are chained, so a save and a
 * later delete (or a destroy and a re-creation) reach the database in the order the room made them, even though
 * the storage pool runs them on several threads. Room steps never wait for a write.
 */
final class RoomStore {
    private static final Logger log = LoggerFactory.getLogger(RoomStore.class);
    private final String domain;
    private final RoomRepository repository;
    private final Map<String, CompletableFuture<?>> tails = new ConcurrentHashMap<>();

    RoomStore(String domain, RoomRepository repository) {
        this.domain = domain;
        this.repository = repository;
    }

    /** Every stored room; blocks (start-up only). */
    List<StoredRoom> loadAll(long timeoutSeconds) throws Exception {
        if (repository == null) return List.of();
        return repository.rooms(domain).get(timeoutSeconds, TimeUnit.SECONDS);
    }

    void save(Room room, StoredRoom snapshot) {
        if (repository == null) return;
        chain(room.name, "save", () -> repository.save(snapshot));
    }

    void delete(String name) {
        if (repository == null) return;
        chain(name, "delete", () -> repository.delete(domain, name));
    }

    private void chain(String name, String what, java.util.function.Supplier<CompletableFuture<?>> write) {
        CompletableFuture<?>[] next = new CompletableFuture<?>[1];
        tails.compute(name, (k, tail) -> {
            CompletableFuture<?> start = tail == null ? CompletableFuture.completedFuture(null) : tail.handle((r, e) -> null);
            next[0] = start.thenCompose(x -> write.get()).whenComplete((r, e) -> {
                if (e != null) log.warn("could not {} the persistent room {}@{}: {}", what, name, domain, e.toString());
            });
            return next[0];
        });
        CompletableFuture<?> mine = next[0];
        mine.whenComplete((r, e) -> tails.remove(name, mine));
    }

    /** Waits (bounded) until every write so far is done; for shutdown. */
    void drain(long timeoutMillis) {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
        for (CompletableFuture<?> f : List.copyOf(tails.values())) {
            long left = deadline - System.nanoTime();
            if (left <= 0) break;
            try {
                f.get(left, TimeUnit.NANOSECONDS);
            } catch (Exception e) {
                // logged where it failed
            }
        }
    }

    // ---- the stored form ----

    static StoredRoom snapshot(Room room, Map<String, Room.AffiliationEntry> affiliations, String subject, String subjectNick) {
        Map<String, Object> blob = new LinkedHashMap<>();
        blob.put("config", room.config.toMap());
        blob.put("subject", subject == null ? "" : subject);
        if (subjectNick != null) blob.put("subject-nick", subjectNick);
        blob.put("secret", Secrets.encode(room.secret));
        blob.put("created", room.created.toString());
        String text = ConfigValueFactory.fromMap(blob).render(ConfigRenderOptions.concise());
        List<StoredRoom.RoomAffiliation> list = new ArrayList<>();
        for (var e : affiliations.entrySet()) {
            Room.AffiliationEntry a = e.getValue();
            list.add(new StoredRoom.RoomAffiliation(e.getKey(), a.affiliation().xml(), a.nick(), a.reason()));
        }
        list.sort(java.util.Comparator.comparing(StoredRoom.RoomAffiliation::jid));
        return new StoredRoom(room.service.domain(), room.name, room.meetingId, text, list);
    }

    static Room restore(MucDomain service, StoredRoom stored) {
        return restore(service, stored, true);
    }

    /** {@code persistent}: a stored room is persistent by definition; a handed-over one keeps its own setting. */
    static Room restore(MucDomain service, StoredRoom stored, boolean persistent) {
        Config blob = ConfigFactory.parseString(stored.config());
        RoomConfig config = RoomConfig.fromConfig(blob.getConfig("config"), service.settings().roomDefaults());
        if (persistent) config = config.withPersistent(true);
        byte[] secret = blob.hasPath("secret") ? Secrets.decode(blob.getString("secret")) : null;
        if (secret == null || secret.length < 16) secret = Secrets.newSecret();
        Instant created = blob.hasPath("created") ? Instant.parse(blob.getString("created")) : service.now();
        Room room = new Room(service, stored.name(), config, stored.meetingId(), secret, created);
        room.restoreSubject(blob.hasPath("subject") ? blob.getString("subject") : "",
                blob.hasPath("subject-nick") ? blob.getString("subject-nick") : null);
        for (StoredRoom.RoomAffiliation a : stored.affiliations()) {
            Affiliation aff = Affiliation.parse(a.affiliation());
            if (aff != null) room.restoreAffiliation(a.jid(), aff, a.nick(), a.reason());
        }
        return room;
    }
}
