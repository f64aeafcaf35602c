package org.parley.it.sfu;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import javax.xml.stream.XMLInputFactory;
import javax.xml.stream.XMLStreamConstants;
import javax.xml.stream.XMLStreamReader;
import org.dom4j.DocumentHelper;
import org.dom4j.Element;
import org.dom4j.QName;
import org.parley.jingle.colibri2.ConferenceModify;

/**
 * A test SFU connected as an XEP-0114 external component (the path for SFUs other than jitsi-videobridge): it owns its
 * domain, answers the focus's greeting with a presence carrying COLIBRI stats, and answers COLIBRI2 and health checks
 * through the same {@link SfuLogic} as the brewery SFU. Reads its stream with StAX on its own thread.
 */
public final class ComponentSfu implements AutoCloseable {
    public final String domain;
    public final SfuLogic logic;
    private final Socket socket;
    private final OutputStream out;
    private volatile double stress;
    private volatile String focus;
    public final List<String> received = new CopyOnWriteArrayList<>();

    /** When set, the focus's greeting is not answered with stats (a bridge slow to report after a restart). */
    public volatile boolean silent;

    private ComponentSfu(String domain, Socket socket, double stress, SfuLogic logic) throws Exception {
        this.domain = domain;
        this.logic = logic;
        this.socket = socket;
        this.out = socket.getOutputStream();
        this.stress = stress;
    }

    public static ComponentSfu connect(int port, String domain, String secret, double stress) throws Exception {
        return connect(port, domain, secret, stress, new SfuLogic("component"), false);
    }

    /**
     * Connects a component stream for an SFU that already exists: {@code logic} keeps its conferences and endpoints,
     * as a bridge does when its XMPP connection (here: the server) goes away and comes back. {@code silent}: do not
     * report stats when greeted.
     */
    /**
     * As {@link #connect(int, String, String, double, SfuLogic, boolean)}, retrying for up to 10 s while the server
     * (a restarted child process) does not accept yet, then waiting for its first health check.
     */
    public static ComponentSfu connectRetrying(int port, String domain, String secret, double stress, SfuLogic logic,
                                               boolean silent) throws Exception {
        ComponentSfu sfu = null;
        long deadline = System.currentTimeMillis() + 10_000;
        while (sfu == null) {
            try {
                sfu = connect(port, domain, secret, stress, logic, silent);
            } catch (Exception e) {
                if (System.currentTimeMillis() > deadline) throw e;
                Thread.sleep(100);
            }
        }
        ComponentSfu s = sfu;
        org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(10))
                .until(() -> s.received.stream().anyMatch(x -> x.contains("healthcheck")));
        return sfu;
    }

    public static ComponentSfu connect(int port, String domain, String secret, double stress, SfuLogic logic, boolean silent)
            throws Exception {
        Socket s = new Socket(InetAddress.getLoopbackAddress(), port);
        ComponentSfu sfu = new ComponentSfu(domain, s, stress, logic);
        sfu.silent = silent;
        sfu.send("<stream:stream xmlns='jabber:component:accept' xmlns:stream='http://etherx.jabber.org/streams' to='"
                + domain + "'>");
        InputStream in = s.getInputStream();
        XMLInputFactory f = XMLInputFactory.newInstance();
        f.setProperty(XMLInputFactory.SUPPORT_DTD, false);
        XMLStreamReader r = f.createXMLStreamReader(in, "UTF-8");
        while (r.next() != XMLStreamConstants.START_ELEMENT) { }
        String id = r.getAttributeValue(null, "id");
        byte[] digest = MessageDigest.getInstance("SHA-1").digest((id + secret).getBytes(StandardCharsets.UTF_8));
        sfu.send("<handshake>" + HexFormat.of().formatHex(digest) + "</handshake>");
        Element handshake = next(r);
        if (handshake == null || !handshake.getName().equals("handshake")) {
            throw new IllegalStateException("handshake refused: " + (handshake == null ? "closed" : handshake.asXML()));
        }
        Thread t = new Thread(() -> sfu.read(r), "component-sfu-" + domain);
        t.setDaemon(true);
        t.start();
        return sfu;
    }

    /** The next top-level element of the stream as a dom4j tree, or null at its end. */
    private static Element next(XMLStreamReader r) throws Exception {
        while (r.hasNext()) {
            int ev = r.next();
            if (ev == XMLStreamConstants.START_ELEMENT) return element(r);
            if (ev == XMLStreamConstants.END_ELEMENT || ev == XMLStreamConstants.END_DOCUMENT) return null;
        }
        return null;
    }

    private static Element element(XMLStreamReader r) throws Exception {
        String ns = r.getNamespaceURI() == null ? "" : r.getNamespaceURI();
        if ("jabber:component:accept".equals(ns)) ns = "jabber:client";
        Element e = DocumentHelper.createElement(QName.get(r.getLocalName(), ns));
        for (int i = 0; i < r.getAttributeCount(); i++) e.addAttribute(r.getAttributeLocalName(i), r.getAttributeValue(i));
        while (true) {
            int ev = r.next();
            if (ev == XMLStreamConstants.START_ELEMENT) e.add(element(r));
            else if (ev == XMLStreamConstants.CHARACTERS || ev == XMLStreamConstants.CDATA) e.addText(r.getText());
            else if (ev == XMLStreamConstants.END_ELEMENT) return e;
        }
    }

    private void read(XMLStreamReader r) {
        try {
            Element stanza;
            while ((stanza = next(r)) != null) {
                received.add(stanza.asXML());
                handle(stanza);
            }
        } catch (Exception e) {
            // the stream ended
        }
    }

    private void handle(Element s) throws Exception {
        String from = s.attributeValue("from");
        String to = s.attributeValue("to");
        String id = s.attributeValue("id");
        if (s.getName().equals("presence") && s.attributeValue("type") == null) {
            focus = from;
            if (!silent) sendStats();
        } else if (s.getName().equals("iq") && ("set".equals(s.attributeValue("type")) || "get".equals(s.attributeValue("type")))) {
            Element child = s.elements().isEmpty() ? null : s.elements().get(0);
            String head = "<iq from='" + to + "' to='" + from + "' id='" + id + "'";
            if (child != null && child.getName().equals("conference-modify")) {
                try {
                    send(head + " type='result'>" + logic.handle(ConferenceModify.parse(child)).toElement().asXML() + "</iq>");
                } catch (SfuLogic.SfuError e) {
                    send(head + " type='error'>" + e.toStanzaError().asXML().replace(" xmlns=\"jabber:client\"", "") + "</iq>");
                }
            } else if (child != null && child.getName().equals("healthcheck")) {
                send(head + " type='result'/>");
            } else {
                send(head + " type='error'><error type='cancel'><service-unavailable xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></iq>");
            }
        }
    }

    private void sendStats() throws Exception {
        if (focus == null) return;
        send("<presence from='" + domain + "' to='" + focus + "'><stats xmlns='http://jitsi.org/protocol/colibri'>"
                + "<stat name='stress_level' value='" + stress + "'/><stat name='relay_id' value='" + logic.relayId + "'/>"
                + "<stat name='version' value='2.3-test'/></stats></presence>");
    }

    public void stress(double s) throws Exception {
        stress = s;
        if (!silent) sendStats();
    }

    private synchronized void send(String xml) throws java.io.IOException {
        out.write(xml.getBytes(StandardCharsets.UTF_8));
        out.flush();
    }

    /** Says goodbye to the focus (unavailable presence) and closes the stream. */
    @Override
    public void close() throws Exception {
        try {
            if (focus != null) send("<presence type='unavailable' from='" + domain + "' to='" + focus + "'/>");
            send("</stream:stream>");
        } catch (java.io.IOException ignored) {
            // already gone
        }
        socket.close();
    }
}
