package org.parley.xmpp.session;

import java.net.InetSocketAddress;
import io.netty.util.concurrent.EventExecutor;
import org.parley.xmpp.sasl.ChannelBindings;
import org.parley.xmpp.stream.StreamErrorCondition;

/**
 * The edge a {@link ClientSession} talks through. TCP, WebSocket and BOSH each turn their framing into the
 * same calls, so negotiation, SASL, binding and routing exist once. Every method may be called from any
 * thread; implementations hop to their own event loop.
 */
public interface Transport {
    /** Opens (or re-opens after a restart) the server's side of the stream. */
    void openStream(String from, String id, String lang);

    /**
     * Sends one top-level element, serialized for {@link #defaultNamespace()}: stanzas without their
     * {@code xmlns} on TCP, where the stream header declares it, with it on framed transports.
     */
    void send(String xml);

    /**
     * The default namespace stanzas are written in: {@code jabber:client} for TCP streams; empty for
     * WebSocket and BOSH, where every element stands alone and carries its own (RFC 7395 section 3.3.3,
     * XEP-0206 section 8).
     */
    String defaultNamespace();

    /**
     * Sends a stanza serialized once for many recipients, addressed to {@code to}. Transports that can write
     * the shared bytes without copying them override this.
     */
    default void sendShared(SharedStanza stanza, String to) {
        send(stanza.render(to, defaultNamespace()));
    }

    /**
     * Like {@link #sendShared}, but the transport may hold the bytes until {@link #writeGathered} (called on its
     * event loop before the task ends) to write the stanzas of one task in one go. Anything else the transport sends
     * meanwhile goes out after them.
     */
    default void gatherShared(SharedStanza stanza, String to) {
        sendShared(stanza, to);
    }

    /** Writes what {@link #gatherShared} held. */
    default void writeGathered() {}

    /**
     * From now on, hand inbound events to {@code session} instead of the session that was created for this
     * connection: stream management resumed an older session over this transport.
     */
    void attach(ClientSession session);

    /** Sends a stream error and closes the stream and the connection. */
    void fail(StreamErrorCondition condition, String text);

    /** Closes the stream in an orderly way ({@code </stream:stream>}) and then the connection. */
    void close();

    /**
     * Closes the connection as a network failure would, writing nothing more (no closing element, no WebSocket close
     * frame): a client that enabled XEP-0198 resumption then resumes instead of starting over.
     */
    default void drop() { close(); }

    /**
     * Whether this transport brings its session back itself after a hand-over restart, with no XEP-0198 resumption
     * (BOSH: its client goes on with the same sid and the next rid). Its {@link #drop()} then stops serving the client
     * without telling it anything is wrong, and {@link #handOverState} says what the next process needs.
     */
    default boolean carriesSessionOver() { return false; }

    /**
     * On the executor, after {@link #drop()}, as the session becomes a {@link SessionSnapshot}: this transport's own
     * state, which the next process's transport of the same kind reads to take the session up again, and how long the
     * session may wait for its client there. The transport is done afterwards: it ends without a word to the client
     * and without touching the session. Null when it does not {@link #carriesSessionOver carry its session over}.
     */
    default HandOverState handOverState() { return null; }

    /**
     * @param state an element named for the transport kind ({@code <bosh/>}), read back by that transport only
     * @param waitMillis how long the restored session waits for its client before it ends
     */
    record HandOverState(org.dom4j.Element state, long waitMillis) {}

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

    /** The SCRAM-*-PLUS channel binding data of the current TLS session; {@link ChannelBindings#NONE} without TLS. */
    ChannelBindings channelBindings();

    InetSocketAddress remoteAddress();

    /** The event loop of this connection; a new session runs its events there. */
    EventExecutor executor();

    /** Stops reading for a while (rate limiting); reading resumes after {@code millis}. */
    void pauseReading(long millis);

    /** The {@code token} query parameter of the WebSocket or BOSH URL (Jitsi token auth), or null. */
    default String authToken() { return null; }

    /**
     * The {@code previd} query parameter of the WebSocket URL, or null: lib-jitsi-meet reconnects to
     * {@code /xmpp-websocket?previd=<resumption id>} before resuming, so that an ANONYMOUS login (whose local part
     * is random) gets the local part of the session it resumes (as Jitsi's Prosody modules jitsi_session and
     * auth_jitsi-anonymous do).
     */
    default String resumeHint() { return null; }

    /** A short name for logs: "tcp", "tls", "websocket", "bosh". */
    String kind();
}
