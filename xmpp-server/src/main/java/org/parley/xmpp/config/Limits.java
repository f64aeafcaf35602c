package org.parley.xmpp.config;

import java.time.Duration;

/**
 * Bounds on what one client may send or keep.
 *
 * @param newConnectionsPerSecond new connections one address may open per second (token bucket of
 *        {@code newConnectionBurst}), on the TCP and WebSocket listeners
 * @param bytesPerSecond bytes one TCP client may send per second (bucket of {@code byteBurst}); reading pauses beyond
 * @param throttleDisconnectAfter a client held back (stanza or byte rate) without a break of a second for this long
 *        is disconnected with {@code policy-violation}
 */
public record Limits(
        int maxStanzaBytes,
        int maxDepth,
        int maxConnectionsPerAddress,
        int stanzasPerSecond,
        int stanzaBurst,
        int maxOfflineMessagesPerUser,
        int registrationsPerAddress,
        Duration registrationWindow,
        Duration negotiationTimeout,
        Duration idleTimeout,
        Duration resumeTimeout,
        int maxUnackedStanzas,
        int newConnectionsPerSecond,
        int newConnectionBurst,
        int bytesPerSecond,
        int byteBurst,
        Duration throttleDisconnectAfter) {

    /** The limits before connection and byte rates were added, with their defaults; for tests. */
    public Limits(int maxStanzaBytes, int maxDepth, int maxConnectionsPerAddress, int stanzasPerSecond, int stanzaBurst,
                  int maxOfflineMessagesPerUser, int registrationsPerAddress, Duration registrationWindow,
                  Duration negotiationTimeout, Duration idleTimeout, Duration resumeTimeout, int maxUnackedStanzas) {
        this(maxStanzaBytes, maxDepth, maxConnectionsPerAddress, stanzasPerSecond, stanzaBurst, maxOfflineMessagesPerUser,
                registrationsPerAddress, registrationWindow, negotiationTimeout, idleTimeout, resumeTimeout, maxUnackedStanzas,
                20, 100, 512 * 1024, 2 * 1024 * 1024, Duration.ofSeconds(10));
    }
}
