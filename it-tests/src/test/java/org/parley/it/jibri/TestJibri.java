package org.parley.it.jibri;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.jivesoftware.smack.iqrequest.AbstractIqRequestHandler;
import org.jivesoftware.smack.iqrequest.IQRequestHandler;
import org.jivesoftware.smack.packet.IQ;
import org.jivesoftware.smack.packet.Presence;
import org.jivesoftware.smack.provider.ProviderManager;
import org.jivesoftware.smack.tcp.XMPPTCPConnection;
import org.jxmpp.jid.Jid;
import org.jxmpp.jid.impl.JidCreate;
import org.parley.focus.jibri.JibriIq;
import org.parley.it.Clients;
import org.parley.it.ParleyServer;
import org.parley.it.sfu.RawIq;
import org.parley.it.sfu.TestParticipant;
import org.parley.it.sfu.XmlExtension;

/**
 * A test Jibri that behaves like jibri's XmppApi on the XMPP side: an XMPP client that joins a Jibri brewery, keeps
 * {@code <jibri-status>} (busy/idle, healthy/unhealthy) in its presence, answers the focus's start with
 * {@code pending} (or, when busy, {@code off} with {@code failure_reason='busy' should_retry='true'}), later tells
 * the focus {@code on} by an IQ of its own, answers stop with {@code off}, and can fail mid-session as Jibri does
 * ({@code off}, {@code failure_reason='error'}). It records every request it got.
 *
 * <p>With a {@link CallLogin} it also does what Jibri's browser does for a session (JibriSelenium.joinCall with
 * jibri.conf's call-login and RECORDING_URL_OPTIONS): logs in as the recorder account (on the recorder's hidden domain),
 * asks the focus for the conference and joins the room under a random nick with {@code <features>} naming
 * {@code http://jitsi.org/protocol/jibri}, started muted (no sources in its session-accept), accepts the focus's
 * Jingle offer like any participant, puts {@code session_id} and {@code mode} in its presence and only then tells
 * the focus {@code on}; stop (or a failure) makes it leave the room and log out.
 */
public final class TestJibri implements AutoCloseable {
    public static final String BREWERY = "jibribrewery@internal.localhost";
    private static final AtomicInteger count = new AtomicInteger();
    private static volatile boolean registered;

    /** What it does with a start request. */
    public enum OnStart {
        /** pending at once, on a moment later (a working Jibri). */
        RUN,
        /** pending, and nothing more (a browser that never gets into the meeting). */
        STAY_PENDING,
        /** Jibri's answer when it is busy already. */
        REFUSE_BUSY
    }

    /**
     * jibri.conf's call-login (the account the browser logs in with, on {@code clients.domain()}) and the web app's
     * hosts.focus, where its conference request goes.
     */
    public record CallLogin(Clients clients, String username, String password, String focusDomain) {}

    public final String nick;
    public final String brewery;
    /** Set: each session's browser joins the meeting as described above. */
    public volatile CallLogin callLogin;
    /** The browser in the meeting for the session in progress, once it joined (with a call login), or null. */
    public volatile TestParticipant inRoom;
    private volatile XMPPTCPConnection connection;
    public volatile OnStart onStart = OnStart.RUN;
    public final List<JibriIq> starts = new CopyOnWriteArrayList<>();
    public final List<JibriIq> stops = new CopyOnWriteArrayList<>();
    /** The focus's address of the session in progress (where Jibri sends its status updates), or null. */
    private volatile Jid focus;
    private volatile String sessionId;
    private volatile boolean busy;
    private volatile boolean healthy = true;

    private TestJibri(String nick, String brewery, XMPPTCPConnection c) {
        this.nick = nick;
        this.brewery = brewery;
        this.connection = c;
    }

    /** Logs in (the brewery admits the test SFUs' account), joins {@code brewery} idle and healthy. */
    public static TestJibri start(Clients clients, String name, String brewery) throws Exception {
        synchronized (TestJibri.class) {
            if (!registered) {
                try {
                    clients.register(ParleyServer.SFU_USER);
                } catch (Exception alreadyThere) {
                    // registered by an earlier test class
                }
                ProviderManager.addIQProvider(JibriIq.ELEMENT, JibriIq.NS, new RawIq.Provider());
                registered = true;
            }
        }
        String nick = name + "-" + count.incrementAndGet();
        return join(clients.login(ParleyServer.SFU_USER, nick), brewery, nick);
    }

    /** Joins {@code brewery} as {@code nick} on a connection already logged in (Jibri's control-login and control-muc). */
    public static TestJibri join(XMPPTCPConnection c, String brewery, String nick) throws Exception {
        ProviderManager.addIQProvider(JibriIq.ELEMENT, JibriIq.NS, new RawIq.Provider());
        TestJibri j = new TestJibri(nick, brewery, c);
        j.attach(c);
        return j;
    }

    /**
     * Connects again on a new connection (after its server restarted) and joins the brewery with the same nick, as
     * Jibri's MUC client does, still at work on its session if it had one.
     */
    public void reconnect(XMPPTCPConnection c) throws Exception {
        XMPPTCPConnection old = connection;
        if (old != null && old.isConnected()) old.instantShutdown();
        connection = c;
        attach(c);
    }

    private void attach(XMPPTCPConnection c) throws Exception {
        c.registerIQRequestHandler(new AbstractIqRequestHandler(JibriIq.ELEMENT, JibriIq.NS, IQ.Type.set,
                IQRequestHandler.Mode.sync) {
            @Override
            public IQ handleIQRequest(IQ request) {
                return handle((RawIq) request);
            }
        });
        presence(true);
    }

    private IQ handle(RawIq request) {
        JibriIq iq = JibriIq.parse(request.child());
        if ("start".equals(iq.action())) {
            starts.add(iq);
            if (onStart == OnStart.REFUSE_BUSY || busy) {
                return answer(request, new JibriIq(null, "off", null, null, null, null, null, null, null, null, "busy", "true"));
            }
            focus = request.getFrom();
            sessionId = iq.sessionId();
            busy = true;
            presenceQuietly();
            if (onStart == OnStart.RUN) {
                String room = iq.room();
                String sid = iq.sessionId();
                String mode = iq.recordingMode();
                Thread t = new Thread(() -> {
                    try {
                        CallLogin login = callLogin;
                        if (login == null) Thread.sleep(100);
                        else joinCall(login, room, sid, mode);
                        status("on", null, null);
                    } catch (Exception e) {
                        // Jibri's FailedToJoinCall: the session fails, another Jibri may take it
                        try {
                            fail(true);
                        } catch (Exception ignored) {
                            // the test sees no 'on'
                        }
                    }
                });
                t.setDaemon(true);
                t.start();
            }
            return answer(request, new JibriIq(null, "pending", null, null, null, null, null, null, null, null, null, null));
        }
        if ("stop".equals(iq.action())) {
            stops.add(iq);
            leaveCall();
            focus = null;
            sessionId = null;
            busy = false;
            presenceQuietly();
            return answer(request, new JibriIq(null, "off", null, null, null, null, null, null, null, null, null, null));
        }
        return IQ.createErrorResponse(request, org.jivesoftware.smack.packet.StanzaError.Condition.bad_request);
    }

    private static final java.util.HexFormat HEX = java.util.HexFormat.of();

    /** The browser's part: the meeting joined (self-presence seen), session_id and mode in its presence. */
    private void joinCall(CallLogin login, String room, String sid, String mode) throws Exception {
        byte[] random = new byte[4];
        java.util.concurrent.ThreadLocalRandom.current().nextBytes(random);
        TestParticipant p = TestParticipant.connectAs(login.clients(), login.username(), login.password(), room,
                HEX.formatHex(random), login.focusDomain());
        try {
            p.sendsMedia = false;
            p.joinExtensions = FEATURES;
            p.join();
            long end = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(10);
            while (!p.joined()) {
                if (System.nanoTime() > end) throw new IllegalStateException("the recorder did not get into " + room);
                Thread.sleep(20);
            }
            p.sendPresence(FEATURES, "<session_id xmlns='jabber:client'>" + sid + "</session_id>",
                    "<mode xmlns='jabber:client'>" + (mode == null ? "file" : mode) + "</mode>");
        } catch (Exception e) {
            p.close();
            throw e;
        }
        inRoom = p;
    }

    /** leaveCallAndQuitBrowser. */
    private void leaveCall() {
        TestParticipant p = inRoom;
        inRoom = null;
        if (p == null) return;
        try {
            p.leave();
        } catch (Exception ignored) {
            // closing the connection leaves the room as well
        }
        p.close();
    }

    /** What the recorder's presence carries from the start (lib-jitsi-meet's Caps external features). */
    private static final String FEATURES = "<features xmlns='jabber:client'><feature var='http://jitsi.org/protocol/jibri'/></features>";

    private static IQ answer(RawIq request, JibriIq body) {
        RawIq result = new RawIq(body.toElement());
        result.setType(IQ.Type.result);
        result.setStanzaId(request.getStanzaId());
        result.setTo(request.getFrom());
        return result;
    }

    /** Sends the focus a status update of the session in progress (as XmppApi's service status handler). */
    public void status(String status, String failureReason, Boolean shouldRetry) throws Exception {
        Jid to = focus;
        if (to == null) throw new IllegalStateException("no session");
        RawIq iq = new RawIq(new JibriIq(null, status, null, null, null, null, null, null, sessionId, null, failureReason,
                shouldRetry == null ? null : shouldRetry.toString()).toElement());
        iq.setType(IQ.Type.set);
        iq.setTo(to);
        connection.sendIqRequestAndWaitForResponse(iq);
    }

    /** The recording failed (Jibri's ComponentState.Error): off with failure_reason error; it is idle again. */
    public void fail(boolean shouldRetry) throws Exception {
        leaveCall();
        status("off", "error", shouldRetry);
        focus = null;
        busy = false;
        presence(false);
    }

    /** Jibri's health check failed: its presence says unhealthy. */
    public void unhealthy() throws Exception {
        healthy = false;
        presence(false);
    }

    /** Jibri busy with work from elsewhere (another focus): its presence says busy. */
    public void busy(boolean b) throws Exception {
        busy = b;
        presence(false);
    }

    private void presenceQuietly() {
        try {
            presence(false);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private void presence(boolean join) throws Exception {
        String status = "<jibri-status xmlns='http://jitsi.org/protocol/jibri'>"
                + "<busy-status xmlns='http://jitsi.org/protocol/jibri' status='" + (busy ? "busy" : "idle") + "'/>"
                + "<health-status xmlns='http://jitsi.org/protocol/health' status='" + (healthy ? "healthy" : "unhealthy") + "'/>"
                + "</jibri-status>";
        var b = connection.getStanzaFactory().buildPresenceStanza()
                .to(JidCreate.fullFrom(brewery + "/" + nick))
                .addExtension(XmlExtension.of(status));
        if (join) b.addExtension(XmlExtension.of("<x xmlns='http://jabber.org/protocol/muc'/>"));
        Presence p = b.build();
        connection.sendStanza(p);
    }

    /** The occupant JID the focus knows this Jibri by. */
    public String jid() {
        return brewery + "/" + nick;
    }

    /** Drops the connection without a goodbye, as a crashed Jibri would. */
    public void kill() {
        connection.instantShutdown();
    }

    @Override
    public void close() {
        leaveCall();
        if (connection.isConnected()) connection.disconnect();
    }
}
