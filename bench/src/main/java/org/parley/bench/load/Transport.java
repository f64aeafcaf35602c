package org.parley.bench.load;

import java.util.Locale;

/** How a client session reaches the server. */
enum Transport {
    /** RFC 6120 TCP stream, upgraded with STARTTLS. */
    STARTTLS("starttls"),
    /** XEP-0368 direct TLS. */
    TLS("tls"),
    /** RFC 7395 over ws:// (the server treats it as secure, as behind a TLS-terminating proxy). */
    WS("ws"),
    /** RFC 7395 over wss://. */
    WSS("wss");

    final String label;

    Transport(String label) {
        this.label = label;
    }

    boolean webSocket() {
        return this == WS || this == WSS;
    }

    static Transport parse(String s) {
        for (Transport t : values()) if (t.label.equals(s.toLowerCase(Locale.ROOT))) return t;
        throw new IllegalArgumentException("transport: starttls, tls, ws or wss, not " + s);
    }
}
