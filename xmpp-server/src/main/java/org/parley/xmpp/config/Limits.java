package org.parley.xmpp.config;

import java.time.Duration;

/** Bounds on what one client may send or keep. */
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
        int maxUnackedStanzas) {}
