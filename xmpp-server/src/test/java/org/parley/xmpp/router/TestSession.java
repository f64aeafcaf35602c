package org.parley.xmpp.router;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import io.netty.util.concurrent.EventExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.dom4j.DocumentHelper;
import org.dom4j.Element;
import org.parley.xmpp.server.ServerContext;
import org.parley.xmpp.session.ClientSession;

/** A client session driven in-process through a {@link RecordingTransport}, one event loop thread. */
public final class TestSession {
    public final RecordingTransport transport;
    public final ClientSession session;
    private final EventExecutor loop;
    private final List<String> seen = new ArrayList<>();

    public TestSession(ServerContext server, EventExecutor loop, int port) throws Exception {
        this.loop = loop;
        this.transport = new RecordingTransport(loop, port);
        this.session = loop.submit(() -> new ClientSession(server, transport)).get();
    }

    public void open() throws Exception {
        loop.submit(() -> session.onStreamOpen("localhost", "1.0", "en", "jabber:client")).get();
    }

    public void send(String xml) throws Exception {
        Element e = DocumentHelper.parseText(xml).getRootElement();
        e.detach();
        loop.submit(() -> session.onElement(e)).get();
    }

    /** Waits for the next output that matches, keeping the others for later {@link #sent} checks. */
    public String await(Predicate<String> match) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (System.nanoTime() < deadline) {
            String s = transport.out.poll(50, TimeUnit.MILLISECONDS);
            if (s == null) continue;
            seen.add(s);
            if (match.test(s)) return s;
        }
        throw new AssertionError("nothing matching within 5 s; seen: " + seen);
    }

    /** Quotes do not matter: {@code id="x"} matches {@code id='x'}. */
    public String await(String fragment) throws InterruptedException {
        String f = fragment.replace('"', '\'');
        return await(s -> s.replace('"', '\'').contains(f)).replace('"', '\'');
    }

    /** Everything output so far, drained. */
    public List<String> drain() throws InterruptedException {
        Thread.sleep(200);
        List<String> all = new ArrayList<>();
        transport.out.drainTo(all);
        seen.addAll(all);
        return all;
    }

    /** SASL PLAIN (the transport claims TLS), stream restart, bind and available presence. */
    public TestSession login(String user, String password, String resource, int priority) throws Exception {
        open();
        await("<stream:features");
        String plain = Base64.getEncoder().encodeToString(("\0" + user + "\0" + password).getBytes(StandardCharsets.UTF_8));
        send("<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>" + plain + "</auth>");
        await("<success");
        open();
        await("<stream:features");
        send("<iq xmlns='jabber:client' type='set' id='b1'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'><resource>"
                + resource + "</resource></bind></iq>");
        await("id=\"b1\"");
        send("<presence xmlns='jabber:client'><priority>" + priority + "</priority></presence>");
        return this;
    }
}
