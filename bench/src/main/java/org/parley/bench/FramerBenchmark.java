package org.parley.bench;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.dom4j.Element;
import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.parley.xmpp.xml.StreamHeader;
import org.parley.xmpp.xml.XmlFramer;
import org.parley.xmpp.xml.XmlLimits;
import org.parley.xmpp.xml.XmlStreamException;
import org.parley.xmpp.xml.XmlStreamListener;
import org.parley.xmpp.xml.XmlWriter;

/**
 * Inbound XML hot path: a client stream of Jitsi Meet MUC presence stanzas (what every participant's status
 * change fans out as) through {@link XmlFramer} in STREAM mode, cut into reads of {@code chunk} bytes.
 *
 * <p>Reading the results: the primary score is stanzas per second ({@code @OperationsPerInvocation}). The
 * {@code bytes} secondary result is input bytes per second, so MB/s = bytes score / 1e6 (equivalently stanzas/s
 * x {@link #STANZA_BYTES_HINT} / 1e6). Run with:
 * <pre>
 * mvn -B -ntp -q -DskipTests install
 * java -jar bench/target/benchmarks.jar FramerBenchmark -f 1 -wi 2 -i 3 -w 2s -r 2s
 * </pre>
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@State(Scope.Thread)
public class FramerBenchmark {

    static final int STANZAS_PER_BATCH = 1000;

    /** Roughly the UTF-8 size of {@link #PRESENCE}; the setup checks it stays near this. */
    static final int STANZA_BYTES_HINT = 703;

    static final String HEADER = "<?xml version='1.0'?><stream:stream xmlns='jabber:client'"
            + " xmlns:stream='http://etherx.jabber.org/streams' to='meet.example.org' version='1.0' xml:lang='en'>";

    /** A participant's presence to a conference room as jitsi-meet's lib-jitsi-meet sends it. */
    static final String PRESENCE = "<presence to='teamstandup@conference.meet.example.org/5f3a9c1e'"
            + " id='a4c2e7f0:sendIQ'>"
            + "<stats-id>Kaley-0Zx</stats-id>"
            + "<region xmlns='http://jitsi.org/jitsi-meet' id='eu-central-1'/>"
            + "<c xmlns='http://jabber.org/protocol/caps' hash='sha-1' node='https://jitsi.org/jitsi-meet'"
            + " ver='oLXbVpLBpzZ7FBpTzeBbuGmGSbw='/>"
            + "<jitsi_participant_codecType>vp9</jitsi_participant_codecType>"
            + "<nick xmlns='http://jabber.org/protocol/nick'>Jürgen Müller</nick>"
            + "<audiomuted xmlns='http://jitsi.org/jitmeet/audio'>false</audiomuted>"
            + "<videomuted xmlns='http://jitsi.org/jitmeet/video'>true</videomuted>"
            + "<features>"
            + "<feature var='https://jitsi.org/meet/e2ee'/>"
            + "<feature var='http://jitsi.org/json-encoded-sources'/>"
            + "</features>"
            + "</presence>";

    /** Input bytes per second, reported next to the primary score. */
    @State(Scope.Thread)
    @AuxCounters(AuxCounters.Type.OPERATIONS)
    public static class Bytes {
        public long bytes;

        @Setup(Level.Iteration)
        public void clear() {
            bytes = 0;
        }
    }

    /** A client connection mid-stream: the header has been read, stanzas follow. */
    @State(Scope.Thread)
    public static class Connection {
        /** Size of each read handed to the framer, as Netty's adaptive allocator would produce. */
        @Param({"2048", "16384"})
        int chunk;

        byte[] batch;
        ByteBuffer direct;
        XmlFramer framer;
        /** Kept so the JIT cannot drop the work; checked in setup so the stream does parse. */
        Element last;
        long elements;

        @Setup(Level.Trial)
        public void setup() throws XmlStreamException {
            byte[] stanza = PRESENCE.getBytes(StandardCharsets.UTF_8);
            if (Math.abs(stanza.length - STANZA_BYTES_HINT) > 40) {
                throw new IllegalStateException("presence is " + stanza.length + " bytes; update STANZA_BYTES_HINT");
            }
            batch = new byte[stanza.length * STANZAS_PER_BATCH];
            for (int i = 0; i < STANZAS_PER_BATCH; i++) {
                System.arraycopy(stanza, 0, batch, i * stanza.length, stanza.length);
            }
            direct = ByteBuffer.allocateDirect(chunk);
            framer = new XmlFramer(XmlFramer.Mode.STREAM, new XmlLimits(256 * 1024, 32), new XmlStreamListener() {
                @Override
                public void streamOpened(StreamHeader header) {
                }

                @Override
                public void element(Element element) {
                    last = element;
                    elements++;
                }

                @Override
                public void streamClosed() {
                }
            });
            byte[] header = HEADER.getBytes(StandardCharsets.UTF_8);
            framer.feed(header, 0, header.length);
            framer.feed(batch, 0, batch.length);
            if (elements != STANZAS_PER_BATCH || !"presence".equals(last.getName())) {
                throw new IllegalStateException("framer produced " + elements + " elements");
            }
        }
    }

    /** One parsed presence, for the writer. */
    @State(Scope.Thread)
    public static class Parsed {
        Element presence;

        @Setup(Level.Trial)
        public void setup() throws XmlStreamException {
            Element[] out = new Element[1];
            XmlFramer f = new XmlFramer(XmlFramer.Mode.FRAGMENTS, new XmlLimits(65536, 32), new XmlStreamListener() {
                @Override
                public void streamOpened(StreamHeader header) {
                }

                @Override
                public void element(Element element) {
                    out[0] = element;
                }

                @Override
                public void streamClosed() {
                }
            });
            byte[] b = PRESENCE.replace("<presence ", "<presence xmlns='jabber:client' ")
                    .getBytes(StandardCharsets.UTF_8);
            f.feed(b, 0, b.length);
            presence = out[0];
        }
    }

    /** Heap reads (a Netty heap ByteBuf, or byte[] from a test). */
    @Benchmark
    @OperationsPerInvocation(STANZAS_PER_BATCH)
    public Element heapArray(Connection c, Bytes counter) throws XmlStreamException {
        byte[] b = c.batch;
        int chunk = c.chunk;
        for (int off = 0; off < b.length; off += chunk) {
            c.framer.feed(b, off, Math.min(chunk, b.length - off));
        }
        counter.bytes += b.length;
        return c.last;
    }

    /** Direct reads: what Netty's pooled socket buffers are by default, so the copying path. */
    @Benchmark
    @OperationsPerInvocation(STANZAS_PER_BATCH)
    public Element directBuffer(Connection c, Bytes counter) throws XmlStreamException {
        byte[] b = c.batch;
        int chunk = c.chunk;
        ByteBuffer buf = c.direct;
        for (int off = 0; off < b.length; off += chunk) {
            // Stands in for the socket read filling Netty's buffer; a memcpy, small next to parsing.
            buf.clear();
            buf.put(b, off, Math.min(chunk, b.length - off)).flip();
            c.framer.feed(buf);
        }
        counter.bytes += b.length;
        return c.last;
    }

    /** The outbound counterpart: serialising the parsed presence for a client stream. */
    @Benchmark
    public String toXml(Parsed p) {
        return XmlWriter.toXml(p.presence, "jabber:client");
    }
}
