package org.parley.xmpp.xml;

import com.fasterxml.aalto.AsyncByteArrayFeeder;
import com.fasterxml.aalto.AsyncXMLInputFactory;
import com.fasterxml.aalto.AsyncXMLStreamReader;
import com.fasterxml.aalto.UncheckedStreamException;
import com.fasterxml.aalto.stax.InputFactoryImpl;
import io.netty.util.concurrent.FastThreadLocal;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import javax.xml.stream.XMLInputFactory;
import javax.xml.stream.XMLStreamConstants;
import javax.xml.stream.XMLStreamException;
import org.dom4j.DocumentFactory;
import org.dom4j.Element;
import org.dom4j.Namespace;
import org.dom4j.QName;
import org.parley.xmpp.stream.StreamErrorCondition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Push parser that turns the bytes of an XMPP connection into stream events and one dom4j {@link Element} per
 * top-level stanza.
 *
 * <p>Bytes may be split anywhere (even inside a multi-byte UTF-8 character); everything passed to {@code feed}
 * is consumed before it returns, so the caller may release or reuse its buffer. Not thread-safe: one framer
 * belongs to one connection and is driven from its event loop.
 *
 * <p>Once a {@code feed} has thrown, the framer is dead and every later {@code feed} throws again with the same
 * condition.
 *
 * <p>Callbacks may call {@link #reset()} (the rest of the current input then goes to a fresh parser, as for a
 * stream restart after STARTTLS or SASL) or {@link #close()} (the rest of the input is dropped).
 */
public final class XmlFramer {

    public enum Mode {
        /** An XMPP stream: optional XML declaration, {@code <stream:stream>}, stanzas, {@code </stream:stream>}. */
        STREAM,
        /** A bare sequence of top-level elements: stored stanzas, or RFC 7395 WebSocket frames. */
        FRAGMENTS
    }

    public static final String STREAM_NAMESPACE = "http://etherx.jabber.org/streams";

    private static final Logger LOG = LoggerFactory.getLogger(XmlFramer.class);

    /**
     * The parser gets input in pieces of at most this many bytes so the size limits are checked while a large
     * stanza arrives instead of after a whole (possibly huge) read has been parsed; the parser itself never holds
     * more than one piece of unconsumed text because it runs non-coalescing.
     */
    private static final int SLICE = 8192;

    /**
     * Prefix declarations one parser may see before it is replaced at the next stanza boundary: Aalto keeps every
     * prefix it has met in a list it scans for each declaration and each prefixed name (past a small cache), so a
     * peer declaring new prefixes stanza after stanza would make every later stanza slower.
     */
    private static final int PREFIXES_PER_PARSER = 256;

    /**
     * FRAGMENTS input is parsed as the children of this synthetic root, so that the parser, which wants one
     * document, accepts a sequence of elements. It declares no namespace so fragments keep exactly their own.
     */
    private static final byte[] FRAGMENTS_ROOT = "<parley-fragments>".getBytes(StandardCharsets.US_ASCII);

    private static final AsyncXMLInputFactory FACTORY = newFactory();

    private static final DocumentFactory DOCUMENT_FACTORY = DocumentFactory.getInstance();

    /**
     * One copy buffer per thread for direct input, lent out for the length of a {@code feed}: the parser consumes
     * everything before feed returns, so an idle connection needs no buffer of its own. A feed nested inside a
     * callback on the same thread finds the slot empty and copies through a buffer of its own.
     */
    private static final FastThreadLocal<Scratch> SCRATCH = new FastThreadLocal<>() {
        @Override
        protected Scratch initialValue() {
            return new Scratch();
        }
    };

    private final Mode mode;
    private final XmlStreamListener listener;
    private final int maxStanzaBytes;
    private final int maxDepth;
    private final NameCache names = new NameCache();
    private final StartTagGuard guard;
    /** Text of the innermost open element, gathered over the several events a parser may split it into. */
    private final StringBuilder text = new StringBuilder(64);

    private AsyncXMLStreamReader<AsyncByteArrayFeeder> reader;
    /** Open elements of the current stanza; stack[0] is the stanza. */
    private Element[] stack = new Element[8];
    /** Parser depth: 1 is the stream (or synthetic fragments root), 2 a stanza. */
    private int depth;
    /** Bytes given to the current parser, including the synthetic root. */
    private long parserFed;
    /**
     * Parser offset where the input not yet accounted for begins: the end of the last event outside a stanza,
     * which is also where the current stanza, if any, starts.
     */
    private long boundary;
    /** Array index of the slice the parser is reading: Aalto's byte offsets count from the array start. */
    private int sliceStart;
    /** Still before the stream header, where a DOCTYPE could appear. */
    private boolean inProlog;
    /** Progress matching {@code <!D} in the prolog: 0 none, 1 saw '<', 2 saw "<!". */
    private int doctypeMatch;
    private boolean sawDoctype;
    /** Parser offset of the first byte that is not valid UTF-8, or -1. */
    private long invalidUtf8At;
    /** Last byte given to the current parser, for UTF-8 checks across slice boundaries. */
    private byte previousByte;
    private boolean inCallback;
    private boolean resetPending;
    /** A peer sent too many distinct names; swap in a fresh parser at the next stanza boundary. */
    private boolean rotatePending;
    /** Feeding a synthetic copy of the stream header to a rotated parser: not news for the listener. */
    private boolean rotating;
    /**
     * The current stream's header as a bare start tag with its namespace declarations, replayed to a replacement
     * parser so stanzas keep the same namespace context.
     */
    private byte[] replayHeader;
    /** The last feed ended between stanzas with nothing pending but whitespace: {@link #release()} may act. */
    private boolean idle;
    /** {@link #release()} dropped the parser; the next feed starts a new one. */
    private boolean parked;
    private int parsersCreated;
    private boolean closed;
    private XmlStreamException failure;

    public XmlFramer(Mode mode, XmlLimits limits, XmlStreamListener listener) {
        this.mode = Objects.requireNonNull(mode, "mode");
        Objects.requireNonNull(limits, "limits");
        this.listener = Objects.requireNonNull(listener, "listener");
        this.maxStanzaBytes = limits.maxStanzaBytes();
        this.maxDepth = limits.maxDepth();
        this.guard = new StartTagGuard(limits);
        newParser();
    }

    /** Parses all remaining bytes of {@code bytes} and leaves its position at its limit. */
    public void feed(ByteBuffer bytes) throws XmlStreamException {
        if (bytes.hasArray()) {
            int n = bytes.remaining();
            int pos = bytes.position();
            bytes.position(pos + n);
            feed(bytes.array(), bytes.arrayOffset() + pos, n);
            return;
        }
        // Direct (or read-only) buffers are copied slice by slice into a borrowed array, so a single parser
        // kind serves both; the bulk copy is small next to parsing (compare FramerBenchmark.directBuffer and
        // heapArray).
        Scratch holder = SCRATCH.get();
        byte[] scratch = holder.buffer;
        holder.buffer = null;
        if (scratch == null) {
            scratch = new byte[SLICE];
        }
        try {
            while (bytes.hasRemaining()) {
                int n = Math.min(SLICE, bytes.remaining());
                bytes.get(scratch, 0, n);
                feed(scratch, 0, n);
            }
        } finally {
            holder.buffer = scratch;
        }
    }

    /** The per-thread copy buffer; null while lent out. */
    private static final class Scratch {
        byte[] buffer = new byte[SLICE];
    }

    /**
     * Parses {@code b[off, off+len)}, reporting every complete event to the listener before returning. Nothing
     * refers to {@code b} afterwards.
     */
    public void feed(byte[] b, int off, int len) throws XmlStreamException {
        Objects.checkFromIndexSize(off, len, b.length);
        if (failure != null) {
            throw new XmlStreamException(failure.condition(), "framer failed earlier: " + failure.getMessage());
        }
        if (closed) {
            LOG.debug("Dropping {} bytes fed after close", len);
            return;
        }
        int end = off + len;
        int pos = off;
        try {
            if (parked) {
                replaceParser();
            }
            while (pos < end && !closed) {
                pos = feedSlice(b, pos, Math.min(SLICE, end - pos));
            }
            idle = betweenStanzas(b, off, end);
        } catch (XmlStreamException e) {
            throw fail(e);
        } catch (XMLStreamException e) {
            throw fail(fromParser(e));
        } catch (UncheckedStreamException e) {
            throw fail(e.getCause() instanceof XMLStreamException x ? fromParser(x)
                    : new XmlStreamException(StreamErrorCondition.NOT_WELL_FORMED, String.valueOf(e.getMessage()), e));
        } catch (ListenerFailure e) {
            // The listener's own exception: not an XML problem, so hand it back unchanged.
            fail(new XmlStreamException(StreamErrorCondition.INTERNAL_SERVER_ERROR, "listener failed", e.getCause()));
            throw (RuntimeException) e.getCause();
        } catch (RuntimeException e) {
            // Aalto signals some inconsistencies it runs into on odd input as unchecked exceptions.
            throw fail(new XmlStreamException(StreamErrorCondition.NOT_WELL_FORMED, "parser failed: " + e, e));
        }
    }

    /**
     * Starts over with a fresh parser, as a stream restart requires. From inside a callback the bytes after the
     * element (or header) being reported go to the new parser; otherwise the next {@code feed} does.
     */
    public void reset() {
        if (inCallback) {
            resetPending = true;
        } else {
            newParser();
        }
    }

    /** Releases the parser; later input is ignored. From inside a callback, the rest of the input is dropped. */
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        resetPending = false;
        if (!inCallback) {
            closeParser();
        }
        // Inside a callback the parser is still on the stack; feed() releases it once the callback returns.
    }

    /**
     * Drops the parser if the input so far ended between two stanzas, for a connection that has gone quiet: a
     * parser holds a few KiB (text and attribute buffers, its name table). The next {@code feed} replays the stream
     * header to a new parser, as a rotation does, which costs a microsecond or more; so call this after a pause in
     * the input, not after every read.
     *
     * @return whether the parser was dropped (false: already dropped, mid-stanza, before the stream header, closed)
     */
    public boolean release() {
        if (!idle || parked || closed || inCallback || reader == null || failure != null) {
            return false;
        }
        closeParser();
        parked = true;
        return true;
    }

    /** Whether the parser has been dropped by {@link #release()}, for tests. */
    boolean released() {
        return parked;
    }

    /**
     * Whether the input fed so far ends between stanzas (inside the stream or fragments root) with nothing pending
     * but whitespace, which a new parser may skip: whitespace between stanzas may be held back by the parser
     * until it sees what follows.
     */
    private boolean betweenStanzas(byte[] b, int off, int end) {
        if (closed || reader == null || depth != 1 || resetPending || rotatePending || invalidUtf8At >= 0
                || (mode == Mode.STREAM && replayHeader == null)) {
            return false;
        }
        long pending = parserFed - boundary;
        if (pending > end - off) {
            return false;
        }
        for (int i = end - (int) pending; i < end; i++) {
            byte c = b[i];
            if (c != ' ' && c != '\n' && c != '\r' && c != '\t') {
                return false;
            }
        }
        return true;
    }

    /** Feeds one slice; returns the array index up to which input was consumed. */
    private int feedSlice(byte[] b, int off, int len) throws XMLStreamException, XmlStreamException {
        // The parser only gets the bytes up to a start tag's first excess attribute or namespace declaration. The
        // refusal waits until it has reported what comes before, as the UTF-8 check does: a callback there may
        // still reset (the bytes after <starttls/> are TLS, not XML) and the guard then starts over.
        int allowed = guard.scan(b, off, len);
        XmlStreamException refused = allowed < len ? guard.violation() : null;
        if (allowed == 0) {
            throw refused;
        }
        len = allowed;
        long sliceBase = parserFed;
        if (inProlog) {
            sniffDoctype(b, off, len);
        }
        if (invalidUtf8At < 0) {
            int bad = Utf8Check.firstInvalid(b, off, len, previousByte);
            if (bad >= 0) {
                invalidUtf8At = sliceBase + (bad - off);
            }
        }
        previousByte = b[off + len - 1];
        sliceStart = off;
        reader.getInputFeeder().feedInput(b, off, len);
        parserFed += len;
        int event;
        while ((event = reader.next()) != AsyncXMLStreamReader.EVENT_INCOMPLETE) {
            // The bad byte only counts once the parser reaches it: a callback may still reset or close first,
            // e.g. when binary TLS data follows <starttls/> in the same read.
            if (invalidUtf8At >= 0 && endOffset() > invalidUtf8At) {
                throw invalidUtf8();
            }
            handle(event);
            if (closed) {
                closeParser();
                return off + len;
            }
            if (resetPending || rotatePending) {
                // Offsets are exact here: the event just handled ended inside this slice.
                int consumed = (int) (endOffset() - sliceBase);
                if (resetPending) {
                    newParser();
                } else {
                    rotateParser();
                }
                return off + consumed;
            }
        }
        if (invalidUtf8At >= 0) {
            // Everything fed has been consumed by now, the bad byte included.
            throw invalidUtf8();
        }
        if (refused != null) {
            throw refused;
        }
        if (parserFed - boundary > maxStanzaBytes) {
            // The parser reports an element only once its start tag is complete, so the guard tells whether the
            // pending bytes are (the start tag of) a stanza.
            throw new XmlStreamException(StreamErrorCondition.POLICY_VIOLATION, guard.inStanza()
                    ? "stanza exceeds " + maxStanzaBytes + " bytes"
                    : "more than " + maxStanzaBytes + " bytes outside a stanza");
        }
        return off + len;
    }

    private void handle(int event) throws XMLStreamException, XmlStreamException {
        switch (event) {
            case XMLStreamConstants.START_ELEMENT -> startElement();
            case XMLStreamConstants.END_ELEMENT -> endElement();
            case XMLStreamConstants.CHARACTERS, XMLStreamConstants.CDATA, XMLStreamConstants.SPACE -> characters();
            case XMLStreamConstants.COMMENT -> {
                if (depth < 2) {
                    boundary = endOffset();
                }
            }
            case XMLStreamConstants.START_DOCUMENT -> {
                checkEncoding();
                boundary = endOffset();
            }
            case XMLStreamConstants.DTD -> throw new XmlStreamException(StreamErrorCondition.RESTRICTED_XML,
                    "DTD not allowed");
            case XMLStreamConstants.ENTITY_REFERENCE -> throw new XmlStreamException(
                    StreamErrorCondition.RESTRICTED_XML, "entity reference &" + reader.getLocalName() + "; not allowed");
            case XMLStreamConstants.PROCESSING_INSTRUCTION -> throw new XmlStreamException(
                    StreamErrorCondition.RESTRICTED_XML, "processing instruction not allowed");
            case XMLStreamConstants.END_DOCUMENT -> { }
            default -> throw new XmlStreamException(StreamErrorCondition.RESTRICTED_XML,
                    "unexpected XML construct (event " + event + ")");
        }
    }

    private void startElement() throws XMLStreamException, XmlStreamException {
        int d = ++depth;
        if (d == 1) {
            inProlog = false;
            if (mode == Mode.STREAM) {
                StreamHeader opened = readHeader();
                boundary = endOffset();
                if (rotating) {
                    return;
                }
                replayHeader = syntheticHeader(opened);
                inCallback = true;
                try {
                    listener.streamOpened(opened);
                } catch (RuntimeException e) {
                    throw new ListenerFailure(e);
                } finally {
                    inCallback = false;
                }
            } else {
                boundary = endOffset();
            }
            return;
        }
        int stanzaDepth = d - 1;
        if (stanzaDepth > maxDepth) {
            throw new XmlStreamException(StreamErrorCondition.POLICY_VIOLATION,
                    "element nesting exceeds depth " + maxDepth);
        }
        Element element = newElement();
        if (stanzaDepth > 1) {
            Element parent = stack[stanzaDepth - 2];
            flushText(parent);
            parent.add(element);
        }
        if (stanzaDepth > stack.length) {
            stack = Arrays.copyOf(stack, stack.length * 2);
        }
        stack[stanzaDepth - 1] = element;
    }

    private void endElement() throws XMLStreamException, XmlStreamException {
        int d = depth--;
        if (d == 1) {
            if (mode == Mode.FRAGMENTS) {
                throw new XmlStreamException(StreamErrorCondition.NOT_WELL_FORMED,
                        "end tag </" + reader.getPrefixedName() + "> without start tag");
            }
            boundary = endOffset();
            inCallback = true;
            try {
                listener.streamClosed();
            } catch (RuntimeException e) {
                throw new ListenerFailure(e);
            } finally {
                inCallback = false;
            }
            return;
        }
        int stanzaDepth = d - 1;
        Element element = stack[stanzaDepth - 1];
        stack[stanzaDepth - 1] = null;
        flushText(element);
        if (stanzaDepth == 1) {
            long end = endOffset();
            if (end - boundary > maxStanzaBytes) {
                throw new XmlStreamException(StreamErrorCondition.POLICY_VIOLATION,
                        "stanza of " + (end - boundary) + " bytes exceeds " + maxStanzaBytes);
            }
            boundary = end;
            inCallback = true;
            try {
                listener.element(element);
            } catch (RuntimeException e) {
                throw new ListenerFailure(e);
            } finally {
                inCallback = false;
            }
            if (names.overflowed || guard.prefixesDeclared() > PREFIXES_PER_PARSER) {
                rotatePending = true;
            }
        }
    }

    private void characters() throws XMLStreamException, XmlStreamException {
        char[] chars = reader.getTextCharacters();
        int start = reader.getTextStart();
        int length = reader.getTextLength();
        if (depth >= 2) {
            text.append(chars, start, length);
            return;
        }
        for (int i = start, end = start + length; i < end; i++) {
            char c = chars[i];
            if (c != ' ' && c != '\n' && c != '\r' && c != '\t') {
                throw new XmlStreamException(
                        mode == Mode.STREAM ? StreamErrorCondition.BAD_FORMAT : StreamErrorCondition.NOT_WELL_FORMED,
                        "text outside a stanza");
            }
        }
        boundary = endOffset();
    }

    private void flushText(Element element) {
        if (text.length() > 0) {
            element.addText(text.toString());
            text.setLength(0);
        }
    }

    private Element newElement() {
        AsyncXMLStreamReader<AsyncByteArrayFeeder> r = reader;
        String prefix = r.getPrefix();
        String uri = nullToEmpty(r.getNamespaceURI());
        QName qname = names.qname(r.getLocalName(), prefix, uri);
        Element element = DOCUMENT_FACTORY.createElement(qname);
        int declarations = r.getNamespaceCount();
        for (int i = 0; i < declarations; i++) {
            String p = nullToEmpty(r.getNamespacePrefix(i));
            String u = nullToEmpty(r.getNamespaceURI(i));
            // The element's own binding travels in its QName; keep only the extra ones (used by attributes,
            // descendants or QName-valued content) so the element stays self-describing once detached.
            if (!(p.equals(prefix) && u.equals(uri)) && !(p.isEmpty() && u.isEmpty())) {
                element.add(names.namespace(p, u));
            }
        }
        int attributes = r.getAttributeCount();
        for (int i = 0; i < attributes; i++) {
            QName name = names.qname(r.getAttributeLocalName(i), nullToEmpty(r.getAttributePrefix(i)),
                    nullToEmpty(r.getAttributeNamespace(i)));
            element.add(DOCUMENT_FACTORY.createAttribute(element, name, r.getAttributeValue(i)));
        }
        return element;
    }

    private StreamHeader readHeader() throws XmlStreamException {
        AsyncXMLStreamReader<AsyncByteArrayFeeder> r = reader;
        String local = r.getLocalName();
        String prefix = r.getPrefix();
        String uri = nullToEmpty(r.getNamespaceURI());
        if (!"stream".equals(local) || !STREAM_NAMESPACE.equals(uri)) {
            throw new XmlStreamException(StreamErrorCondition.INVALID_NAMESPACE, "expected {" + STREAM_NAMESPACE
                    + "}stream as first element, got {" + uri + "}" + local);
        }
        Map<String, String> namespaces = new LinkedHashMap<>();
        String defaultNamespace = "";
        for (int i = 0, n = r.getNamespaceCount(); i < n; i++) {
            String p = nullToEmpty(r.getNamespacePrefix(i));
            String u = nullToEmpty(r.getNamespaceURI(i));
            namespaces.put(p, u);
            if (p.isEmpty()) {
                defaultNamespace = u;
            }
        }
        Map<String, String> attributes = new LinkedHashMap<>();
        for (int i = 0, n = r.getAttributeCount(); i < n; i++) {
            String p = nullToEmpty(r.getAttributePrefix(i));
            String name = r.getAttributeLocalName(i);
            attributes.put(p.isEmpty() ? name : p + ':' + name, r.getAttributeValue(i));
        }
        return new StreamHeader(local, prefix, uri, defaultNamespace, attributes, namespaces);
    }

    private void checkEncoding() throws XmlStreamException {
        String declared = reader.getCharacterEncodingScheme();
        if (declared != null && !declared.equalsIgnoreCase("UTF-8") && !declared.equalsIgnoreCase("UTF8")) {
            throw new XmlStreamException(StreamErrorCondition.UNSUPPORTED_ENCODING,
                    "encoding " + declared + " not supported; XMPP requires UTF-8");
        }
    }

    /**
     * Where the current event ends, counted in bytes from the start of the current parser's input. Throws if
     * finishing a lazily parsed text token finds it malformed.
     */
    private long endOffset() throws XMLStreamException {
        return reader.getLocationInfo().getEndingByteOffset() - sliceStart;
    }

    private void newParser() {
        closeParser();
        parked = false;
        idle = false;
        resetPending = false;
        rotatePending = false;
        parsersCreated++;
        depth = 0;
        parserFed = 0;
        boundary = 0;
        sliceStart = 0;
        inProlog = mode == Mode.STREAM;
        guard.reset();
        doctypeMatch = 0;
        sawDoctype = false;
        invalidUtf8At = -1;
        previousByte = 0;
        text.setLength(0);
        Arrays.fill(stack, null);
        names.clear();
        reader = FACTORY.createAsyncForByteArray();
        if (mode == Mode.FRAGMENTS) {
            try {
                feedSlice(FRAGMENTS_ROOT, 0, FRAGMENTS_ROOT.length);
            } catch (XMLStreamException | XmlStreamException e) {
                throw new IllegalStateException("synthetic fragments root refused", e);
            }
        }
    }

    /**
     * Aalto keeps every distinct name it meets in a symbol table that close() merges into the factory-wide table
     * shared by all connections, which has no size bound: a peer inventing names would grow it for the life of
     * the server. So per-connection parsers are dropped, never closed; the shared table only holds what
     * {@link #newFactory()} warms it with.
     */
    private void closeParser() {
        reader = null;
    }

    /**
     * Replaces the parser mid-stream to free the names a peer has piled into its symbol table. Only called between
     * stanzas, so the new parser needs nothing but the stream's namespace context, replayed from the header.
     */
    private void rotateParser() throws XMLStreamException, XmlStreamException {
        LOG.debug("Too many distinct XML names on one stream; replacing the parser");
        replaceParser();
    }

    /** A fresh parser in the namespace context of the current stream (or fragments root), at depth 1. */
    private void replaceParser() throws XMLStreamException, XmlStreamException {
        byte[] synthetic = replayHeader;
        newParser();
        if (mode == Mode.STREAM && synthetic != null) {
            inProlog = false;
            rotating = true;
            try {
                feedSlice(synthetic, 0, synthetic.length);
            } finally {
                rotating = false;
            }
        }
    }

    private static byte[] syntheticHeader(StreamHeader h) {
        StringBuilder sb = new StringBuilder(160).append('<');
        if (!h.prefix().isEmpty()) {
            sb.append(h.prefix()).append(':');
        }
        sb.append(h.name());
        for (Map.Entry<String, String> ns : h.namespaces().entrySet()) {
            sb.append(ns.getKey().isEmpty() ? " xmlns" : " xmlns:" + ns.getKey()).append("='");
            XmlWriter.appendAttribute(sb, ns.getValue());
            sb.append('\'');
        }
        return sb.append('>').toString().getBytes(StandardCharsets.UTF_8);
    }

    /** How many parsers this framer has used, for tests. */
    int parsersCreated() {
        return parsersCreated;
    }

    private XmlStreamException fail(XmlStreamException e) {
        failure = e;
        closeParser();
        LOG.debug("XML stream refused: {}", e.toString());
        return e;
    }

    private XmlStreamException fromParser(XMLStreamException e) {
        String message = String.valueOf(e.getMessage());
        StreamErrorCondition condition;
        if (sawDoctype) {
            // Aalto's async parser cannot even parse an internal DTD subset without an external id (the usual
            // entity-expansion attack shape) and fails with an unrelated message, so the raw bytes tell.
            condition = StreamErrorCondition.RESTRICTED_XML;
        } else if (message.startsWith("Unexpected character 'D'") && message.contains("for COMMENT")) {
            // "<!D" inside the root element: a DOCTYPE out of place, refused the same as one in the prolog.
            condition = StreamErrorCondition.RESTRICTED_XML;
        } else if (message.contains("ENTITY_REFERENCE")) {
            // Entity references in attribute values cannot be reported as events, so Aalto refuses them itself.
            condition = StreamErrorCondition.RESTRICTED_XML;
        } else if (message.startsWith("Unsupported encoding")) {
            condition = StreamErrorCondition.UNSUPPORTED_ENCODING;
        } else {
            condition = StreamErrorCondition.NOT_WELL_FORMED;
        }
        return new XmlStreamException(condition, message, e);
    }

    private XmlStreamException invalidUtf8() {
        return new XmlStreamException(StreamErrorCondition.NOT_WELL_FORMED,
                "invalid UTF-8 at byte " + invalidUtf8At + " of the stream");
    }

    private void sniffDoctype(byte[] b, int off, int len) {
        int state = doctypeMatch;
        for (int i = off, end = off + len; i < end; i++) {
            byte c = b[i];
            if (c == '<') {
                state = 1;
            } else if (state == 1 && c == '!') {
                state = 2;
            } else if (state == 2 && c == 'D') {
                sawDoctype = true;
                state = 0;
            } else {
                state = 0;
            }
        }
        doctypeMatch = state;
    }

    private static String nullToEmpty(String s) {
        return s == null ? "" : s;
    }

    private static AsyncXMLInputFactory newFactory() {
        AsyncXMLInputFactory factory = new InputFactoryImpl();
        // Untrusted input: no DTDs and no entity expansion; whatever of them shows up is reported as an event and
        // refused above before anything is expanded.
        factory.setProperty(XMLInputFactory.SUPPORT_DTD, Boolean.FALSE);
        factory.setProperty(XMLInputFactory.IS_REPLACING_ENTITY_REFERENCES, Boolean.FALSE);
        factory.setProperty(XMLInputFactory.IS_SUPPORTING_EXTERNAL_ENTITIES, Boolean.FALSE);
        factory.setProperty(XMLInputFactory.IS_NAMESPACE_AWARE, Boolean.TRUE);
        // Non-coalescing: text comes out in pieces as input arrives, so the parser never buffers a huge text
        // node on its own; the framer joins the pieces and bounds them with maxStanzaBytes.
        factory.setProperty(XMLInputFactory.IS_COALESCING, Boolean.FALSE);
        warmSymbols(factory);
        // Lazy parsing must stay on (the default): Aalto 1.3.3's async scanner with it off and coalescing off
        // hits "Internal error: should never execute this code path" on text split across feeds. The price is
        // that malformed text surfaces from getTextCharacters() as an UncheckedStreamException.
        return factory;
    }

    /**
     * Seeds the factory-wide name table with the names XMPP traffic is made of, since per-connection parsers never
     * merge theirs back (see {@link #closeParser()}).
     */
    /** Whether {@link #WARM_UP} parsed; false would mean a typo in it. For tests. */
    static boolean warmed;

    private static void warmSymbols(AsyncXMLInputFactory factory) {
        AsyncXMLStreamReader<AsyncByteArrayFeeder> r = factory.createAsyncForByteArray();
        try {
            byte[] doc = WARM_UP.getBytes(StandardCharsets.UTF_8);
            r.getInputFeeder().feedInput(doc, 0, doc.length);
            r.getInputFeeder().endOfInput();
            while (r.hasNext()) {
                r.next();
            }
            r.close();
            warmed = true;
        } catch (XMLStreamException e) {
            LOG.warn("Warming the XML name table failed; parsing still works, only slower to start", e);
        }
    }

    private static final String WARM_UP = "<stream:stream xmlns='jabber:client'"
            + " xmlns:stream='http://etherx.jabber.org/streams' xmlns:db='jabber:server:dialback'"
            + " to='' from='' id='' version='' xml:lang=''>"
            + "<stream:features/><stream:error/><db:result/><db:verify/>"
            + "<starttls/><proceed/><failure/><auth mechanism=''/><challenge/><response/><success/><abort/>"
            + "<mechanisms/><mechanism/><bind/><session/><jid/><resource/><required/><optional/><sm/><ver/>"
            + "<enable resume='' max=''/><enabled location=''/><resume previd='' h=''/><resumed/><r/>"
            + "<a h=''/><csi/><active/><inactive/><composing/><paused/><gone/><markable/><displayed/>"
            + "<received/><request/><ping/><query node=''/><identity category='' name='' type=''/>"
            + "<feature var=''/><features/><item affiliation='' role='' jid='' nick='' subscription='' ask=''/>"
            + "<group/><status code=''/><x/><c hash='' node='' ver='' ext=''/><show/><priority/><body/>"
            + "<subject/><thread parent=''/><delay stamp=''/><stanza-id by=''/><origin-id/><error by=''/>"
            + "<text/><nick/><photo/><password/><history maxstanzas='' since=''/><destroy/><reason/><invite/>"
            + "<decline/><continue/><pubsub/><items max_items=''/><publish/><retract/><event/><data/>"
            + "<conference/><stats-id/><region/><jitsi_participant_codecType/><jitsi_participant_region/>"
            + "<audiomuted/><videomuted/><SourceInfo/><json-message/><jingle action='' initiator='' sid=''/>"
            + "<content creator='' senders=''/><description media='' ssrc=''/><payload-type clockrate=''"
            + " channels=''/><parameter value=''/><rtcp-fb subtype=''/><rtp-hdrext uri=''/><transport pwd=''"
            + " ufrag=''/><candidate component='' foundation='' generation='' ip='' network='' port=''"
            + " protocol='' rel-addr='' rel-port='' priority=''/><fingerprint setup='' hash=''/><rtcp-mux/>"
            + "<source/><ssrc-group semantics=''/><ssrc-info owner=''/><bundle/><group semantics=''/>"
            + "<rtt/><user-agent/><device/><fast/><bind2/><authenticate/><initial-response/>"
            // RFC 7395 framing, and the end marker FrameParser feeds after every WebSocket message and BOSH body.
            + "<open/><close see-other-uri=''/><end/><body rid='' sid='' wait='' hold='' ack='' xmpp:restart=''"
            + " xmlns:xmpp='urn:xmpp:xbosh'/>"
            // Stanzas and what clients commonly put in them. A name missing here costs each connection that uses it
            // a private copy of the parser's name table (about 2 KiB).
            + "<iq type='' id='' to='' from='' xml:lang=''/><message/><presence/><query ver='' queryid=''/>"
            + "<item name='' node='' var=''/><blocklist/><block/><unblock/><private/><sent/><forwarded/>"
            + "<result queryid=''/><fin complete=''/><set/><first index=''/><last/><count/><max/><before/><after/>"
            + "<field label='' var=''/><value/><option label=''/><title/><instructions/><reported/><no-store/>"
            + "<no-permanent-store/><store/><hint/><replace/><reactions/><reaction/><reply/><fallback for=''/>"
            + "<encryption namespace=''/><attention/><idle since=''/><vCard/><PHOTO/><TYPE/><BINVAL/><FN/><NICKNAME/>"
            + "<storage/><pubsub/><publish-options/><subscribe/><unsubscribe/><subscription/><subscriptions/>"
            + "<affiliations/><configure/><options/><default/><purge/><delete/><header name=''/><headers/>"
            + "<time/><tzo/><utc/><version/><name/><os/><register/><username/><email/><remove/>"
            + "<service host='' port='' transport='' restricted='' expires='' username='' password=''/>"
            + "<services/><credentials/><slot/><get url=''/><put url=''/><size/><content-type/><filename/>"
            + "</stream:stream>";

    /** Carries a listener's exception past the handler that turns parser exceptions into stream errors. */
    private static final class ListenerFailure extends RuntimeException {
        private static final long serialVersionUID = 1L;

        ListenerFailure(RuntimeException cause) {
            super(cause);
        }
    }

    /**
     * Names for the dom4j tree: a stanza stream repeats the same few dozen names, and dom4j's global caches
     * synchronise. The QNames and Namespaces live in one table shared by every framer (lock-free reads, bounded); a
     * framer keeps only a bitset of the shared entries its parser has met, so an idle connection holds a few bytes
     * instead of a map. Names met after the shared table is full go to a small per-framer map.
     *
     * <p>The distinct names a parser has met are counted (shared ones through the bitset, so a name counts once)
     * because Aalto's per-parser symbol table grows with them: past {@link #MAX_ENTRIES} the framer is
     * {@link #overflowed} and replaces its parser at the next stanza boundary. A peer inventing names can fill the
     * shared table, which only sends later new names to the per-framer maps.
     */
    private static final class NameCache {
        /** Distinct names one parser may meet before it is replaced. */
        private static final int MAX_ENTRIES = 1024;
        /** Entries in the shared table, QNames and Namespaces together. */
        private static final int SHARED_MAX = 4096;

        private static final ConcurrentHashMap<Key, Key> SHARED = new ConcurrentHashMap<>(512);
        private static final AtomicInteger SHARED_IDS = new AtomicInteger();
        /** Lookup key, reused: a lookup never runs inside another on the same thread. */
        private static final FastThreadLocal<Key> PROBE = new FastThreadLocal<>() {
            @Override
            protected Key initialValue() {
                return new Key();
            }
        };
        private static final long[] NONE = new long[0];

        /** Ids of the shared entries met since the last {@link #clear()}. */
        private long[] seen = NONE;
        /** Names that did not fit in the shared table; namespaces under an empty local name. Lazily created. */
        private HashMap<Key, Object> own;
        private int distinct;
        /** Set once the peer's distinct names reached the limit, a sign its parser's symbol table grew too. */
        boolean overflowed;

        void clear() {
            seen = NONE;
            own = null;
            distinct = 0;
            overflowed = false;
        }

        QName qname(String local, String prefix, String uri) {
            Object known = lookup(local, prefix, uri);
            if (known != null) {
                return (QName) known;
            }
            return (QName) remember(local, prefix, uri, new QName(local, namespace(prefix, uri)));
        }

        Namespace namespace(String prefix, String uri) {
            if (uri.isEmpty() && prefix.isEmpty()) {
                return Namespace.NO_NAMESPACE;
            }
            if ("xml".equals(prefix)) {
                return Namespace.XML_NAMESPACE;
            }
            Object known = lookup("", prefix, uri);
            if (known != null) {
                return (Namespace) known;
            }
            return (Namespace) remember("", prefix, uri, Namespace.get(prefix, uri));
        }

        private Object lookup(String local, String prefix, String uri) {
            Key probe = PROBE.get().set(local, prefix, uri);
            Key hit = SHARED.get(probe);
            if (hit != null) {
                met(hit.id);
                return hit.value;
            }
            return own == null ? null : own.get(probe);
        }

        private Object remember(String local, String prefix, String uri, Object value) {
            Key key = new Key().set(local, prefix, uri);
            key.value = value;
            if (SHARED_IDS.get() < SHARED_MAX) {
                key.id = SHARED_IDS.getAndIncrement();
                Key prior = SHARED.putIfAbsent(key, key);
                Key used = prior == null ? key : prior;
                met(used.id);
                return used.value;
            }
            if (own == null) {
                own = new HashMap<>();
            }
            own.put(key, value);
            counted();
            return value;
        }

        private void met(int id) {
            int word = id >>> 6;
            long[] s = seen;
            if (word >= s.length) {
                s = seen = Arrays.copyOf(s, word + 1);
            }
            long bit = 1L << id;
            if ((s[word] & bit) == 0) {
                s[word] |= bit;
                counted();
            }
        }

        private void counted() {
            if (++distinct >= MAX_ENTRIES) {
                overflowed = true;
            }
        }

        /** (local, prefix, uri); stored keys also carry the name and its shared id. */
        private static final class Key {
            String local;
            String prefix;
            String uri;
            int hash;
            Object value;
            int id = -1;

            Key set(String local, String prefix, String uri) {
                this.local = local;
                this.prefix = prefix;
                this.uri = uri;
                this.hash = (local.hashCode() * 31 + prefix.hashCode()) * 31 + uri.hashCode();
                return this;
            }

            @Override
            public int hashCode() {
                return hash;
            }

            @Override
            public boolean equals(Object o) {
                return o instanceof Key k && hash == k.hash && local.equals(k.local) && uri.equals(k.uri)
                        && prefix.equals(k.prefix);
            }
        }
    }
}
