package org.parley.xmpp.config;

import java.time.Duration;
import org.parley.xmpp.xml.XmlLimits;

/**
 * Bounds on what one client may send or keep.
 *
 * @param newConnectionsPerSecond new connections one address may open per second (token bucket of
 *        {@code newConnectionBurst}), on the TCP and WebSocket listeners
 * @param bytesPerSecond bytes one TCP or WebSocket client may send per second (bucket of {@code byteBurst}); reading pauses beyond
 * @param throttleDisconnectAfter a client held back (stanza or byte rate) without a break of a second for this long
 *        is disconnected with {@code policy-violation}
 * @param maxAttributesPerElement, maxNamespacesPerElement, maxAttributesPerStanza, maxPrefixesPerStanza, maxNameBytes see {@link XmlLimits}
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
        Duration throttleDisconnectAfter,
        int maxAttributesPerElement,
        int maxNamespacesPerElement,
        int maxAttributesPerStanza,
        int maxPrefixesPerStanza,
        int maxNameBytes) {

    /** What every XML stream from a peer (client, component, server) is parsed with. */
    public XmlLimits xml() {
        return new XmlLimits(maxStanzaBytes, maxDepth, maxAttributesPerElement, maxNamespacesPerElement,
                maxAttributesPerStanza, maxPrefixesPerStanza, maxNameBytes);
    }
}
