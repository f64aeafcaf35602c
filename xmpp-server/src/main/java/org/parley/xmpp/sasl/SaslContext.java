package org.parley.xmpp.sasl;

import java.util.Objects;

/**
 * What a mechanism needs to know about the stream it runs on.
 *
 * @param domain the virtual host the client authenticates against
 * @param secure whether the stream is TLS-protected
 * @param channelBindings the channel binding types this connection offers SCRAM-*-PLUS (null means none)
 * @param keyDerivation where a mechanism that must derive keys from a password (PLAIN) does so
 */
public record SaslContext(String domain, CredentialSource credentials, boolean secure, ChannelBindings channelBindings,
                          KeyDerivation keyDerivation) {
    public SaslContext {
        Objects.requireNonNull(domain, "domain");
        Objects.requireNonNull(credentials, "credentials");
        Objects.requireNonNull(keyDerivation, "keyDerivation");
        if (channelBindings == null) channelBindings = ChannelBindings.NONE;
    }
}
