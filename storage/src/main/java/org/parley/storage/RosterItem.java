package org.parley.storage;

import java.util.Objects;
import java.util.Set;

/**
 * One roster entry (RFC 6121 section 2.1.2). {@code askOut}: the owner has sent a subscribe the contact
 * has not answered ("ask='subscribe'"). {@code pendingIn}: the contact asked to subscribe to the owner and the
 * owner has not answered; {@code pendingInStanza} keeps that request's XML so it can be redelivered at login.
 * An item may exist with {@code inRoster == false}: only pending-in state, not shown in roster results.
 */
public record RosterItem(String contact, String name, Subscription subscription, boolean askOut,
                         boolean pendingIn, String pendingInStanza, Set<String> groups, boolean inRoster) {
    public RosterItem {
        Objects.requireNonNull(contact, "contact");
        subscription = subscription == null ? Subscription.NONE : subscription;
        groups = groups == null ? Set.of() : Set.copyOf(groups);
    }

    public static RosterItem of(String contact) {
        return new RosterItem(contact, null, Subscription.NONE, false, false, null, Set.of(), true);
    }

    public RosterItem withSubscription(Subscription s) { return new RosterItem(contact, name, s, askOut, pendingIn, pendingInStanza, groups, inRoster); }
    public RosterItem withAskOut(boolean a) { return new RosterItem(contact, name, subscription, a, pendingIn, pendingInStanza, groups, inRoster); }
    public RosterItem withPendingIn(boolean p, String stanza) { return new RosterItem(contact, name, subscription, askOut, p, p ? stanza : null, groups, inRoster); }
    public RosterItem withNameAndGroups(String n, Set<String> g) { return new RosterItem(contact, n, subscription, askOut, pendingIn, pendingInStanza, g, inRoster); }
    public RosterItem withInRoster(boolean r) { return new RosterItem(contact, name, subscription, askOut, pendingIn, pendingInStanza, groups, r); }
}
