package org.parley.xmpp.sasl;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The channel binding data one TLS connection can offer SCRAM-*-PLUS, by type name (RFC 5056). Which types exist
 * depends on the TLS version and the certificate, so it is worked out per connection at handshake completion.
 *
 * <p>tls-unique (RFC 5929) is never among them: it is undefined on TLS 1.3, on TLS 1.2 it is only safe with the
 * extended master secret (RFC 7627, triple handshake), and netty-tcnative does not expose the Finished message
 * it is made from; tls-exporter and tls-server-end-point cover both versions without those doubts.
 */
public final class ChannelBindings {
    /** RFC 9266; TLS 1.3 only here. */
    public static final String TLS_EXPORTER = "tls-exporter";
    /** RFC 5929 section 4: a hash of the server's certificate; any TLS version. */
    public static final String TLS_SERVER_END_POINT = "tls-server-end-point";

    public static final ChannelBindings NONE = new ChannelBindings(Map.of());

    /** Strongest first: the order XEP-0440 advertises them in. */
    private final Map<String, byte[]> byType;

    private ChannelBindings(Map<String, byte[]> byType) {
        this.byType = byType;
    }

    /** Either value may be null (not available on this connection). */
    public static ChannelBindings of(byte[] tlsExporter, byte[] tlsServerEndPoint) {
        if (tlsExporter == null && tlsServerEndPoint == null) return NONE;
        Map<String, byte[]> m = new LinkedHashMap<>(2);
        if (tlsExporter != null) m.put(TLS_EXPORTER, tlsExporter.clone());
        if (tlsServerEndPoint != null) m.put(TLS_SERVER_END_POINT, tlsServerEndPoint.clone());
        return new ChannelBindings(m);
    }

    public boolean isEmpty() {
        return byType.isEmpty();
    }

    /** The available type names, strongest first. */
    public List<String> types() {
        return List.copyOf(byType.keySet());
    }

    /** The data for {@code type}, or null when this connection has none of that type. */
    public byte[] data(String type) {
        byte[] d = byType.get(type);
        return d == null ? null : d.clone();
    }

    @Override
    public String toString() {
        return "ChannelBindings" + byType.keySet();
    }
}
