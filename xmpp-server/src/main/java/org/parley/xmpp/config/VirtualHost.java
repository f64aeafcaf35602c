package org.parley.xmpp.config;

import java.nio.file.Path;
import java.util.List;
import org.parley.xmpp.token.TokenSettings;

/**
 * One served domain. {@code saslMechanisms} lists what may be offered (PLAIN is still only offered over TLS,
 * ANONYMOUS only when {@code anonymous}); {@code certificate}/{@code privateKey} are PEM files. With {@code token}
 * (Jitsi's token authentication) the host has no accounts: clients log in with a JWT, as the PLAIN password or from
 * the WebSocket/BOSH URL with ANONYMOUS.
 */
public record VirtualHost(String domain, List<String> saslMechanisms, boolean anonymous, boolean registration,
                          boolean requireTls, Path certificate, Path privateKey, TokenSettings token) {
    public VirtualHost {
        saslMechanisms = List.copyOf(saslMechanisms);
    }

    public VirtualHost(String domain, List<String> saslMechanisms, boolean anonymous, boolean registration,
                       boolean requireTls, Path certificate, Path privateKey) {
        this(domain, saslMechanisms, anonymous, registration, requireTls, certificate, privateKey, null);
    }
}
