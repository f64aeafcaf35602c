package org.parley.bench.load;

/**
 * A server under load, as the clients see it: its domains (a host with accounts and in-band registration, a host
 * for anonymous logins, a MUC service) and its loopback ports by transport (0 where it has none), plus the pid
 * whose memory, descriptors and CPU are read (-1 if unknown).
 */
public record Target(String name, String host, String anonymousHost, String mucHost, int startTlsPort, int tlsPort,
                     int wsPort, int wssPort, String wsPath, long pid) {
    public int port(Transport t) {
        return switch (t) {
            case STARTTLS -> startTlsPort;
            case TLS -> tlsPort;
            case WS -> wsPort;
            case WSS -> wssPort;
        };
    }
}
