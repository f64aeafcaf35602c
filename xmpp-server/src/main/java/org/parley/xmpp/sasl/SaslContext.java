package org.parley.xmpp.sasl;

import java.util.Objects;

/**
 * What a mechanism needs to know about the stream it runs on.
 *
 * @param domain the virtual host the client authenticates against
 * @param secure whether the stream is TLS-protected
 * @param tlsExporter RFC 9266 tls-exporter channel binding data, or null when not available
 * @param keyDerivation where a mechanism that must derive keys from a password (PLAIN) does so
 */
public record SaslContext(String domain, CredentialSource credentials, boolean secure, byte[] tlsExporter,
                          KeyDerivation keyDerivation) {
    public SaslContext {
        Objects.requireNonNull(domain, "domain");
        Objects.requireNonNull(credentials, "credentials");
        Objects.requireNonNull(keyDerivation, "keyDerivation");
        tlsExporter = tlsExporter == null ? null : tlsExporter.clone();
    }

    @Override public byte[] tlsExporter() { return tlsExporter == null ? null : tlsExporter.clone(); }
}
