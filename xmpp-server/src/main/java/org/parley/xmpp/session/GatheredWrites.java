package org.parley.xmpp.session;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;

/**
 * The shared stanzas one connection is sent during one event-loop task (a room step's batch), gathered into
 * buffers of a TLS record's size and written at the task's end: a pipeline pass, an outbound entry and a buffer
 * per 16 KiB instead of per stanza. A join storm hands a newcomer a thousand presences in one task, and each
 * occupant the joins of up to 32 room steps; per stanza, Netty's write path (buffer, outbound entry, pipeline,
 * WebSocket frame encoder copying the payload) cost more than serializing it. Owned by the connection's event
 * loop; the transport writes the gathered bytes before anything else it sends, so the order on the wire is the
 * order of the calls.
 */
public final class GatheredWrites {
    /**
     * The buffer size once a second stanza comes in the same task: a TLS record's worth. Fixed, not grown: a growing
     * buffer doubles its capacity past what it holds, and a join storm's backlog (every occupant's pending output)
     * then took twice the memory and ran out of direct memory.
     */
    private static final int CHUNK = 16 * 1024;
    private final boolean webSocketFrames;
    private ByteBuf gathered;
    private boolean several;
    private String to;
    private byte[] address;

    /** @param webSocketFrames each stanza as its own RFC 6455 text frame (RFC 7395: one stanza per message) */
    public GatheredWrites(boolean webSocketFrames) {
        this.webSocketFrames = webSocketFrames;
    }

    /**
     * Appends {@code stanza} for {@code to}. Returns a full buffer the caller writes now, before anything else, or
     * null.
     */
    public ByteBuf add(ByteBufAllocator alloc, SharedStanza stanza, String to, String defaultNs) {
        if (!to.equals(this.to)) {
            // A session's address is the same String on every delivery: escaped and encoded once.
            address = SharedStanza.addressBytes(to);
            this.to = to;
        }
        int length = stanza.encodedLength(address, defaultNs);
        int header = !webSocketFrames ? 0 : length < 126 ? 2 : length <= 0xFFFF ? 4 : 10;
        ByteBuf full = null;
        if (gathered != null && gathered.writableBytes() < header + length) {
            full = gathered;
            gathered = null;
        }
        if (gathered == null) {
            // The first stanza of a task gets a buffer of its size: most tasks send a connection one stanza.
            int capacity = several ? Math.max(CHUNK, header + length) : header + length;
            gathered = alloc.buffer(capacity, capacity);
            several = true;
        }
        if (webSocketFrames) {
            gathered.writeByte(0x81); // FIN, text; a server's frames are not masked (RFC 6455 5.1)
            if (header == 2) {
                gathered.writeByte(length);
            } else if (header == 4) {
                gathered.writeByte(126).writeShort(length);
            } else {
                gathered.writeByte(127).writeLong(length);
            }
        }
        stanza.encodeInto(gathered, address, defaultNs);
        return full;
    }

    /** The bytes gathered since the last full buffer, or null; the caller writes (and so releases) them. */
    public ByteBuf take() {
        ByteBuf b = gathered;
        gathered = null;
        several = false;
        return b;
    }

    /** Drops what was gathered (the connection is gone). */
    public void release() {
        if (gathered != null) gathered.release();
        gathered = null;
        several = false;
    }
}
