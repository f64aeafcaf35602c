package org.parley.xmpp.session;

import java.security.SecureRandom;
import java.util.Base64;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import io.netty.util.concurrent.EventExecutor;
import org.dom4j.Element;
import org.parley.xmpp.config.VirtualHost;
import org.parley.xmpp.jid.JidPrep;
import org.parley.xmpp.metrics.ServerMetrics;
import org.parley.xmpp.router.Stanzas;
import org.parley.xmpp.server.ServerContext;
import org.parley.xmpp.stream.StreamErrorCondition;
import org.parley.xmpp.xml.XmlWriter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.xmpp.packet.IQ;
import org.xmpp.packet.JID;
import org.xmpp.packet.Message;
import org.xmpp.packet.Packet;
import org.xmpp.packet.PacketError;
import org.xmpp.packet.Presence;

/**
 * One client's stream, whatever carries it: negotiation (STARTTLS, SASL, bind), then stanzas in and out.
 * All inbound events run on {@link Transport#executor()}, one at a time, so the state needs no locks; the
 * few fields other threads read (JID, presence) are volatile.
 */
public final class ClientSession {
    private static final Logger log = LoggerFactory.getLogger(ClientSession.class);
    private static final SecureRandom RANDOM = new SecureRandom();

    enum State { AWAITING_STREAM, NEGOTIATING, TLS_STARTING, AUTHENTICATED, BINDING, RESUMING, BOUND, CLOSED }

    private final ServerContext server;
    /** Fixed for the session's life, even when a resumption moves it to a connection on another loop. */
    private final EventExecutor executor;
    private volatile Transport transport;
    private final StreamManagement sm;
    /** The connection dropped and the session waits for an XEP-0198 resumption. */
    private boolean detached;
    private final StanzaRateLimiter rateLimiter;
    private final SaslExchange sasl;
    private State state = State.AWAITING_STREAM;
    private boolean authenticated;
    private volatile VirtualHost host;
    private String streamId;
    private ScheduledFuture<?> negotiationTimer;
    private java.util.Deque<Element> queuedDuringBind;
    private static final int MAX_QUEUED_DURING_BIND = 64;

    private volatile String username;
    private volatile boolean anonymous;
    private volatile JID jid;
    /** {@link #jid} as text, kept with it: Tinder's JID.toString() builds a new string each call, per delivery. */
    private volatile String jidText;
    private volatile Presence presence;
    /** The verified JWT this session logged in with (token hosts), or null. */
    private volatile org.parley.xmpp.token.TokenIdentity token;
    private volatile boolean rosterRequested;
    private Set<JID> directedPresences;
    /** The state of the transport that carried this restored session over, until a transport takes it up. */
    private Element carriedTransport;
    private ScheduledFuture<?> carriedExpiry;
    /** When the connection was accepted (epoch millis), for the admin API. */
    private final long since = System.currentTimeMillis();
    /** A resumable session changed since its last checkpoint ({@link #checkpoint}); read by the checkpoint thread. */
    private volatile boolean checkpointDue;

    public ClientSession(ServerContext server, Transport transport) {
        this.server = server;
        this.transport = transport;
        this.executor = transport.executor();
        var limits = server.config().limits();
        this.sm = new StreamManagement(this, limits.maxUnackedStanzas());
        this.rateLimiter = new StanzaRateLimiter(limits.stanzasPerSecond(), limits.stanzaBurst(),
                limits.throttleDisconnectAfter().toNanos());
        this.sasl = new SaslExchange(this, server);
        long timeout = limits.negotiationTimeout().toMillis();
        this.negotiationTimer = executor.schedule(() -> {
            if (state != State.BOUND && state != State.CLOSED) {
                fail(StreamErrorCondition.CONNECTION_TIMEOUT, "Negotiation took too long");
            }
        }, timeout, TimeUnit.MILLISECONDS);
    }

    // ---- events from the transport ----

    /** The peer opened a stream (a TCP stream header, a WebSocket {@code <open/>}, a BOSH session). */
    public void onStreamOpen(String to, String version, String lang, String contentNamespace) {
        if (!executor.inEventLoop()) {
            executor.execute(() -> onStreamOpen(to, version, lang, contentNamespace));
            return;
        }
        if (state == State.CLOSED) return;
        VirtualHost h = to == null ? null : server.host(to.toLowerCase(java.util.Locale.ROOT));
        streamId = newStreamId();
        transport.openStream(h != null ? h.domain() : firstDomain(), streamId, "en");
        if (contentNamespace != null && !Stanzas.CLIENT_NS.equals(contentNamespace)) {
            fail(StreamErrorCondition.INVALID_NAMESPACE, "Expected jabber:client");
            return;
        }
        if (h == null || (host != null && !host.domain().equals(h.domain()))) {
            fail(StreamErrorCondition.HOST_UNKNOWN, "This server does not serve " + to);
            return;
        }
        if (version == null || !version.startsWith("1.")) {
            fail(StreamErrorCondition.UNSUPPORTED_VERSION, "XMPP 1.0 streams only");
            return;
        }
        host = h;
        if (authenticated) {
            state = State.AUTHENTICATED;
            transport.send(StreamFeatures.afterAuth(List.of(StreamManagement.FEATURE)));
        } else {
            state = State.NEGOTIATING;
            boolean offerTls = !transport.secure() && transport.canStartTls();
            boolean authAllowed = authAllowed();
            List<String> mechanisms = authAllowed ? sasl.offered() : List.of();
            transport.send(StreamFeatures.beforeAuth(offerTls, h.requireTls(), mechanisms,
                    transport.channelBindings().types(), authAllowed && h.registration()));
        }
    }

    public void onElement(Element e) {
        if (!executor.inEventLoop()) {
            executor.execute(() -> onElement(e));
            return;
        }
        try {
            switch (state) {
                case NEGOTIATING -> negotiate(e);
                case AUTHENTICATED -> beforeBind(e);
                case BOUND -> stanza(e);
                case BINDING, RESUMING -> queueDuringBind(e);
                case AWAITING_STREAM, TLS_STARTING -> fail(StreamErrorCondition.NOT_AUTHORIZED, "Unexpected element");
                case CLOSED -> { }
            }
        } catch (IllegalArgumentException bad) {
            // Tinder throws this for unparseable JIDs in to/from; the stanza is the client's fault.
            withoutAddresses(e);
            Packet p = Stanzas.wrap(e);
            if (p == null || state != State.BOUND) fail(StreamErrorCondition.BAD_FORMAT, "Malformed address");
            else addressError(p, new PacketError(PacketError.Condition.jid_malformed));
        }
    }

    public void onStreamClose() {
        if (!executor.inEventLoop()) {
            executor.execute(this::onStreamClose);
            return;
        }
        if (state == State.CLOSED) return;
        end();
        transport.close();
    }

    /** The connection is gone, for whatever reason. Idempotent. */
    public void onDisconnect() {
        if (!executor.inEventLoop()) {
            executor.execute(this::onDisconnect);
            return;
        }
        if (state == State.CLOSED || detached) return;
        if (state == State.BOUND && sm.resumable()) {
            detached = true;
            log.debug("{} lost its connection; waiting for it to resume", jid);
            sm.detached(() -> {
                if (detached) {
                    log.debug("{} did not resume in time", jid);
                    end();
                }
            });
            return;
        }
        end();
    }

    /** A framing or parsing error the transport detected. */
    public void onStreamError(StreamErrorCondition condition, String text) {
        if (!executor.inEventLoop()) {
            executor.execute(() -> onStreamError(condition, text));
            return;
        }
        fail(condition, text);
    }

    // ---- negotiation ----

    private void negotiate(Element e) {
        String ns = e.getNamespaceURI();
        switch (e.getName()) {
            case "starttls" -> {
                if (StreamFeatures.TLS_NS.equals(ns) && transport.canStartTls() && !transport.secure()) {
                    state = State.TLS_STARTING;
                    transport.startTls(() -> {
                        if (state == State.CLOSED) return;
                        state = State.AWAITING_STREAM;
                        transport.restartStream();
                    });
                } else {
                    transport.send("<failure xmlns='" + StreamFeatures.TLS_NS + "'/>");
                    closeNow();
                }
                return;
            }
            case "auth", "response", "abort" -> {
                if (!StreamFeatures.SASL_NS.equals(ns)) break;
                if (!authAllowed()) {
                    transport.send("<failure xmlns='" + StreamFeatures.SASL_NS + "'><encryption-required/></failure>");
                    return;
                }
                sasl.onElement(e);
                return;
            }
            case "iq" -> {
                if (Stanzas.CLIENT_NS.equals(ns) && authAllowed() && host.registration()) {
                    IQ iq = new IQ(e, true);
                    if (iq.getChildElement() != null && "jabber:iq:register".equals(iq.getChildElement().getNamespaceURI())) {
                        server.registration().handleUnauthenticated(iq, this);
                        return;
                    }
                }
            }
            default -> { }
        }
        fail(StreamErrorCondition.NOT_AUTHORIZED, "Authenticate first");
    }

    /**
     * An ephemeral login (ANONYMOUS, a token) gets a random local part, and XEP-0198 resumes only a session of the
     * same user. A client that names the session it is about to resume ({@link Transport#resumeHint()}) gets that
     * session's local part instead, so its {@code <resume/>} can succeed: the resumption id, a 144-bit secret only
     * that client holds, is the credential, as it is for the resume itself. A stale or unknown id changes nothing.
     */
    private String resumedLocalpart(String generated) {
        String previd = transport.resumeHint();
        ClientSession old = previd == null ? null : server.resumable().get(previd);
        if (old == null || !old.anonymous || old.host == null || host == null || !old.host.domain().equals(host.domain())) {
            return generated;
        }
        log.debug("ephemeral login from {} takes the local part of the session it resumes", transport.remoteAddress());
        return old.username;
    }

    private boolean authAllowed() {
        return transport.secure() || !host.requireTls();
    }

    /** Called by {@link SaslExchange} once SASL succeeded. */
    void authenticated(String user, boolean anon) {
        if (anon) user = resumedLocalpart(user);
        username = user;
        anonymous = anon;
        authenticated = true;
        state = State.AWAITING_STREAM;
        transport.restartStream();
    }

    private void beforeBind(Element e) {
        if (StreamManagement.NS.equals(e.getNamespaceURI())) {
            switch (e.getName()) {
                case "resume" -> resume(e);
                case "enable" -> sendRaw(StreamManagement.failed("unexpected-request", null));
                default -> { } // <r/> and <a/> before enabling mean nothing yet
            }
            return;
        }
        if (Stanzas.CLIENT_NS.equals(e.getNamespaceURI()) && "iq".equals(e.getName())) {
            IQ iq = new IQ(e, true);
            Element child = iq.getChildElement();
            if (iq.getType() == IQ.Type.set && child != null && StreamFeatures.BIND_NS.equals(child.getNamespaceURI())) {
                bind(iq, child);
                return;
            }
        }
        fail(StreamErrorCondition.NOT_AUTHORIZED, "Bind a resource first");
    }

    private void bind(IQ iq, Element bindRequest) {
        // Trimmed at the ends only: dom4j's elementTextTrim would also turn a tab or newline inside into a space,
        // and so accept a resource that resourceprep refuses (RFC 6120 7.7.2.1 wants bad-request for it).
        String requested = bindRequest.elementText("resource");
        requested = requested == null ? null : requested.strip();
        String resource = requested == null || requested.isEmpty() ? newResource() : requested;
        JID full;
        try {
            full = JidPrep.jid(username, host.domain(), resource);
        } catch (IllegalArgumentException invalid) {
            IQ error = (IQ) Stanzas.errorReply(iq, PacketError.Condition.bad_request);
            error.setFrom((JID) null);
            deliverElement(error.getElement());
            return;
        }
        if (server.services().ownsAddress(full.toBareJID())) {
            // The focus (or another service) answers for this JID: a session of it would impersonate the service.
            log.info("{} may not bind: the address belongs to a service", full.toBareJID());
            IQ error = (IQ) Stanzas.errorReply(iq, PacketError.Condition.not_allowed);
            error.setFrom((JID) null);
            deliverElement(error.getElement());
            return;
        }
        // The roster is loaded before the bind answer, so presence never waits on the database later.
        state = State.BINDING;
        server.roster().attach(full, !anonymous).whenComplete((roster, error) -> executor.execute(() -> {
            if (error != null) {
                log.warn("could not load the roster of {}", full.toBareJID(), error);
                fail(StreamErrorCondition.INTERNAL_SERVER_ERROR, "Storage unavailable");
                return;
            }
            if (state == State.CLOSED) {
                server.roster().detach(full);
                return;
            }
            completeBind(iq, full);
        }));
    }

    private void completeBind(IQ iq, JID full) {
        jid = full;
        jidText = full.toString();
        ClientSession replaced = server.sessions().bind(this);
        if (replaced != null) {
            log.info("{} bound again; replacing the older session", full);
            replaced.replaced();
        }
        state = State.BOUND;
        if (negotiationTimer != null) negotiationTimer.cancel(false);
        IQ result = IQ.createResultIQ(iq);
        result.setFrom((JID) null);
        result.setTo((JID) null);
        result.setChildElement("bind", StreamFeatures.BIND_NS).addElement("jid").setText(full.toString());
        deliverElement(result.getElement());
        log.debug("{} bound over {} from {}", full, transport.kind(), transport.remoteAddress());
        if (queuedDuringBind != null) {
            java.util.Deque<Element> queued = queuedDuringBind;
            queuedDuringBind = null;
            while (!queued.isEmpty() && state == State.BOUND) onElement(queued.poll());
        }
    }

    /** Some clients pipeline stanzas behind the bind request; they wait for the roster load with it. */
    private void queueDuringBind(Element e) {
        if (queuedDuringBind == null) queuedDuringBind = new java.util.ArrayDeque<>();
        if (queuedDuringBind.size() >= MAX_QUEUED_DURING_BIND) {
            fail(StreamErrorCondition.POLICY_VIOLATION, "Too many stanzas before bind completed");
            return;
        }
        queuedDuringBind.add(e);
    }

    /** Another session bound the same full JID: this one goes, with the conflict stream error. */
    private void replaced() {
        executor.execute(() -> {
            if (state == State.CLOSED) return;
            fail(StreamErrorCondition.CONFLICT, "Replaced by new connection");
        });
    }

    // ---- stanzas after binding ----

    private void stanza(Element e) {
        changed();
        if (StreamManagement.NS.equals(e.getNamespaceURI())) {
            if ("enable".equals(e.getName())) {
                sm.enable(e, server.config().limits().resumeTimeout(), server.resumable());
                changed();
            } else if (!sm.onNonza(e)) {
                fail(StreamErrorCondition.UNSUPPORTED_STANZA_TYPE, "Unknown element " + e.getQualifiedName());
            }
            return;
        }
        sm.countInbound();
        // RFC 6120 8.3.3.8: an address that is not a JID by RFC 7622 is answered jid-malformed, and the stream goes
        // on. Tinder wraps stanzas without preparing their addresses (and throws on some), so it is checked here,
        // before wrapping; otherwise a bad address would be routed like a good one and fail as that route fails.
        String malformed = Stanzas.malformedAddress(e);
        if (malformed != null) withoutAddresses(e);
        Packet p = Stanzas.wrap(e);
        if (p == null) {
            fail(StreamErrorCondition.UNSUPPORTED_STANZA_TYPE, "Unknown element " + e.getQualifiedName());
            return;
        }
        server.metrics().stanzaIn(p instanceof Message ? ServerMetrics.StanzaKind.MESSAGE
                : p instanceof Presence ? ServerMetrics.StanzaKind.PRESENCE : ServerMetrics.StanzaKind.IQ);
        long now = System.nanoTime();
        long pause = rateLimiter.acquire(now);
        if (pause > 0) {
            server.metrics().limitHit(ServerMetrics.Limit.STANZAS_PER_SECOND);
            if (rateLimiter.flooding(now)) {
                server.metrics().limitHit(ServerMetrics.Limit.SUSTAINED_FLOOD);
                log.info("{} from {} sent too many stanzas for too long; disconnecting", jid, transport.remoteAddress());
                fail(StreamErrorCondition.POLICY_VIOLATION, "Too many stanzas for too long");
                return;
            }
            transport.pauseReading(pause);
        }
        if (malformed != null) {
            log.debug("{}: {} (id {})", jid, malformed, p.getID());
            addressError(p, new PacketError(PacketError.Condition.jid_malformed, PacketError.Type.modify, malformed));
            return;
        }
        JID from = p.getFrom();
        if (from != null && !from.equals(jid) && !(from.getResource() == null && from.toBareJID().equals(jid.toBareJID()))) {
            fail(StreamErrorCondition.INVALID_FROM, "Stanza from " + from + " on the stream of " + jid);
            return;
        }
        p.setFrom(jid);
        JID to = p.getTo();
        if (p instanceof IQ iq) {
            Element child = iq.getChildElement();
            if (child != null && StreamFeatures.SESSION_NS.equals(child.getNamespaceURI()) && iq.getType() == IQ.Type.set) {
                deliver(Stanzas.result(iq));
                return;
            }
            if (to == null || to.toString().equals(jid.toBareJID())) {
                server.iq().dispatch(iq, true, new SessionIqRequest(server, this));
            } else {
                server.router().route(iq);
            }
        } else if (p instanceof Presence pr) {
            server.presence().outbound(this, pr);
        } else if (p instanceof Message m) {
            if (to == null) m.setTo(jid.asBareJID());
            server.router().route(m);
        }
    }

    /** The addresses are what is wrong with the stanza, and the answer goes to this client whatever they say. */
    private static void withoutAddresses(Element e) {
        e.addAttribute("to", null);
        e.addAttribute("from", null);
    }

    /** Answers a stanza stripped of its addresses; responses are never answered (RFC 6120 8.2.3, 8.3.1). */
    private void addressError(Packet p, PacketError error) {
        if (p instanceof IQ iq && !iq.isRequest()) return;
        Packet reply = Stanzas.errorReply(p, error);
        if (reply != null) {
            reply.setTo(jid);
            deliverElement(reply.getElement());
        }
    }

    // ---- output and lifecycle ----

    /** Sends a stanza to this client. Safe from any thread. */
    public void deliver(Packet p) {
        deliverElement(p.getElement());
    }

    public void deliverElement(Element e) {
        // Output runs on the session's thread like everything else, so stream management counts exactly
        // what went out; Netty would queue a write from another thread just the same.
        if (!executor.inEventLoop()) {
            executor.execute(() -> deliverElement(e));
            return;
        }
        if (state == State.CLOSED) return;
        if (!sm.track(e, !detached)) return;
        changed();
        count(e);
        if (!detached) transport.send(XmlWriter.toXml(e, transport.defaultNamespace()));
    }

    /**
     * Sends a stanza serialized once for many recipients (MUC fan-out) to this client's full JID. Safe from
     * any thread.
     */
    public void deliverShared(SharedStanza stanza) {
        if (!executor.inEventLoop()) {
            executor.execute(() -> deliverShared(stanza));
            return;
        }
        deliverShared(stanza, false);
    }

    /**
     * {@link #deliverShared} for one of many stanzas an event-loop task delivers: the transport may gather it with
     * the others into one write, which {@link #writeGathered} (before the task ends) sends.
     */
    public void deliverSharedGathered(SharedStanza stanza) {
        if (!executor.inEventLoop()) {
            deliverShared(stanza);
            return;
        }
        deliverShared(stanza, true);
    }

    /** Writes what {@link #deliverSharedGathered} gathered in this task. */
    public void writeGathered() {
        if (executor.inEventLoop()) transport.writeGathered();
    }

    private void deliverShared(SharedStanza stanza, boolean gather) {
        if (state == State.CLOSED) return;
        String to = jidText;
        if (sm.enabled() && !sm.track(new StreamManagement.Addressed(stanza, to), !detached)) return;
        changed();
        count(stanza.element());
        if (detached) return;
        if (gather) transport.gatherShared(stanza, to);
        else transport.sendShared(stanza, to);
    }

    /** Outbound stanzas by kind, and error stanzas by condition. Reads the element; allocates nothing. */
    private void count(Element e) {
        ServerMetrics m = server.metrics();
        m.stanzaOut(e.getName());
        if ("error".equals(e.attributeValue("type"))) {
            Element error = e.element("error");
            String condition = null;
            if (error != null) {
                for (int i = 0, n = error.nodeCount(); i < n && condition == null; i++) {
                    if (error.node(i) instanceof Element c && "urn:ietf:params:xml:ns:xmpp-stanzas".equals(c.getNamespaceURI())) {
                        condition = c.getName();
                    }
                }
            }
            m.stanzaError(condition);
        }
    }

    /** Sends a raw, already serialized top-level element (SASL and TLS nonzas). */
    void sendRaw(String xml) {
        transport.send(xml);
    }

    public void fail(StreamErrorCondition condition, String text) {
        if (state == State.CLOSED) return;
        server.metrics().streamError(condition);
        // A logged-in user cut off by the server (a limit, a backlog, a resumption overflow) is worth a line: a user
        // who "just dropped" must be traceable. Before login (scanners, attackers) and for the routine ends (shutdown,
        // a resource replaced) the metric counts them and the log stays quiet.
        if (jid != null && condition != StreamErrorCondition.SYSTEM_SHUTDOWN && condition != StreamErrorCondition.CONFLICT) {
            log.info("stream error {} to {} ({} from {}): {}", condition.xmlName(), jid, transport.kind(), transport.remoteAddress(), text);
        } else {
            log.debug("stream error {} to {} ({}): {}", condition.xmlName(), jid != null ? jid : transport.remoteAddress(), transport.kind(), text);
        }
        // RFC 6120 section 4.9.1.1: an error before our stream header still goes out inside one.
        if (streamId == null) {
            streamId = newStreamId();
            transport.openStream(host != null ? host.domain() : firstDomain(), streamId, "en");
        }
        end();
        transport.fail(condition, text);
    }

    /** True while a live connection carries the session. */
    boolean connected() {
        return state != State.CLOSED && !detached;
    }

    public EventExecutor executor() { return executor; }

    StreamManagement streamManagement() { return sm; }

    // ---- XEP-0198 resumption ----

    /** {@code <resume/>} on a fresh authenticated stream: hand this connection to the session it names. */
    private void resume(Element e) {
        String previd = e.attributeValue("previd");
        ClientSession old = previd == null ? null : server.resumable().get(previd);
        if (old == null || old == this || !host.domain().equals(old.host.domain()) || !username.equals(old.username)) {
            sendRaw(StreamManagement.failed("item-not-found", null));
            return;
        }
        state = State.RESUMING;
        Transport t = transport;
        String h = e.attributeValue("h");
        old.executor.execute(() -> old.resumeOn(t, h, this));
    }

    /** Runs on the old session's executor: take over {@code t} from {@code shell} and catch the client up. */
    private void resumeOn(Transport t, String h, ClientSession shell) {
        if (state != State.BOUND || !sm.resumable()) {
            shell.executor.execute(shell::resumeFailed);
            return;
        }
        Transport previous = transport;
        previous.attach(null);
        if (!detached) previous.close();
        // A restored BOSH session resumed by XEP-0198 on another connection: its BOSH state is no use any more.
        forgetCarriedTransport();
        transport = t;
        detached = false;
        sm.reattached();
        changed();
        if (!sm.acknowledgeResumption(h)) return;
        sendRaw("<resumed xmlns='" + StreamManagement.NS + "' previd='" + sm.resumeId() + "' h='" + sm.handledIn() + "'/>");
        for (Object pending : sm.unacknowledged()) {
            if (pending instanceof StreamManagement.Addressed a) t.sendShared(a.stanza(), a.to());
            else t.send(XmlWriter.toXml((Element) pending, t.defaultNamespace()));
        }
        log.debug("{} resumed over {} from {}", jid, t.kind(), t.remoteAddress());
        shell.executor.execute(() -> shell.handOver(this));
    }

    private void resumeFailed() {
        if (state != State.RESUMING) return;
        state = State.AUTHENTICATED;
        sendRaw(StreamManagement.failed("item-not-found", null));
        replayQueued(this);
    }

    /** This stream now belongs to {@code resumed}; what the client pipelined meanwhile goes there too. */
    private void handOver(ClientSession resumed) {
        if (state != State.RESUMING) return;
        state = State.CLOSED;
        if (negotiationTimer != null) negotiationTimer.cancel(false);
        transport.attach(resumed);
        replayQueued(resumed);
    }

    private void replayQueued(ClientSession target) {
        if (queuedDuringBind == null) return;
        java.util.Deque<Element> queued = queuedDuringBind;
        queuedDuringBind = null;
        for (Element e : queued) target.onElement(e);
    }

    void closeNow() {
        end();
        transport.close();
    }

    // ---- hand-over to the next process ----

    /**
     * The node is handing over to its next process: a resumable session loses its connection as in a network
     * failure (no stream error, no closing element; it detaches and keeps what it is sent), a session whose transport
     * carries it over (BOSH) stops being served by it without a word of it to the client, any other session ends
     * as at shutdown, with {@code system-shutdown}. Safe from any thread.
     */
    public void cutForHandover() {
        executor.execute(() -> {
            if (state == State.CLOSED) return;
            if (state == State.BOUND && (sm.resumable() || (!detached && transport.carriesSessionOver()))) {
                if (!detached) transport.drop();
            } else {
                fail(StreamErrorCondition.SYSTEM_SHUTDOWN, "Server shutting down");
            }
        });
    }

    /**
     * On the session's executor, once every connection is cut: a resumable session becomes a snapshot and leaves this
     * process without a trace (no unavailable presence, nothing re-routed, no bounce of what it is sent later); the
     * next process restores it. Null for any other session.
     */
    public SessionSnapshot handOver(long now) {
        if (state != State.BOUND || !(sm.resumable() || (!detached && transport.carriesSessionOver()))) return null;
        if (!detached) transport.drop();
        Transport.HandOverState carried = detached ? null : transport.handOverState();
        if (carried == null && !sm.resumable()) return null;
        long resumeTimeout = sm.resumable() ? sm.resumeTimeout().toMillis() : 0;
        long timeout = Math.max(resumeTimeout, carried == null ? 0 : carried.waitMillis());
        SessionSnapshot s = new SessionSnapshot(jid, anonymous, sm.resumeId(), resumeTimeout, now + timeout, sm.handledIn(),
                sm.ackedOut(), sm.enabled() ? sm.unacknowledgedElements() : List.of(), presence,
                directedPresences == null ? List.of() : List.copyOf(directedPresences), rosterRequested, token,
                sm.enabled(), carried == null ? null : carried.state());
        state = State.CLOSED;
        detached = false;
        if (negotiationTimer != null) negotiationTimer.cancel(false);
        sm.ended(server.resumable());
        // It stays bound until the process ends: what is still sent to it (a room, the focus, until they stop) is
        // dropped here. Unbound, it would be bounced, and a room takes a bounce for its occupant gone.
        server.roster().detach(jid);
        return s;
    }

    private SessionSnapshot snapshot(long expiresAt) {
        return new SessionSnapshot(jid, anonymous, sm.resumeId(), sm.resumeTimeout().toMillis(), expiresAt, sm.handledIn(),
                sm.ackedOut(), sm.unacknowledgedElements(), presence,
                directedPresences == null ? List.of() : List.copyOf(directedPresences), rosterRequested, token);
    }

    // ---- checkpoints, for a process started after a crash ----

    /** Marks a resumable session for the next checkpoint: one volatile write, nothing else on the stanza path. */
    private void changed() {
        if (!checkpointDue && sm.resumable()) checkpointDue = true;
    }

    /** Whether the session changed since its last checkpoint; safe from any thread. */
    public boolean checkpointDue() { return checkpointDue; }

    /**
     * On the session's executor: the session as it is now, for a checkpoint (it goes on untouched), or null when it
     * is not (or no longer) a resumable bound session. Clears the mark; {@link #checkpointAgain} sets it back when
     * the checkpoint could not be written.
     */
    public SessionSnapshot checkpoint() {
        checkpointDue = false;
        if (state != State.BOUND || !sm.resumable()) return null;
        return snapshot(SessionSnapshot.FROM_CHECKPOINT);
    }

    /** The checkpoint that held this session failed: the next one writes it again. Safe from any thread. */
    public void checkpointAgain() { checkpointDue = true; }

    /**
     * A session of the previous process, as {@link #handOver} left it, waiting on {@code loop} for its client to
     * resume until the snapshot's deadline. Completes once it is registered and its roster is loaded; null when its
     * host is not served any more.
     */
    public static java.util.concurrent.CompletableFuture<ClientSession> restore(ServerContext server, SessionSnapshot s,
                                                                              EventExecutor loop) {
        VirtualHost h = server.host(s.jid().getDomain());
        if (h == null) return java.util.concurrent.CompletableFuture.completedFuture(null);
        // A transport coming back takes what was sent meanwhile; as many stanzas as a detached session keeps unacknowledged.
        DetachedTransport waiting = new DetachedTransport(loop, s.transport() == null ? 0 : server.config().limits().maxUnackedStanzas());
        ClientSession session = new ClientSession(server, waiting);
        waiting.onOverflow(() -> session.fail(StreamErrorCondition.RESOURCE_CONSTRAINT, "Too many stanzas waiting for the client"));
        return server.roster().attach(s.jid(), !s.anonymous()).thenApplyAsync(roster -> {
            session.restored(h, s);
            return session;
        }, loop);
    }

    private void restored(VirtualHost h, SessionSnapshot s) {
        host = h;
        username = s.jid().getNode();
        anonymous = s.anonymous();
        authenticated = true;
        token = s.token();
        jid = s.jid();
        jidText = jid.toString();
        presence = s.presence();
        rosterRequested = s.rosterRequested();
        if (!s.directed().isEmpty()) directedPresences().addAll(s.directed());
        state = State.BOUND;
        // A session whose transport comes back is not detached: what it is sent waits in the transport, as it would
        // in a BOSH session between two requests, and no stream management queue stands in for it.
        detached = s.transport() == null;
        if (negotiationTimer != null) negotiationTimer.cancel(false);
        ClientSession replaced = server.sessions().bind(this);
        if (replaced != null) replaced.replaced();
        sm.restore(s, server.resumable());
        checkpointDue = true;
        if (s.transport() == null) {
            // After a crash the client reconnects when it notices: its whole resumption window counts from now.
            long deadline = s.fromCheckpoint() ? System.currentTimeMillis() + s.resumeTimeoutMillis() : s.expiresAt();
            sm.detachedUntil(deadline, () -> {
                if (detached) {
                    log.debug("{} (restored) did not resume in time", jid);
                    end();
                }
            });
            return;
        }
        carriedTransport = s.transport();
        // Only if no transport takes it up (its listener is off in this process): the transport's own idle timeout
        // governs from then on.
        carriedExpiry = executor.schedule(() -> {
            if (carriedTransport != null) {
                log.debug("{} (restored) was not taken up by a {} transport in time", jid, carriedTransport.getName());
                end();
            }
        }, Math.max(0, s.expiresAt() - System.currentTimeMillis()), TimeUnit.MILLISECONDS);
    }

    /**
     * For a session restored with its transport's own state ({@link Transport#handOverState}): that state, while no
     * transport of this process has taken the session up; else null. On the session's executor.
     */
    public Element carriedTransport() {
        return carriedTransport;
    }

    /**
     * {@code t}, rebuilt from {@link #carriedTransport()}, carries this restored session from now on. Returns what the
     * session was sent since it was restored, serialized for a transport without a default namespace, for {@code t}
     * to send before anything newer. On the session's executor.
     */
    public String adopt(Transport t) {
        if (carriedTransport == null || state != State.BOUND) throw new IllegalStateException(this + " waits for no transport");
        forgetCarriedTransport();
        String kept = ((DetachedTransport) transport).takeKept();
        transport = t;
        log.debug("{} taken up again over {}", jid, t.kind());
        return kept;
    }

    private void forgetCarriedTransport() {
        carriedTransport = null;
        if (carriedExpiry != null) carriedExpiry.cancel(false);
        carriedExpiry = null;
    }

    private void end() {
        if (state == State.CLOSED) return;
        boolean wasBound = state == State.BOUND;
        state = State.CLOSED;
        detached = false;
        if (negotiationTimer != null) negotiationTimer.cancel(false);
        forgetCarriedTransport();
        sm.ended(server.resumable());
        if (wasBound) {
            server.sessions().unbind(this);
            server.presence().sessionEnded(this);
            for (Element e : sm.drain()) reroute(e);
        }
    }

    /**
     * A stanza the client never acknowledged, after the session ended: messages go where a message to a
     * vanished resource goes (another resource, offline storage, or an error to the sender), requests get
     * an error, the rest is state that is stale by now (XEP-0198 section 4).
     */
    private void reroute(Element e) {
        Packet p = Stanzas.wrap(e.createCopy());
        if (p instanceof Message) {
            server.router().route(p);
        } else if (p instanceof IQ iq && iq.isRequest()) {
            server.router().bounce(iq, PacketError.Condition.service_unavailable);
        }
    }

    private String firstDomain() {
        return server.config().hosts().get(0).domain();
    }

    private static String newStreamId() {
        byte[] b = new byte[12];
        RANDOM.nextBytes(b);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(b);
    }

    private static String newResource() {
        byte[] b = new byte[6];
        RANDOM.nextBytes(b);
        return "parley-" + HexFormat.of().formatHex(b);
    }

    // ---- state other parts of the server read ----

    public JID jid() { return jid; }
    public String username() { return username; }
    public boolean anonymous() { return anonymous; }
    /** The JWT identity of a token login (room claim, context.user, moderator), or null. */
    public org.parley.xmpp.token.TokenIdentity token() { return token; }
    void token(org.parley.xmpp.token.TokenIdentity t) { token = t; }
    public VirtualHost host() { return host; }
    public Transport transport() { return transport; }
    public boolean bound() { return state == State.BOUND; }
    /** When the connection that started this session was accepted, in epoch milliseconds. */
    public long since() { return since; }

    /** The last available presence this client broadcast, or null when unavailable. */
    public Presence presence() { return presence; }
    public void presence(Presence p) {
        presence = p;
        changed();
    }
    public boolean available() { return presence != null; }
    public int priority() { Presence p = presence; return p == null ? -129 : p.getPriority(); }

    public boolean rosterRequested() { return rosterRequested; }
    public void rosterRequested(boolean r) {
        rosterRequested = r;
        changed();
    }

    /** JIDs this client sent directed presence to; touched only on this session's executor. */
    public Set<JID> directedPresences() {
        changed();
        if (directedPresences == null) directedPresences = new HashSet<>(4);
        return directedPresences;
    }

    public boolean hasDirectedPresences() { return directedPresences != null && !directedPresences.isEmpty(); }

    @Override public String toString() { return "ClientSession[" + (jid != null ? jid : transport.remoteAddress()) + "]"; }
}
