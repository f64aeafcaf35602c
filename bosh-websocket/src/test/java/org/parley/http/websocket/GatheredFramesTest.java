package org.parley.http.websocket;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocket13FrameDecoder;
import java.util.ArrayList;
import java.util.List;
import org.dom4j.DocumentHelper;
import org.dom4j.Element;
import org.junit.jupiter.api.Test;
import org.parley.xmpp.session.GatheredWrites;
import org.parley.xmpp.session.SharedStanza;

/**
 * The frames {@link GatheredWrites} writes past Netty's encoder, read back by Netty's own client-side decoder: one
 * text frame per stanza with each of RFC 6455's three length forms, in order, across the buffers it fills.
 */
class GatheredFramesTest {
    private static SharedStanza stanza(int bodyChars) throws Exception {
        Element e = DocumentHelper.parseText("<message xmlns='jabber:client' from='room@conference.localhost/Zoë' type='groupchat'>"
                + "<body>" + "ü".repeat(bodyChars / 2) + "</body></message>").getRootElement();
        e.detach();
        return new SharedStanza(e);
    }

    @Test
    void everyStanzaIsOneTextFrameInOrderWhateverItsLength() throws Exception {
        // Under 126 bytes, under 64 KiB, and over it: the 2-, 4- and 10-byte headers.
        SharedStanza[] kinds = {stanza(0), stanza(400), stanza(20_000), stanza(90_000)};
        String to = "o'neil@localhost/ü";
        GatheredWrites gathered = new GatheredWrites(true);
        List<ByteBuf> written = new ArrayList<>();
        List<String> expected = new ArrayList<>();
        for (int i = 0; i < 60; i++) {
            SharedStanza s = kinds[i % 7 == 6 ? 3 : i % 3];
            expected.add(s.render(to, ""));
            ByteBuf full = gathered.add(PooledByteBufAllocator.DEFAULT, s, to, "");
            if (full != null) written.add(full);
        }
        written.add(gathered.take());
        assertThat(gathered.take()).isNull();
        assertThat(written.size()).as("fewer buffers than stanzas").isLessThan(expected.size());

        EmbeddedChannel client = new EmbeddedChannel(new WebSocket13FrameDecoder(false, false, 1 << 20));
        for (ByteBuf b : written) client.writeInbound(b);
        List<String> frames = new ArrayList<>();
        for (Object m; (m = client.readInbound()) != null; ) {
            assertThat(m).isInstanceOf(TextWebSocketFrame.class);
            TextWebSocketFrame f = (TextWebSocketFrame) m;
            assertThat(f.isFinalFragment()).isTrue();
            frames.add(f.text());
            f.release();
        }
        assertThat(frames).containsExactlyElementsOf(expected);
        client.finishAndReleaseAll();
    }

    @Test
    void aSingleStanzaGetsABufferOfItsOwnSize() throws Exception {
        SharedStanza s = stanza(400);
        GatheredWrites gathered = new GatheredWrites(true);
        assertThat(gathered.add(PooledByteBufAllocator.DEFAULT, s, "a@localhost/r", "")).isNull();
        ByteBuf one = gathered.take();
        int length = s.render("a@localhost/r", "").getBytes(java.nio.charset.StandardCharsets.UTF_8).length;
        assertThat(one.readableBytes()).isEqualTo(4 + length);
        assertThat(one.capacity()).isEqualTo(one.readableBytes());
        one.release();
    }

    @Test
    void manySmallStanzasShareBuffersOfSixteenKibibytes() throws Exception {
        SharedStanza s = stanza(400);
        GatheredWrites gathered = new GatheredWrites(true);
        List<ByteBuf> written = new ArrayList<>();
        int total = 0;
        for (int i = 0; i < 200; i++) {
            ByteBuf full = gathered.add(PooledByteBufAllocator.DEFAULT, s, "a@localhost/r", "");
            if (full != null) written.add(full);
        }
        written.add(gathered.take());
        for (ByteBuf b : written) {
            total += b.readableBytes();
            assertThat(b.capacity()).isLessThanOrEqualTo(16 * 1024);
            b.release();
        }
        // The first buffer holds the first stanza alone; the rest are filled to within a stanza of 16 KiB.
        assertThat(written.size()).isLessThanOrEqualTo(2 + total / (16 * 1024 - 500));
    }
}
