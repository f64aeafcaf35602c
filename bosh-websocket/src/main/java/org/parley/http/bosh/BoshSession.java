package org.parley.http.bosh;

import io.netty.channel.EventLoop;
import io.netty.util.concurrent.EventExecutor;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.dom4j.Element;
import org.parley.http.HttpConfig;
import org.parley.xmpp.router.Stanzas;
import org.parley.xmpp.sasl.ChannelBindings;
import org.parley.xmpp.server.ServerContext;
import org.parley.xmpp.session.ClientSession;
import org.parley.xmpp.session.Transport;
import org.parley.xmpp.stream.StreamErrorCondition;
import org.parley.xmpp.xml.XmlWriter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One BOSH session (XEP-0124, XMPP over it per XEP-0206): the {@link Transport} of one {@link ClientSession},
 * fed by many HTTP requests. Requests are applied strictly in rid order, held while there is nothing to
 * send, and answered with everything queued for the client. All of its state lives on one event loop,
 * chosen at creation; requests arriving on other loops are handed to it.
 */
public final class BoshSession implements Transport {
    private static final Logger log = LoggerFactory.getLogger(BoshSession.class);
    static final String VERSION = "1.11";

    private final BoshSessions registry;
    private final ServerContext server;
    private final HttpConfig.Bosh config;
    private final String sid;
    private final EventLoop loop;
    private final InetSocketAddress client;
    private final boolean secure;
    private final String to;
    private final String lang;
    private final String ver;
    private final long creationRid;
    private final int hold;
    private final int requests;
    private final long waitSeconds;
    /** The inactivity period this session was created with (section 7.1); a pause lengthens it for a while. */
    private final long baseInactivityMillis;

    private ClientSession session;
    /** Highest rid whose payloads went to the session; every lower one did too. */
    private long lastRid;
    /** Requests that arrived ahead of a missing rid (or during a rate-limit pause), by rid. */
    private final TreeMap<Long, Pending> waiting = new TreeMap<>();
    /** Requests applied and waiting for something to answer with, in rid order. */
    private final List<BoshExchange> held = new ArrayList<>(2);
    /** The last answers, by rid, for clients that lost one and ask again (section 14.3). */
    private final LinkedHashMap<Long, String> answers = new LinkedHashMap<>();
    /** Applied requests whose connection broke before the answer; the client may send them again. */
    private final TreeSet<Long> abandoned = new TreeSet<>();
    private final StringBuilder queued = new StringBuilder();
    private boolean creationPending = true;
    private String from;
    private String streamId;
    private boolean flushScheduled;
    /** No more stanzas in or out; the session only delivers its final answer. */
    private boolean ended;
    /** The terminating answer when no request was there to carry it; the next request gets it. */
    private String finalAnswer;
    private boolean finished;
    private long inactivityMillis;
    private ScheduledFuture<?> inactivityTimer;
    private long pausedUntilNanos;
    private ScheduledFuture<?> resumeTimer;
    /**
     * The node hands over to its next process: requests are no longer served here (their connection just closes and
     * the client sends them again, to the next process), and what the session is sent waits in {@link #queued}.
     */
    private boolean handingOver;

    private record Pending(BoshBody body, BoshExchange exchange) {}

    /** The creation request's {@code ?token=} (Jitsi token auth), or null. */
    private final String authToken;

    @Override public String authToken() { return authToken; }

    BoshSession(BoshSessions registry, ServerContext server, HttpConfig.Bosh config, String sid, EventLoop loop,
                BoshBody creation, BoshExchange exchange) {
        this(registry, server, config, sid, loop, exchange.client(), exchange.secure(), exchange.token(), creation.to(),
                creation.lang(), version(creation.ver()), creation.rid(),
                Math.max(0, Math.min(creation.number("wait", config.maxWait().toSeconds()), config.maxWait().toSeconds())),
                (int) Math.max(0, Math.min(creation.number("hold", 1), config.maxHold())), config.inactivity().toMillis());
    }

    private BoshSession(BoshSessions registry, ServerContext server, HttpConfig.Bosh config, String sid, EventLoop loop,
                        InetSocketAddress client, boolean secure, String authToken, String to, String lang, String ver,
                        long creationRid, long waitSeconds, int hold, long inactivityMillis) {
        this.registry = registry;
        this.server = server;
        this.config = config;
        this.sid = sid;
        this.loop = loop;
        this.client = client;
        this.secure = secure;
        this.authToken = authToken;
        this.to = to;
        this.lang = lang;
        this.ver = ver;
        this.creationRid = creationRid;
        this.waitSeconds = waitSeconds;
        this.hold = hold;
        this.requests = hold + 1;
        this.baseInactivityMillis = inactivityMillis;
        this.inactivityMillis = inactivityMillis;
    }

    /**
     * On {@code loop} (the restored session's executor): the session the previous process handed over as {@code state},
     * taking up {@code session} again. Its client goes on with the same sid and the next rid; a rid it asks for again
     * gets the kept answer; its inactivity period starts now.
     */
    static BoshSession restored(BoshSessions registry, ServerContext server, HttpConfig.Bosh config, EventLoop loop,
                                BoshState state, ClientSession session) {
        BoshSession b = new BoshSession(registry, server, config, state.sid(), loop, state.client(), state.secure(), null,
                state.to(), state.lang(), VERSION, -1, state.waitSeconds(), state.hold(), state.inactivityMillis());
        b.creationPending = false;
        b.lastRid = state.lastRid();
        b.answers.putAll(state.answers());
        b.abandoned.addAll(state.abandoned());
        b.queued.append(state.queued());
        b.session = session;
        // What reached the session between its restore and now comes after what the previous process had queued.
        String meanwhile = session.adopt(b);
        if (!meanwhile.isEmpty()) b.send(meanwhile);
        b.idleCheck();
        return b;
    }

    /** The lower of our BOSH version and the client's (section 7.2). */
    private static String version(String requested) {
        if (requested == null) return VERSION;
        String[] p = requested.trim().split("\\.");
        try {
            int major = Integer.parseInt(p[0]);
            int minor = p.length > 1 ? Integer.parseInt(p[1]) : 0;
            return major < 1 || (major == 1 && minor < 11) ? major + "." + minor : VERSION;
        } catch (NumberFormatException e) {
            return VERSION;
        }
    }

    public String sid() { return sid; }

    // ---- requests, on the session's loop ----

    /** The session creation request: opens the stream; its answer carries the session parameters and features. */
    void start(BoshBody creation, BoshExchange exchange) {
        lastRid = creation.rid();
        hold(exchange, creation.rid());
        session = new ClientSession(server, this);
        String version = creation.xmppVersion() == null ? "1.0" : creation.xmppVersion();
        session.onStreamOpen(to, version, lang, Stanzas.CLIENT_NS);
        scheduleFlush();
    }

    /** Any later request of this session. */
    void onRequest(BoshBody body, BoshExchange exchange) {
        if (handingOver) {
            // Not applied here: the client sends it again (strophe.js does, with the same rid) to the next process.
            exchange.abort();
            return;
        }
        if (finished) {
            exchange.respond(terminateBody("item-not-found", ""));
            return;
        }
        if (finalAnswer != null) {
            exchange.respond(finalAnswer);
            finish();
            return;
        }
        if (ended) {
            exchange.respond(terminateBody("item-not-found", ""));
            return;
        }
        if (secure && !exchange.secure()) {
            // Section 19.1: a secure session's wrapper on an insecure connection is dropped, not answered.
            exchange.abort();
            return;
        }
        long rid = body.rid();
        if (rid <= lastRid) {
            repeated(rid, exchange);
            return;
        }
        Pending again = waiting.get(rid);
        if (again != null) {
            again.exchange().abort();
            waiting.put(rid, new Pending(body, exchange));
            return;
        }
        int allowed = requests + (body.terminate() || body.has("pause") ? 1 : 0);
        if (held.size() + waiting.size() + 1 > allowed) {
            log.debug("BOSH session {} of {}: more than {} simultaneous requests", sid, client, requests);
            terminate("policy-violation", "", exchange);
            return;
        }
        if (rid > lastRid + requests) {
            log.debug("BOSH session {} of {}: rid {} beyond the window after {}", sid, client, rid, lastRid);
            terminate("item-not-found", "", exchange);
            return;
        }
        cancelInactivity();
        waiting.put(rid, new Pending(body, exchange));
        drain();
    }

    /** A rid already applied: the client lost our answer (or the connection) and asks again. */
    private void repeated(long rid, BoshExchange exchange) {
        String answer = answers.get(rid);
        if (answer != null) {
            exchange.respond(answer);
            return;
        }
        for (int i = 0; i < held.size(); i++) {
            BoshExchange old = held.get(i);
            if (old.rid == rid) {
                held.remove(i);
                if (old.waitTimer != null) old.waitTimer.cancel(false);
                old.abort();
                hold(exchange, rid);
                return;
            }
        }
        if (abandoned.remove(rid)) {
            cancelInactivity();
            hold(exchange, rid);
            releaseExcess();
            scheduleFlush();
            return;
        }
        terminate("item-not-found", "", exchange);
    }

    private void drain() {
        while (!ended) {
            Map.Entry<Long, Pending> next = waiting.firstEntry();
            if (next == null || next.getKey() != lastRid + 1) break;
            long pause = pausedUntilNanos - System.nanoTime();
            if (pause > 0) {
                if (resumeTimer == null) {
                    resumeTimer = loop.schedule(() -> {
                        resumeTimer = null;
                        drain();
                    }, pause, TimeUnit.NANOSECONDS);
                }
                break;
            }
            waiting.pollFirstEntry();
            lastRid++;
            apply(next.getValue());
        }
        if (ended) return;
        releaseExcess();
        scheduleFlush();
        idleCheck();
    }

    private void apply(Pending p) {
        BoshBody body = p.body();
        long clientAck = body.number("ack", -1);
        if (clientAck > 0) answers.keySet().removeIf(r -> r <= clientAck);
        hold(p.exchange(), body.rid());
        if (body.has("pause")) {
            // Section 10: answer everything held now, without payloads, and wait longer for the next request.
            long pause = Math.min(body.number("pause", 0), config.maxPause().toSeconds());
            inactivityMillis = Math.max(pause * 1000, 1000);
            while (!held.isEmpty()) answer(held.get(0), false);
        } else {
            inactivityMillis = baseInactivityMillis;
        }
        if (body.restart()) {
            session.onStreamOpen(body.to() != null ? body.to() : to, "1.0", body.lang() != null ? body.lang() : lang,
                    Stanzas.CLIENT_NS);
        }
        for (Element payload : body.payloads()) {
            if (ended) return;
            session.onElement(payload);
        }
        if (body.terminate() && !ended) session.onStreamClose();
    }

    private void hold(BoshExchange exchange, long rid) {
        exchange.rid = rid;
        int at = held.size();
        while (at > 0 && held.get(at - 1).rid > rid) at--;
        held.add(at, exchange);
        exchange.waitTimer = loop.schedule(() -> answerUpTo(exchange), waitSeconds, TimeUnit.SECONDS);
        exchange.onClosed(() -> loop.execute(() -> dropped(exchange)));
    }

    /** The wait of {@code exchange} is over: answer it, and any older request first, as rid order demands. */
    private void answerUpTo(BoshExchange exchange) {
        while (held.contains(exchange)) answer(held.get(0), true);
    }

    private void dropped(BoshExchange exchange) {
        if (!held.remove(exchange)) return;
        if (exchange.waitTimer != null) exchange.waitTimer.cancel(false);
        abandoned.add(exchange.rid);
        while (abandoned.size() > 2 * requests) abandoned.pollFirst();
        idleCheck();
    }

    /** No more than {@code hold} requests wait: a new one releases the oldest (section 8). */
    private void releaseExcess() {
        while (held.size() > hold) answer(held.get(0), true);
    }

    private void scheduleFlush() {
        if (flushScheduled) return;
        flushScheduled = true;
        // Runs after the current task, so stanzas produced together (a presence burst) share one answer.
        loop.execute(this::flush);
    }

    private void flush() {
        flushScheduled = false;
        if (ended || held.isEmpty()) return;
        if (queued.length() > 0 || creationPending) answer(held.get(0), true);
    }

    private void answer(BoshExchange exchange, boolean withPayloads) {
        answer(exchange, withPayloads, false);
    }

    private void answer(BoshExchange exchange, boolean withPayloads, boolean thenClose) {
        held.remove(exchange);
        if (exchange.waitTimer != null) exchange.waitTimer.cancel(false);
        String payload = "";
        if (withPayloads && queued.length() > 0) {
            payload = queued.toString();
            queued.setLength(0);
        }
        String xml = body(exchange.rid, null, null, payload);
        answers.put(exchange.rid, xml);
        if (answers.size() > requests) {
            Iterator<Long> oldest = answers.keySet().iterator();
            oldest.next();
            oldest.remove();
        }
        if (thenClose) exchange.respondAndClose(io.netty.handler.codec.http.HttpResponseStatus.OK, xml);
        else exchange.respond(xml);
        idleCheck();
    }

    private String body(long rid, String type, String condition, String payload) {
        StringBuilder sb = new StringBuilder(160 + payload.length()).append("<body xmlns='").append(BoshBody.NS).append('\'');
        if (creationPending && type == null) {
            creationPending = false;
            sb.append(" xmlns:xmpp='").append(BoshBody.XBOSH_NS).append('\'')
                    .append(" sid='").append(sid).append('\'')
                    .append(" wait='").append(waitSeconds).append('\'')
                    .append(" requests='").append(requests).append('\'')
                    .append(" hold='").append(hold).append('\'')
                    .append(" inactivity='").append(config.inactivity().toSeconds()).append('\'')
                    .append(" polling='").append(config.polling().toSeconds()).append('\'')
                    .append(" maxpause='").append(config.maxPause().toSeconds()).append('\'')
                    .append(" ver='").append(ver).append('\'')
                    .append(" ack='").append(creationRid).append('\'')
                    .append(" xmpp:version='1.0' xmpp:restartlogic='true'");
            if (from != null) sb.append(" from='").append(XmlWriter.escapeAttribute(from)).append('\'');
            if (streamId != null) sb.append(" authid='").append(streamId).append('\'');
        } else if (rid != lastRid && rid >= 0) {
            // Section 9.1: the highest rid received with none missing below it, when it is not this one.
            sb.append(" ack='").append(lastRid).append('\'');
        }
        if (type != null) sb.append(" type='").append(type).append('\'');
        if (condition != null) sb.append(" condition='").append(condition).append('\'');
        if (payload.isEmpty()) return sb.append("/>").toString();
        return sb.append('>').append(payload).append("</body>").toString();
    }

    /** A terminating answer outside any session (unknown sid, refused creation, malformed request). */
    public static String terminateBody(String condition, String payload) {
        StringBuilder sb = new StringBuilder(128).append("<body xmlns='").append(BoshBody.NS).append("' type='terminate'");
        if (condition != null) sb.append(" condition='").append(condition).append('\'');
        if (payload.isEmpty()) return sb.append("/>").toString();
        return sb.append('>').append(payload).append("</body>").toString();
    }

    /**
     * Ends the session with a terminate answer: to the oldest request it holds (with whatever was still
     * queued), an empty one to every other, or to the next request if none is here.
     */
    private void terminate(String condition, String payload, BoshExchange extra) {
        if (finished) {
            if (extra != null) extra.respond(terminateBody(condition, ""));
            return;
        }
        boolean wasEnded = ended;
        ended = true;
        creationPending = false;
        if (!wasEnded && session != null) session.onDisconnect();
        String queuedPayload = queued.toString();
        queued.setLength(0);
        List<BoshExchange> open = new ArrayList<>(held);
        held.clear();
        for (Pending p : waiting.values()) open.add(p.exchange());
        waiting.clear();
        if (extra != null) open.add(extra);
        for (BoshExchange e : open) if (e.waitTimer != null) e.waitTimer.cancel(false);
        if (open.isEmpty()) {
            finalAnswer = terminateBody(condition, queuedPayload + payload);
            // Kept until the client's next request or the inactivity period, whichever comes first.
            idleCheck();
            return;
        }
        // Clients read answers in rid order: the earlier requests get ordinary answers (the first with what was
        // still queued), the newest the termination, so nothing queued is lost behind a terminate.
        int last = open.size() - 1;
        for (int i = 0; i < last; i++) {
            String p = i == 0 ? queuedPayload : "";
            open.get(i).respond("<body xmlns='" + BoshBody.NS + "'" + (p.isEmpty() ? "/>" : ">" + p + "</body>"));
        }
        open.get(last).respond(terminateBody(condition, (last == 0 ? queuedPayload : "") + payload));
        finish();
    }

    private void idleCheck() {
        if (finished || handingOver || !held.isEmpty() || !waiting.isEmpty()) return;
        cancelInactivity();
        inactivityTimer = loop.schedule(this::inactive, inactivityMillis, TimeUnit.MILLISECONDS);
    }

    private void cancelInactivity() {
        if (inactivityTimer != null) {
            inactivityTimer.cancel(false);
            inactivityTimer = null;
        }
    }

    private void inactive() {
        inactivityTimer = null;
        if (finished || !held.isEmpty() || !waiting.isEmpty()) return;
        log.debug("BOSH session {} of {} inactive for {} ms", sid, client, inactivityMillis);
        if (!ended) {
            ended = true;
            if (session != null) session.onDisconnect();
        }
        finish();
    }

    private void finish() {
        if (finished) return;
        finished = true;
        ended = true;
        finalAnswer = null;
        queued.setLength(0);
        answers.clear();
        cancelInactivity();
        if (resumeTimer != null) resumeTimer.cancel(false);
        registry.remove(this);
    }

    /**
     * Server shutdown: tell the client, whatever state the session is in; a session handed over to the next process
     * says nothing (its client goes on there). One whose hand-over did not happen is told after all.
     */
    void shutdown() {
        if (!loop.inEventLoop()) {
            loop.execute(this::shutdown);
            return;
        }
        if (handingOver && ended) return;
        handingOver = false;
        if (!ended) terminate("system-shutdown", "", null);
    }

    // ---- hand-over to the next process ----

    @Override public boolean carriesSessionOver() { return !ended; }

    /**
     * The node hands over: every request held gets its ordinary answer now (with what is queued) and its connection
     * closes; requests not applied yet are dropped unanswered, as are those still to come. The client sees nothing
     * wrong and sends its next rid, which reaches the next process. Nothing is said to the {@link ClientSession}.
     */
    @Override
    public void drop() {
        if (!loop.inEventLoop()) {
            loop.execute(this::drop);
            return;
        }
        if (ended || handingOver) return;
        handingOver = true;
        cancelInactivity();
        if (resumeTimer != null) {
            resumeTimer.cancel(false);
            resumeTimer = null;
        }
        for (Pending p : waiting.values()) p.exchange().abort();
        waiting.clear();
        while (!held.isEmpty()) answer(held.get(0), true, true);
    }

    @Override
    public HandOverState handOverState() {
        if (ended) return null;
        drop();
        BoshState state = new BoshState(sid, client, secure, to, lang, waitSeconds, hold, baseInactivityMillis, lastRid,
                new LinkedHashMap<>(answers), List.copyOf(abandoned), queued.toString());
        // Done here, without a word to the client or the session; it stays registered so that its requests still
        // arriving are dropped (and sent again to the next process) rather than answered item-not-found.
        ended = true;
        queued.setLength(0);
        answers.clear();
        abandoned.clear();
        return new HandOverState(state.toElement(), inactivityMillis);
    }

    // ---- Transport ----

    @Override
    public void openStream(String from, String id, String lang) {
        this.from = from;
        this.streamId = id;
    }

    @Override
    public void send(String xml) {
        if (!loop.inEventLoop()) {
            loop.execute(() -> send(xml));
            return;
        }
        if (ended) return;
        queued.append(xml);
        if (queued.length() > config.maxQueuedBytes()) {
            // The client stopped collecting its stanzas; more memory would not help it.
            log.debug("BOSH session {} of {}: {} chars queued for a client that does not ask for them", sid, client, queued.length());
            session.fail(StreamErrorCondition.POLICY_VIOLATION, "Too much data waiting for the client");
            return;
        }
        scheduleFlush();
    }

    @Override public String defaultNamespace() { return ""; }

    @Override
    public void attach(ClientSession resumed) {
        session = resumed;
    }

    @Override
    public void fail(StreamErrorCondition condition, String text) {
        if (!loop.inEventLoop()) {
            loop.execute(() -> fail(condition, text));
            return;
        }
        if (ended) return;
        // XEP-0206 section 9: stream errors travel inside a remote-stream-error termination; the few with a
        // binding condition of their own use it.
        switch (condition) {
            case HOST_UNKNOWN -> terminate("host-unknown", "", null);
            case IMPROPER_ADDRESSING -> terminate("improper-addressing", "", null);
            case SYSTEM_SHUTDOWN -> terminate("system-shutdown", streamError(condition, text), null);
            default -> terminate("remote-stream-error", streamError(condition, text), null);
        }
    }

    private static String streamError(StreamErrorCondition condition, String text) {
        String e = XmlWriter.streamError(condition, text);
        return "<stream:error xmlns:stream='http://etherx.jabber.org/streams'>" + e.substring("<stream:error>".length());
    }

    @Override
    public void close() {
        if (!loop.inEventLoop()) {
            loop.execute(this::close);
            return;
        }
        if (!ended) terminate(null, "", null);
    }

    @Override public boolean secure() { return secure; }

    @Override public boolean canStartTls() { return false; }

    @Override
    public void startTls(Runnable onSecured) {
        fail(StreamErrorCondition.UNSUPPORTED_FEATURE, "No STARTTLS over BOSH; use https://");
    }

    /** Every request body is parsed on its own; a restart needs no parser reset. */
    @Override public void restartStream() { }

    /**
     * No channel binding: the requests of one session come over different TLS connections, none of which
     * is "the" channel the SASL exchange could be bound to.
     */
    @Override public ChannelBindings channelBindings() { return ChannelBindings.NONE; }

    @Override public InetSocketAddress remoteAddress() { return client; }

    @Override public EventExecutor executor() { return loop; }

    /** Rate limiting: requests that arrive in the next {@code millis} wait before their stanzas are read. */
    @Override
    public void pauseReading(long millis) {
        pausedUntilNanos = Math.max(pausedUntilNanos, System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis));
    }

    @Override public String kind() { return "bosh"; }

    @Override public String toString() { return "BoshSession[" + sid + " " + client + "]"; }
}
