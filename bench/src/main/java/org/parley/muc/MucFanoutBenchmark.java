package org.parley.muc;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.util.concurrent.ImmediateEventExecutor;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.dom4j.DocumentException;
import org.dom4j.DocumentHelper;
import org.dom4j.Element;
import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.parley.storage.RoomRepository;
import org.parley.storage.StoredRoom;
import org.parley.xmpp.router.Stanzas;
import org.parley.xmpp.session.SharedStanza;
import org.parley.xmpp.xml.XmlWriter;
import org.xmpp.packet.JID;
import org.xmpp.packet.Packet;

/**
 * MUC fan-out in one thread, without sockets: a room of {@code occupants} (Jitsi-sized join presences) on a
 * {@link MucDomain} whose outbox writes every stanza's bytes as the TCP path does (shared halves around each
 * recipient's address; other stanzas serialized). {@code groupchat}: one message to the room, reflected to every
 * occupant. {@code presenceUpdate}: one occupant toggles {@code audiomuted}, broadcast to everyone. The score is
 * stanzas handled by the room per second; the {@code deliveries} counter is the stanzas written per second.
 * Each operation includes copying the incoming stanza tree, as the router hands every room a parsed stanza of its own.
 *
 * <pre>
 * java -jar bench/target/benchmarks.jar MucFanoutBenchmark -f 1 -wi 2 -i 3 -w 2s -r 2s
 * </pre>
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@State(Scope.Thread)
public class MucFanoutBenchmark {
    private static final String DOMAIN = "conference.meet.example.org";
    private static final String ROOM = "teamstandup@" + DOMAIN;

    @Param({"10", "100", "500"})
    int occupants;

    private MucDomain domain;
    private Lane lane;
    private WireOutbox outbox;
    private Element message;
    private Element[] presences;
    private int toggle;

    /** Stanzas written, per second. */
    @State(Scope.Thread)
    @AuxCounters(AuxCounters.Type.OPERATIONS)
    public static class Deliveries {
        public long deliveries;

        @Setup(Level.Iteration)
        public void clear() {
            deliveries = 0;
        }
    }

    @Setup(Level.Trial)
    public void setup() throws DocumentException {
        outbox = new WireOutbox();
        lane = new Lane(ImmediateEventExecutor.INSTANCE, outbox);
        ServiceSettings settings = ServiceSettings.open(DOMAIN);
        domain = new MucDomain(settings, key -> lane, new RoomStore(DOMAIN, new NoRooms()), Clock.systemUTC());
        domain.initialize(new JID(DOMAIN), null);
        domain.start();
        for (int i = 0; i < occupants; i++) {
            handle(parse("<presence xmlns='jabber:client' from='user" + i + "@meet.example.org/r" + i + "' to='" + ROOM + "/p" + i + "'>"
                    + "<x xmlns='http://jabber.org/protocol/muc'><history maxstanzas='0'/></x>" + jitsi("p" + i, true) + "</presence>"));
        }
        outbox.written = 0;
        message = parse("<message xmlns='jabber:client' from='user0@meet.example.org/r0' to='" + ROOM + "' type='groupchat' id='m1'>"
                + "<body>The quick brown fox jumps over the lazy dog; pack my box with five dozen liquor jugs.</body></message>");
        presences = new Element[] {
            parse("<presence xmlns='jabber:client' from='user0@meet.example.org/r0' to='" + ROOM + "/p0'>" + jitsi("p0", false) + "</presence>"),
            parse("<presence xmlns='jabber:client' from='user0@meet.example.org/r0' to='" + ROOM + "/p0'>" + jitsi("p0", true) + "</presence>")
        };
        long before = outbox.written;
        groupchat(new Deliveries());
        if (outbox.written - before != occupants) {
            throw new IllegalStateException("a groupchat message reached " + (outbox.written - before) + " of " + occupants + " occupants");
        }
    }

    private static String jitsi(String nick, boolean audioMuted) {
        return "<stats-id>Kirsten-Ys8</stats-id>"
                + "<c xmlns='http://jabber.org/protocol/caps' hash='sha-1' node='https://jitsi.org/jitsi-meet' ver='cvjWXufsg4xT62Ec2mlATkFZ9lk='/>"
                + "<jitsi_participant_region>eu-central-1</jitsi_participant_region>"
                + "<jitsi_participant_codecList>vp9,vp8,h264,av1</jitsi_participant_codecList>"
                + "<nick xmlns='http://jabber.org/protocol/nick'>" + nick + "</nick>"
                + "<audiomuted xmlns='http://jitsi.org/jitmeet/audio'>" + audioMuted + "</audiomuted>"
                + "<videomuted xmlns='http://jitsi.org/jitmeet/video'>true</videomuted>";
    }

    private static Element parse(String xml) throws DocumentException {
        Element e = DocumentHelper.parseText(xml).getRootElement();
        e.detach();
        return e;
    }

    private void handle(Element e) {
        Packet p = Stanzas.wrap(e.createCopy());
        domain.handle(p, lane);
    }

    @Benchmark
    public long groupchat(Deliveries d) {
        long before = outbox.written;
        handle(message);
        d.deliveries += outbox.written - before;
        return outbox.bytes;
    }

    @Benchmark
    public long presenceUpdate(Deliveries d) {
        long before = outbox.written;
        handle(presences[toggle++ & 1]);
        d.deliveries += outbox.written - before;
        return outbox.bytes;
    }

    /** Writes each stanza's bytes as {@code TcpClientConnection} would, into a buffer cleared at every flush. */
    static final class WireOutbox implements Outbox {
        private final ByteBuf buf = Unpooled.buffer(1 << 16);
        long written;
        long bytes;

        @Override
        public void shared(JID to, SharedStanza stanza) {
            SharedStanza.Parts p = stanza.parts(Stanzas.CLIENT_NS);
            StringBuilder address = new StringBuilder(40).append(" to='");
            XmlWriter.appendAttribute(address, to.toString());
            address.append('\'');
            buf.writeBytes(p.head()).writeBytes(address.toString().getBytes(StandardCharsets.UTF_8)).writeBytes(p.tail());
            written++;
        }

        @Override
        public void packet(Packet p) {
            ByteBufUtil.writeUtf8(buf, XmlWriter.toXml(p.getElement(), Stanzas.CLIENT_NS));
            written++;
        }

        @Override
        public void flush() {
            bytes += buf.readableBytes();
            buf.clear();
        }
    }

    /** No persistent rooms. */
    static final class NoRooms implements RoomRepository {
        @Override public CompletableFuture<List<StoredRoom>> rooms(String domain) { return CompletableFuture.completedFuture(List.of()); }

        @Override public CompletableFuture<Optional<StoredRoom>> room(String domain, String name) {
            return CompletableFuture.completedFuture(Optional.empty());
        }

        @Override public CompletableFuture<Void> save(StoredRoom room) { return CompletableFuture.completedFuture(null); }

        @Override public CompletableFuture<Boolean> delete(String domain, String name) { return CompletableFuture.completedFuture(false); }
    }
}
