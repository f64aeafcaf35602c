package org.parley.storage;

import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * The conference focus's state (issue 8): the SFUs it knows with their last load report, and the conferences it runs
 * with their participants, so that a restarted focus, or another node, resumes them. Each conference is owned by one
 * node through a lease ({@code room -> owner node id, expiry}); a node writes a conference only while it holds the
 * lease, and takes over a conference whose lease has expired.
 *
 * <p>Lease times are epoch milliseconds from the callers' clocks: nodes sharing a database must keep their clocks in
 * step (NTP) to well within the lease length.
 */
public interface FocusStateRepository {

    /**
     * Inserts or replaces an SFU. An existing row keeps its {@code adminDrain}: every node writes the SFUs it hears
     * from, and only the node the operator told may change that flag ({@link #setBridgeAdminDrain}).
     */
    CompletableFuture<Void> saveBridge(StoredBridge bridge);

    /** Sets the operator's drain of an SFU; false when no row has that JID (its first save then carries the flag). */
    CompletableFuture<Boolean> setBridgeAdminDrain(String jid, boolean drain);

    /** False when there was no such SFU. */
    CompletableFuture<Boolean> deleteBridge(String jid);

    CompletableFuture<List<StoredBridge>> bridges();

    /**
     * Writes a conference in one transaction, provided {@code node} holds its lease or can take it (no lease, an
     * expired one, or its own), renewing the lease to {@code leaseUntil}: the conference row is inserted or replaced,
     * {@code upserts} are inserted or replaced, {@code removed} endpoint ids are deleted (participants not named in
     * either are left as they are). Completes with false, writing nothing, when another node holds a live lease.
     */
    CompletableFuture<Boolean> saveConference(String node, long leaseUntil, long now, StoredConference conference,
                                              List<StoredParticipant> upserts, List<String> removed);

    /** Removes a conference, its participants and its lease, if {@code node} holds the lease (or nobody does). */
    CompletableFuture<Boolean> deleteConference(String node, String room);

    /**
     * Claims, for {@code node}, every conference whose lease is its own or has expired at {@code now} (leases set to
     * {@code leaseUntil}), and returns them with their participants. Used on start and by standby nodes.
     */
    CompletableFuture<List<StoredConference>> claimConferences(String node, long leaseUntil, long now);

    /**
     * Claims, for {@code node}, only the conferences of other nodes whose lease has expired at {@code now}, and returns
     * them: what a standby node polls for.
     */
    CompletableFuture<List<StoredConference>> claimExpiredConferences(String node, long leaseUntil, long now);

    /** Extends every lease {@code node} holds to {@code leaseUntil}; completes with how many it holds. */
    CompletableFuture<Integer> renewLeases(String node, long leaseUntil);

    /** Gives up {@code node}'s leases (a clean stop that keeps conferences for another node). */
    CompletableFuture<Integer> releaseLeases(String node);

    /** The owner of a conference's lease and its expiry, or null without one. */
    CompletableFuture<Lease> lease(String room);

    record Lease(String room, String owner, long expiresMillis) {}
}
