package org.parley.bench;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.dom4j.DocumentException;
import org.dom4j.DocumentHelper;
import org.dom4j.Element;
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
import org.parley.xmpp.session.SharedStanza;
import org.parley.xmpp.xml.XmlWriter;

/**
 * Outbound hot path: turning a stanza tree into bytes. {@code xmlWriter} serializes one stanza ({@link XmlWriter}),
 * {@code sharedFanout} does what a MUC broadcast to {@value #RECIPIENTS} occupants costs with {@link SharedStanza}
 * (serialize once without {@code to}, then per recipient head + address + tail, as {@code TcpClientConnection}
 * writes it), and {@code copyPerRecipient} the naive way (copy the tree, set {@code to}, serialize, encode, for
 * every recipient). Scores are stanzas (recipients) per second, so the two fan-out figures compare directly.
 *
 * <pre>
 * java -jar bench/target/benchmarks.jar StanzaSerializationBenchmark -f 1 -wi 2 -i 3 -w 2s -r 2s
 * </pre>
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@State(Scope.Thread)
public class StanzaSerializationBenchmark {
    private static final String NS = "jabber:client";

    /** A Jitsi participant's MUC presence as the room broadcasts it, or a groupchat message. */
    @Param({"presence", "message"})
    String kind;

    /** Occupants a broadcast goes to; the fan-out benchmarks count each as one operation. */
    static final int RECIPIENTS = 100;

    Element stanza;
    String[] addresses;
    ByteBuf out;

    @Setup(Level.Trial)
    public void setup() throws DocumentException {
        String xml = kind.equals("presence")
                ? "<presence xmlns='jabber:client' from='teamstandup@conference.meet.example.org/5f3a9c1e' id='a4c2e7f0'>"
                        + "<stats-id>Kaley-0Zx</stats-id><region xmlns='http://jitsi.org/jitsi-meet' id='eu-central-1'/>"
                        + "<c xmlns='http://jabber.org/protocol/caps' hash='sha-1' node='https://jitsi.org/jitsi-meet' ver='oLXbVpLBpzZ7FBpTzeBbuGmGSbw='/>"
                        + "<jitsi_participant_codecType>vp9</jitsi_participant_codecType>"
                        + "<nick xmlns='http://jabber.org/protocol/nick'>J\u00fcrgen M\u00fcller</nick>"
                        + "<audiomuted xmlns='http://jitsi.org/jitmeet/audio'>false</audiomuted>"
                        + "<videomuted xmlns='http://jitsi.org/jitmeet/video'>true</videomuted>"
                        + "<features><feature var='https://jitsi.org/meet/e2ee'/><feature var='http://jitsi.org/json-encoded-sources'/></features>"
                        + "<x xmlns='http://jabber.org/protocol/muc#user'><item affiliation='none' role='participant'/></x>"
                        + "<occupant-id xmlns='urn:xmpp:occupant-id:0' id='dGhpcyBpcyBhbiBvY2N1cGFudCBpZA=='/></presence>"
                : "<message xmlns='jabber:client' from='teamstandup@conference.meet.example.org/5f3a9c1e' type='groupchat' id='m-42'>"
                        + "<body>The quick brown fox jumps over the lazy dog &amp; pack my box with five dozen liquor jugs.</body>"
                        + "<stanza-id xmlns='urn:xmpp:sid:0' id='1b6e4d2c' by='teamstandup@conference.meet.example.org'/></message>";
        stanza = DocumentHelper.parseText(xml).getRootElement();
        stanza.detach();
        addresses = new String[RECIPIENTS];
        for (int i = 0; i < RECIPIENTS; i++) addresses[i] = "user" + i + "@meet.example.org/res-" + Integer.toHexString(i * 7919);
        out = Unpooled.buffer(4096);
    }

    @Benchmark
    public String xmlWriter() {
        return XmlWriter.toXml(stanza, NS);
    }

    @Benchmark
    @OperationsPerInvocation(RECIPIENTS)
    public int sharedFanout() {
        SharedStanza s = new SharedStanza(stanza);
        SharedStanza.Parts p = s.parts(NS);
        int total = 0;
        for (String to : addresses) {
            StringBuilder address = new StringBuilder(to.length() + 6).append(" to='");
            XmlWriter.appendAttribute(address, to);
            address.append('\'');
            ByteBuf b = Unpooled.wrappedBuffer(p.head(), address.toString().getBytes(StandardCharsets.UTF_8), p.tail());
            total += b.readableBytes();
            b.release();
        }
        return total;
    }

    @Benchmark
    @OperationsPerInvocation(RECIPIENTS)
    public int copyPerRecipient() {
        int total = 0;
        for (String to : addresses) {
            Element copy = stanza.createCopy();
            copy.addAttribute("to", to);
            out.clear();
            ByteBufUtil.writeUtf8(out, XmlWriter.toXml(copy, NS));
            total += out.readableBytes();
        }
        return total;
    }
}
