package org.parley.bench.load;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * Cuts an XMPP stream (RFC 6120, as bytes after TLS) into strings: the {@code <stream:stream ...>} header, each
 * top-level element whole, and {@code </stream:stream>}. A scanner, not a parser: it tracks tag nesting and
 * quoted attribute values only, which is all a load generator needs and costs a few nanoseconds per byte. XML
 * declarations, comments and whitespace between stanzas are dropped. A header seen again (a stream restart after
 * STARTTLS or SASL) is passed on as a header, so no reset is needed.
 */
final class XmlSplitter extends ByteToMessageDecoder {
    static final String STREAM_END = "</stream:stream>";
    private static final int START = 0, END = 1, OTHER = 2;

    /** 0 before the header, 1 between stanzas, 2+ inside one. */
    private int depth;
    private boolean inTag;
    private byte quote;
    private int tagKind;
    /** Offsets from the reader index: the scan position and where the current top-level tag or element began. */
    private int pos;
    private int elementStart;

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        int i = in.readerIndex() + pos;
        int start = in.readerIndex() + elementStart;
        int w = in.writerIndex();
        while (i < w) {
            byte b = in.getByte(i);
            if (!inTag) {
                if (b == '<') {
                    if (i + 1 >= w) break; // need the next byte to know the kind of tag
                    byte n = in.getByte(i + 1);
                    tagKind = n == '/' ? END : n == '?' || n == '!' ? OTHER : START;
                    if (depth <= 1) start = i;
                    inTag = true;
                } else if (depth <= 1) {
                    in.readerIndex(i + 1); // whitespace keepalives between stanzas
                    start = i + 1;
                }
                i++;
                continue;
            }
            if (quote != 0) {
                if (b == quote) quote = 0;
                i++;
                continue;
            }
            if ((b == '"' || b == '\'') && tagKind != OTHER) {
                quote = b;
                i++;
                continue;
            }
            if (b != '>') {
                i++;
                continue;
            }
            inTag = false;
            boolean empty = tagKind == START && in.getByte(i - 1) == '/';
            i++;
            if (tagKind == OTHER) {
                if (depth <= 1) {
                    in.readerIndex(i);
                    start = i;
                }
            } else if (tagKind == START) {
                if (depth <= 1 && isStreamHeader(in, start)) {
                    out.add(in.toString(start, i - start, StandardCharsets.UTF_8));
                    in.readerIndex(i);
                    start = i;
                    depth = 1;
                } else if (empty) {
                    if (depth <= 1) emit(in, start, i, out);
                } else {
                    depth++;
                }
            } else {
                depth--;
                if (depth == 1) {
                    emit(in, start, i, out);
                } else if (depth <= 0) {
                    out.add(STREAM_END);
                    in.readerIndex(i);
                    depth = 0;
                }
            }
            if (depth <= 1) start = in.readerIndex();
        }
        pos = i - in.readerIndex();
        elementStart = start - in.readerIndex();
    }

    private static void emit(ByteBuf in, int start, int end, List<Object> out) {
        out.add(in.toString(start, end - start, StandardCharsets.UTF_8));
        in.readerIndex(end);
    }

    private static boolean isStreamHeader(ByteBuf in, int start) {
        // "<stream:stream" (any prefix would do, but every server uses this one)
        return in.writerIndex() - start > 14 && in.getByte(start + 1) == 's' && in.getByte(start + 7) == ':'
                && in.getByte(start + 8) == 's' && in.getByte(start + 13) == 'm';
    }
}
