package org.parley.bench;

import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.ssl.OpenSsl;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import io.netty.handler.ssl.util.InsecureTrustManagerFactory;
import io.netty.util.ReferenceCountUtil;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLEngineResult;
import javax.net.ssl.SSLException;
import org.parley.xmpp.tls.CertificateStore;
import org.parley.xmpp.tls.TlsMaterial;

/**
 * The machine's floor for fan-out below saturation: what one delivery costs a program that does nothing but the
 * part every XMPP server must do, one TLS record and one {@code send()} to each recipient's connection. No server,
 * no XML, no routing: {@code --connections} (150, tsung's room) loopback TCP connections, a reader thread in this
 * JVM draining them with a selector, and a writer thread that, at fixed rates of deliveries per second (bursts of
 * one write to every connection, as a room's message), wraps a {@code --bytes} (300, about a groupchat message as
 * the sweep sends it) payload into a TLS record with the connection's own BoringSSL engine (handshaken in memory
 * first) and writes it. Reported: the writer thread's CPU per delivery (its user and system time, which on loopback
 * includes the receiving side's TCP input, run inside {@code send()}), with and without the TLS record.
 *
 * <pre>
 * java -cp bench/target/benchmarks.jar org.parley.bench.SendFloor [--rates 1000,3000,10000,30000,100000]
 *      [--connections 150] [--bytes 300] [--seconds 4] [--min-deliveries 15000]
 * </pre>
 *
 * Each rate runs a warm-up of a second, then a window of {@code --seconds} or long enough for
 * {@code --min-deliveries}, as {@code compare.sh}'s fan-out sweep does, so the figures line up with its rows.
 */
public final class SendFloor {
    private SendFloor() {}

    public static void main(String[] args) throws Exception {
        double[] rates = {1_000, 3_000, 10_000, 30_000, 100_000};
        int connections = 150;
        int bytes = 300;
        double seconds = 4;
        int minDeliveries = 15_000;
        for (int i = 0; i + 1 < args.length; i += 2) {
            String v = args[i + 1];
            switch (args[i]) {
                case "--rates" -> rates = Arrays.stream(v.split(",")).mapToDouble(r -> Double.parseDouble(r.trim().replace("k", "e3"))).toArray();
                case "--connections" -> connections = Integer.parseInt(v);
                case "--bytes" -> bytes = Integer.parseInt(v);
                case "--seconds" -> seconds = Double.parseDouble(v);
                case "--min-deliveries" -> minDeliveries = Integer.parseInt(v);
                default -> {
                    System.err.println("usage: SendFloor [--rates 1000,3000,...] [--connections 150] [--bytes 300] [--seconds 4] [--min-deliveries 15000]");
                    System.exit(2);
                }
            }
        }
        if (args.length % 2 != 0) {
            System.err.println(args[args.length - 1] + " needs a value");
            System.exit(2);
        }
        System.out.printf(Locale.ROOT, "send floor: %d loopback connections, %d-byte payload, %s%n", connections, bytes,
                OpenSsl.isAvailable() ? "TLS records by BoringSSL (" + OpenSsl.versionString() + ")" : "TLS records by the JDK");
        try (Loopback net = Loopback.open(connections); Records tls = Records.handshake(connections)) {
            ByteBuffer payload = ByteBuffer.allocateDirect(bytes);
            for (int i = 0; i < bytes; i++) payload.put((byte) ('a' + i % 26));
            payload.flip();
            for (double rate : rates) {
                Window plain = net.run(rate, seconds, minDeliveries, payload, null);
                Window wrapped = net.run(rate, seconds, minDeliveries, payload, tls);
                System.out.printf(Locale.ROOT, "%,9.0f deliveries/s: send() alone %.2f µs per delivery, TLS record + send() %.2f µs"
                                + " (%.0f%% / %.0f%% of a core)%n", rate, plain.microsPerDelivery(), wrapped.microsPerDelivery(),
                        plain.coreShare() * 100, wrapped.coreShare() * 100);
            }
        }
    }

    record Window(long deliveries, double cpuSeconds, double wallSeconds) {
        double microsPerDelivery() { return cpuSeconds / deliveries * 1e6; }

        double coreShare() { return cpuSeconds / wallSeconds; }
    }

    /** N accepted loopback connections to write to, and a thread reading their other ends. */
    static final class Loopback implements AutoCloseable {
        /** Bytes the reading thread has taken off the connections. */
        final AtomicLong received = new AtomicLong();
        private final SocketChannel[] out;
        private final SocketChannel[] in;
        private final Thread reader;
        private final Selector selector;
        private final ByteBuffer record = ByteBuffer.allocateDirect(64 * 1024);

        private Loopback(SocketChannel[] out, SocketChannel[] in, Selector selector) {
            this.out = out;
            this.in = in;
            this.selector = selector;
            this.reader = new Thread(this::drain, "send-floor-reader");
            reader.setDaemon(true);
            reader.start();
        }

        static Loopback open(int n) throws Exception {
            SocketChannel[] out = new SocketChannel[n];
            SocketChannel[] in = new SocketChannel[n];
            Selector selector = Selector.open();
            try (ServerSocketChannel listener = ServerSocketChannel.open()) {
                listener.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), n);
                for (int i = 0; i < n; i++) {
                    in[i] = SocketChannel.open(listener.getLocalAddress());
                    out[i] = listener.accept();
                    out[i].setOption(StandardSocketOptions.TCP_NODELAY, true);
                    in[i].configureBlocking(false);
                    in[i].register(selector, SelectionKey.OP_READ);
                }
            }
            return new Loopback(out, in, selector);
        }

        private void drain() {
            ByteBuffer buf = ByteBuffer.allocateDirect(256 * 1024);
            try {
                while (selector.isOpen()) {
                    selector.select();
                    for (SelectionKey k : selector.selectedKeys()) {
                        buf.clear();
                        int n = ((SocketChannel) k.channel()).read(buf);
                        if (n > 0) received.addAndGet(n);
                    }
                    selector.selectedKeys().clear();
                }
            } catch (Exception closed) {
                // the run is over
            }
        }

        /** A warm-up second, then the measured window, at {@code rate} deliveries per second. */
        Window run(double rate, double seconds, int minDeliveries, ByteBuffer payload, Records tls) throws Exception {
            double bursts = rate / out.length;
            paced(bursts, Math.max(1, Math.round(bursts)), payload, tls);
            ThreadMXBean threads = ManagementFactory.getThreadMXBean();
            long cpu0 = threads.getCurrentThreadCpuTime();
            long t0 = System.nanoTime();
            long n = Math.max(1, Math.round(bursts * Math.max(seconds, minDeliveries / rate)));
            long deliveries = paced(bursts, n, payload, tls);
            return new Window(deliveries, (threads.getCurrentThreadCpuTime() - cpu0) / 1e9, (System.nanoTime() - t0) / 1e9);
        }

        private long paced(double burstsPerSecond, long bursts, ByteBuffer payload, Records tls) throws Exception {
            long gap = (long) (1e9 / burstsPerSecond);
            long next = System.nanoTime();
            long delivered = 0;
            for (long b = 0; b < bursts; b++) {
                for (int i = 0; i < out.length; i++) {
                    ByteBuffer bytes = payload.duplicate();
                    if (tls != null) {
                        record.clear();
                        tls.wrap(i, bytes, record);
                        record.flip();
                        bytes = record;
                    }
                    while (bytes.hasRemaining()) out[i].write(bytes);
                    delivered++;
                }
                next += gap;
                long wait = next - System.nanoTime();
                if (wait > 0) LockSupport.parkNanos(wait);
            }
            return delivered;
        }

        @Override
        public void close() throws Exception {
            selector.close();
            for (SocketChannel c : out) c.close();
            for (SocketChannel c : in) c.close();
            reader.join(1000);
        }
    }

    /** One server-side TLS engine per connection, each handshaken in memory with a client engine of its own. */
    static final class Records implements AutoCloseable {
        private final SSLEngine[] engines;

        private Records(SSLEngine[] engines) {
            this.engines = engines;
        }

        static Records handshake(int n) throws Exception {
            Path dir = Files.createTempDirectory("send-floor");
            TlsMaterial material = CertificateStore.selfSigned(dir, "localhost");
            SslProvider provider = OpenSsl.isAvailable() ? SslProvider.OPENSSL : SslProvider.JDK;
            SslContext server = SslContextBuilder.forServer(material.key(), material.chain().toArray(new java.security.cert.X509Certificate[0]))
                    .sslProvider(provider).build();
            SslContext client = SslContextBuilder.forClient().trustManager(InsecureTrustManagerFactory.INSTANCE).sslProvider(provider).build();
            SSLEngine[] engines = new SSLEngine[n];
            for (int i = 0; i < n; i++) {
                SSLEngine s = server.newEngine(ByteBufAllocator.DEFAULT);
                SSLEngine c = client.newEngine(ByteBufAllocator.DEFAULT);
                handshake(c, s);
                ReferenceCountUtil.release(c);
                engines[i] = s;
            }
            try (var files = Files.list(dir)) {
                for (Path f : files.toList()) Files.delete(f);
            }
            Files.delete(dir);
            return new Records(engines);
        }

        /** Drives both engines, each one's output the other's input, until neither has anything left to do. */
        private static void handshake(SSLEngine client, SSLEngine server) throws SSLException {
            client.setUseClientMode(true);
            server.setUseClientMode(false);
            client.beginHandshake();
            server.beginHandshake();
            ByteBuffer c2s = ByteBuffer.allocate(64 * 1024);
            ByteBuffer s2c = ByteBuffer.allocate(64 * 1024);
            ByteBuffer app = ByteBuffer.allocate(64 * 1024);
            ByteBuffer empty = ByteBuffer.allocate(0);
            for (int round = 0; round < 50; round++) {
                step(client, empty, c2s, s2c, app);
                step(server, empty, s2c, c2s, app);
                if (done(client) && done(server)) return;
            }
            throw new SSLException("in-memory handshake did not finish");
        }

        private static void step(SSLEngine engine, ByteBuffer empty, ByteBuffer toPeer, ByteBuffer fromPeer, ByteBuffer app) throws SSLException {
            fromPeer.flip();
            while (fromPeer.hasRemaining()) {
                app.clear();
                SSLEngineResult r = engine.unwrap(fromPeer, app);
                runTasks(engine);
                if (r.bytesConsumed() == 0) break;
            }
            fromPeer.compact();
            for (int i = 0; i < 8; i++) {
                SSLEngineResult r = engine.wrap(empty, toPeer);
                runTasks(engine);
                if (r.bytesProduced() == 0) break;
            }
        }

        private static void runTasks(SSLEngine engine) {
            for (Runnable task; (task = engine.getDelegatedTask()) != null; ) task.run();
        }

        private static boolean done(SSLEngine engine) {
            SSLEngineResult.HandshakeStatus hs = engine.getHandshakeStatus();
            return hs == SSLEngineResult.HandshakeStatus.NOT_HANDSHAKING || hs == SSLEngineResult.HandshakeStatus.FINISHED;
        }

        void wrap(int connection, ByteBuffer payload, ByteBuffer record) throws SSLException {
            SSLEngineResult r = engines[connection].wrap(payload, record);
            if (r.getStatus() != SSLEngineResult.Status.OK) throw new SSLException("wrap: " + r.getStatus());
        }

        @Override
        public void close() {
            for (SSLEngine e : engines) ReferenceCountUtil.release(e);
        }
    }
}
