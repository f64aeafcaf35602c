package org.parley.bench;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.IntFunction;
import org.dom4j.Element;
import org.parley.xmpp.xml.StreamHeader;
import org.parley.xmpp.xml.XmlFramer;
import org.parley.xmpp.xml.XmlLimits;
import org.parley.xmpp.xml.XmlStreamException;
import org.parley.xmpp.xml.XmlStreamListener;

/**
 * How long one read of hostile XML holds the thread that parses it (a Netty event loop, in the server): each
 * input is fed to an {@link XmlFramer} with the default limits in reads of {@link #READ} bytes, as a socket
 * delivers them, and the slowest single read and the whole input are timed until the framer accepts the stanza or
 * refuses the stream. The inputs are the attacks of issue 15 and the largest inputs the limits still accept.
 *
 * <pre>
 * mvn -B -ntp -q -pl bench -am package -DskipTests
 * java -cp bench/target/benchmarks.jar org.parley.bench.HostileXmlTiming
 * </pre>
 */
public final class HostileXmlTiming {
    /** A read as large as Netty's adaptive allocator hands out on a busy connection. */
    static final int READ = 64 * 1024;
    static final int ROUNDS = 15;
    static final int STANZA_LIMIT = 256 * 1024;

    private HostileXmlTiming() {
    }

    public static void main(String[] args) throws Exception {
        XmlLimits limits = XmlLimits.defaults(STANZA_LIMIT);
        Map<String, byte[]> inputs = new LinkedHashMap<>();
        inputs.put("ns-decl bomb, 9,000 xmlns:pN on one element", stanza(n -> " xmlns:p" + n + "='urn:p" + n + "'", 9_000, ""));
        inputs.put("9,000 xmlns:pN and as many pN:a attributes", stanza(n -> " xmlns:p" + n + "='urn:p" + n + "' p" + n + ":a=''", 6_000, ""));
        inputs.put("100,000 attributes on one element", stanza(n -> " a" + n + "=''", 100_000, ""));
        inputs.put("one 250 KB attribute value", stanza(n -> " a='" + "x".repeat(250_000) + "'", 1, ""));
        inputs.put("one 250 KB element name", stanza(n -> "", 0, "<" + "n".repeat(250_000) + "/>"));
        inputs.put("new prefixes on every element (300 x 16)", prefixChurn(300, 16));
        inputs.put("the most prefixes allowed, then prefixed attributes to the limit", prefixed(limits));
        inputs.put("elements with the most attributes allowed, to the stanza limit", wide(limits));
        inputs.put("a Jitsi presence (normal traffic)", FramerBenchmark.PRESENCE.getBytes(StandardCharsets.UTF_8));
        System.out.printf("limits: %s; reads of %d bytes; best of %d rounds%n", limits, READ, ROUNDS);
        for (Map.Entry<String, byte[]> e : inputs.entrySet()) {
            Result best = null;
            for (int i = 0; i < ROUNDS; i++) {
                Result r = run(limits, e.getValue());
                if (best == null || r.slowestReadNanos < best.slowestReadNanos) best = r;
            }
            System.out.printf("%-62s %7d bytes  slowest read %8.3f ms  total %8.3f ms  %s%n", e.getKey(), e.getValue().length,
                    best.slowestReadNanos / 1e6, best.totalNanos / 1e6, best.outcome);
        }
    }

    /** {@code <message>} whose start tag carries {@code count} generated attributes, with {@code content} inside. */
    static byte[] stanza(IntFunction<String> attribute, int count, String content) {
        StringBuilder sb = new StringBuilder("<message to='x@localhost'");
        for (int i = 0; i < count; i++) sb.append(attribute.apply(i));
        return sb.append("><body>hi</body>").append(content).append("</message>").toString().getBytes(StandardCharsets.UTF_8);
    }

    /** {@code elements} nested elements that each declare {@code perElement} new prefixes. */
    static byte[] prefixChurn(int elements, int perElement) {
        StringBuilder sb = new StringBuilder("<message to='x@localhost'>");
        int n = 0;
        for (int e = 0; e < elements; e++) {
            sb.append("<e");
            for (int i = 0; i < perElement; i++, n++) sb.append(" xmlns:p").append(n).append("='urn:").append(n).append('\'');
            sb.append("/>");
        }
        return sb.append("</message>").toString().getBytes(StandardCharsets.UTF_8);
    }

    /**
     * The most prefixes a stanza may declare, in as many elements as it takes, each then used round-robin by
     * sibling elements full of prefixed attributes (defeating the parser's small cache of bound names), up to the
     * per-stanza attribute limit.
     */
    static byte[] prefixed(XmlLimits limits) {
        StringBuilder sb = new StringBuilder("<message to='x@localhost'>");
        int prefixes = limits.maxPrefixesPerStanza();
        int perElement = Math.min(limits.maxNamespacesPerElement(), limits.maxAttributesPerElement());
        int attributes = 1;
        int opened = 0;
        for (int n = 0; n < prefixes; opened++) {
            sb.append("<e");
            for (int i = 0; i < perElement && n < prefixes; i++, n++, attributes++) {
                sb.append(" xmlns:p").append(n).append("='urn:").append(n).append('\'');
            }
            sb.append('>');
        }
        int k = 0;
        while (attributes < limits.maxAttributesPerStanza() && sb.length() < limits.maxStanzaBytes() - 2000) {
            sb.append("<s");
            for (int i = 0; i < limits.maxAttributesPerElement() && attributes < limits.maxAttributesPerStanza(); i++, attributes++) {
                sb.append(" p").append(k++ % prefixes).append(":a").append(i).append("=''");
            }
            sb.append("/>");
        }
        for (int e = 0; e < opened; e++) sb.append("</e>");
        return sb.append("</message>").toString().getBytes(StandardCharsets.UTF_8);
    }

    /** Sibling elements that each carry as many attributes as allowed, to nearly the stanza limit. */
    static byte[] wide(XmlLimits limits) {
        StringBuilder sb = new StringBuilder("<message to='x@localhost'>");
        int attributes = 1;
        while (sb.length() < limits.maxStanzaBytes() - 1000 && attributes < limits.maxAttributesPerStanza()) {
            sb.append("<e");
            for (int i = 0; i < limits.maxAttributesPerElement() && attributes < limits.maxAttributesPerStanza(); i++, attributes++) {
                sb.append(" a").append(i).append("=''");
            }
            sb.append("/>");
        }
        return sb.append("</message>").toString().getBytes(StandardCharsets.UTF_8);
    }

    record Result(long slowestReadNanos, long totalNanos, String outcome) {
    }

    static Result run(XmlLimits limits, byte[] stanza) throws XmlStreamException {
        int[] elements = new int[1];
        XmlFramer framer = new XmlFramer(XmlFramer.Mode.STREAM, limits, new XmlStreamListener() {
            @Override
            public void streamOpened(StreamHeader header) {
            }

            @Override
            public void element(Element element) {
                elements[0]++;
            }

            @Override
            public void streamClosed() {
            }
        });
        byte[] header = FramerBenchmark.HEADER.getBytes(StandardCharsets.UTF_8);
        framer.feed(header, 0, header.length);
        long slowest = 0;
        long start = System.nanoTime();
        String outcome = "accepted";
        long t = start;
        try {
            for (int off = 0; off < stanza.length; off += READ) {
                t = System.nanoTime();
                framer.feed(stanza, off, Math.min(READ, stanza.length - off));
                slowest = Math.max(slowest, System.nanoTime() - t);
            }
            if (elements[0] != 1) outcome = "incomplete";
        } catch (XmlStreamException e) {
            slowest = Math.max(slowest, System.nanoTime() - t);
            outcome = e.condition().name().toLowerCase().replace('_', '-') + ": " + e.getMessage();
        }
        return new Result(slowest, System.nanoTime() - start, outcome);
    }
}
