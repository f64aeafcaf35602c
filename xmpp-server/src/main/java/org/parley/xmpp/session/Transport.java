package org.parley.xmpp.session;

import java.net.InetSocketAddress;
import java.util.concurrent.ScheduledExecutorService;
import org.parley.xmpp.stream.StreamErrorCondition;

/**
 * The edge a {@link ClientSession} talks through. TCP, WebSocket and BOSH each turn their framing into the
 * same calls, so negotiation, SASL, binding and routing exist once. Every method may be called from any
 * thread; implementations hop to their own event loop.
 */
public interface Transport {
    /** Opens (or re-opens after a restart) the server's side of the stream. */
    void openStream(String from, String id, String lang);

    /** Sends one top-level element, already serialized in the {@code jabber:client} context. */
    void send(String xml);

    /** Sends a stream error and closes the stream and the connection. */
    void fail(StreamErrorCondition condition, String text);

    /** Closes the stream in an orderly way ({@code </stream:stream>}) and then the connection. */
    void close();

    /** True when the connection is already encrypted (direct TLS, after STARTTLS, or HTTPS). */
    boolean secure();

    /** Whether STARTTLS can be offered (TCP before TLS only). */
    boolean canStartTls();

    /**
     * Sends {@code <proceed/>}, starts TLS and calls {@code onSecured} on the session's executor once the
     * handshake completes; a failed handshake closes the connection.
     */
    void startTls(Runnable onSecured);

    /** Discards the parser state: the peer opens a new stream next (after STARTTLS or SASL success). */
    void restartStream();

    /** RFC 9266 tls-exporter channel binding of the current TLS session, or null. */
    byte[] tlsExporter();

    InetSocketAddress remoteAddress();

    /** The single thread that runs this session's events. */
    ScheduledExecutorService executor();

    /** Stops reading for a while (rate limiting); reading resumes after {@code millis}. */
    void pauseReading(long millis);

    /** A short name for logs: "tcp", "tls", "websocket", "bosh". */
    String kind();
}
