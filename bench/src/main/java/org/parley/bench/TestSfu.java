package org.parley.bench;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.dom4j.Element;
import org.parley.jingle.colibri2.ConferenceModified;
import org.parley.jingle.colibri2.ConferenceModify;
import org.parley.jingle.colibri2.Endpoint;
import org.parley.jingle.colibri2.MediaSource;
import org.parley.jingle.colibri2.Sctp;
import org.parley.jingle.colibri2.SctpRole;
import org.parley.jingle.colibri2.Sources;
import org.parley.jingle.colibri2.Transport;
import org.parley.jingle.ice.Candidate;
import org.parley.jingle.ice.Fingerprint;
import org.parley.jingle.ice.IceUdpTransport;
import org.parley.jingle.ice.Setup;
import org.parley.jingle.rtp.Source;
import org.parley.xmpp.xml.StreamHeader;
import org.parley.xmpp.xml.XmlFramer;
import org.parley.xmpp.xml.XmlLimits;
import org.parley.xmpp.xml.XmlStreamListener;

/**
 * The test SFU of the focus benchmarks ({@link FocusBench}, {@link MeetingMix}): an XEP-0114 component on loopback
 * that answers the focus's greeting with COLIBRI stats, COLIBRI2 allocations with an ICE/DTLS transport (and the
 * feedback sources on conference creation), updates and expiries with an empty answer, and health checks. It does no
 * media, so the focus is what is measured, not a bridge.
 */
final class TestSfu implements XmlStreamListener, AutoCloseable {
    /** Counted down when the focus greeted the SFU (its first presence) and was answered with stats. */
    final CountDownLatch announced = new CountDownLatch(1);
    /** COLIBRI2 conference-modify requests answered. */
    final AtomicLong requests = new AtomicLong();
    private final String domain;
    private final Socket socket;
    private final OutputStream out;
    private final XmlFramer framer = new XmlFramer(XmlFramer.Mode.STREAM, new XmlLimits(16 << 20, 64), this);
    private final CountDownLatch handshake = new CountDownLatch(1);
    private volatile String streamId;
    private final AtomicInteger ufrags = new AtomicInteger();

    private TestSfu(String domain, Socket socket) throws IOException {
        this.domain = domain;
        this.socket = socket;
        this.out = socket.getOutputStream();
    }

    /** Connects to the server's component port on loopback as {@code domain} and completes the handshake. */
    static TestSfu connect(int port, String domain, String secret) throws Exception {
        Socket s = new Socket(InetAddress.getLoopbackAddress(), port);
        s.setTcpNoDelay(true);
        TestSfu sfu = new TestSfu(domain, s);
        Thread reader = new Thread(sfu::read, "bench-sfu");
        reader.setDaemon(true);
        reader.start();
        sfu.send("<stream:stream xmlns='jabber:component:accept' xmlns:stream='http://etherx.jabber.org/streams' to='"
                + domain + "'>");
        for (int i = 0; i < 100 && sfu.streamId == null; i++) Thread.sleep(50);
        byte[] digest = MessageDigest.getInstance("SHA-1").digest((sfu.streamId + secret).getBytes(StandardCharsets.UTF_8));
        sfu.send("<handshake>" + HexFormat.of().formatHex(digest) + "</handshake>");
        if (!sfu.handshake.await(10, TimeUnit.SECONDS)) throw new IOException("component handshake failed");
        return sfu;
    }

    private void read() {
        byte[] buf = new byte[65536];
        try (InputStream in = socket.getInputStream()) {
            int n;
            while ((n = in.read(buf)) > 0) framer.feed(buf, 0, n);
        } catch (Exception e) {
            // closed
        }
    }

    @Override
    public void streamOpened(StreamHeader header) {
        streamId = header.attribute("id");
    }

    @Override
    public void streamClosed() { }

    @Override
    public void element(Element e) {
        try {
            handle(e);
        } catch (Exception ex) {
            if (!socket.isClosed()) System.out.println("SFU: " + ex);
        }
    }

    private void handle(Element e) throws IOException {
        String name = e.getName();
        if (name.equals("handshake")) {
            handshake.countDown();
            return;
        }
        String from = e.attributeValue("from");
        String id = e.attributeValue("id");
        if (name.equals("presence") && e.attributeValue("type") == null) {
            send("<presence from='" + domain + "' to='" + from + "'><stats xmlns='http://jitsi.org/protocol/colibri'>"
                    + "<stat name='stress_level' value='0.1'/><stat name='relay_id' value='bench-sfu'/>"
                    + "<stat name='version' value='bench'/></stats></presence>");
            announced.countDown();
            return;
        }
        if (!name.equals("iq") || !("set".equals(e.attributeValue("type")) || "get".equals(e.attributeValue("type")))) return;
        Element child = e.elements().isEmpty() ? null : e.elements().get(0);
        String head = "<iq type='result' from='" + domain + "' to='" + from + "' id='" + id + "'";
        if (child == null || !child.getName().equals("conference-modify")) {
            send(head + "/>");
            return;
        }
        requests.incrementAndGet();
        ConferenceModify cm = ConferenceModify.parse(child);
        List<Endpoint> created = new ArrayList<>();
        for (Endpoint ep : cm.endpoints()) {
            if (!ep.create()) continue;
            IceUdpTransport t = new IceUdpTransport("bench" + ufrags.incrementAndGet(), "pwd0123456789abcdef0123", true,
                    List.of(new Fingerprint("sha-256", Setup.ACTPASS, "AB:CD:EF:01:23:45:67:89")),
                    List.of(new Candidate(1, "1", 0, "c1", "127.0.0.1", 0, 10000, 2130706431L, "udp", null, null, "host", null)),
                    List.of(), null, List.of());
            created.add(new Endpoint(ep.id(), false, false, null, null, List.of(),
                    new Transport(false, false, false, t, new Sctp(5000, SctpRole.SERVER), List.of()), null, null, null,
                    List.of(), List.of()));
        }
        Sources feedback = cm.create() ? new Sources(List.of(
                new MediaSource("audio", "jvb-a0", List.of(new Source(ThreadLocalRandom.current().nextLong(1, 1L << 31), "jvb-a0", null, null)), List.of(), List.of()),
                new MediaSource("video", "jvb-v0", List.of(new Source(ThreadLocalRandom.current().nextLong(1, 1L << 31), "jvb-v0", null, null)), List.of(), List.of())))
                : null;
        send(head + ">" + new ConferenceModified(created, List.of(), feedback, List.of()).toElement().asXML() + "</iq>");
    }

    private synchronized void send(String xml) throws IOException {
        out.write(xml.getBytes(StandardCharsets.UTF_8));
        out.flush();
    }

    @Override
    public void close() {
        try {
            socket.close();
        } catch (IOException ignored) {
            // closing
        }
    }
}
