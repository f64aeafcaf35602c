package org.parley.xmpp.config;

import java.nio.file.Path;
import java.util.List;

/**
 * One served domain. {@code saslMechanisms} lists what may be offered (PLAIN is still only offered over TLS,
 * ANONYMOUS only when {@code anonymous}); {@code certificate}/{@code privateKey} are PEM files.
 */
public record VirtualHost(String domain, List<String> saslMechanisms, boolean anonymous, boolean registration,
                          boolean requireTls, Path certificate, Path privateKey) {
    public VirtualHost {
        saslMechanisms = List.copyOf(saslMechanisms);
    }
}
