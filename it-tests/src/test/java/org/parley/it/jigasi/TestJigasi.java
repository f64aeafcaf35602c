package org.parley.it.jigasi;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.jivesoftware.smack.iqrequest.AbstractIqRequestHandler;
import org.jivesoftware.smack.iqrequest.IQRequestHandler;
import org.jivesoftware.smack.packet.IQ;
import org.jivesoftware.smack.packet.Presence;
import org.jivesoftware.smack.packet.StanzaError;
import org.jivesoftware.smack.provider.ProviderManager;
import org.jivesoftware.smack.tcp.XMPPTCPConnection;
import org.jxmpp.jid.impl.JidCreate;
import org.parley.it.sfu.RawIq;
import org.parley.it.sfu.XmlExtension;

/**
 * A test Jigasi that behaves like jigasi on the XMPP side (its {@code CallControlMucActivator}, {@code CallControl} and
 * {@code Statistics}): joins the Jigasi brewery with its resource as nickname and publishes COLIBRI stats
 * ({@code conferences}, {@code participants}, {@code graceful_shutdown}, {@code stress_level}, {@code region},
 * {@code version}, {@code supports_sip}, {@code supports_transcription}); answers a Rayo {@code dial} once its call is
 * in the room named by the {@code JvbRoomName} header, with {@code <ref uri='xmpp:room/nick'/>} (where the caller's
 * hang-up then goes); a dial without that header, or one it is made to refuse, gets {@code internal-server-error} as
 * jigasi answers a failed call; a {@code hangup} to the call's occupant ends the call (leaves the room) and is
 * answered with a result. It records every dial and hang-up it gets, and updates its stats as calls come and go.
 *
 * <p>Each call joins the room on a connection of its own (jigasi's call account): {@code callAccount} makes it (an
 * anonymous guest of the meeting domain for SIP calls, as jigasi's stock config; a hidden account for the
 * transcriber), and the call announces jigasi's feature, plus the transcriber's for a transcription.
 */
public final class TestJigasi implements AutoCloseable {
    public static final String NS = "urn:xmpp:rayo:1";
    private static final AtomicInteger calls = new AtomicInteger();

    /** How it answers dial requests. */
    public enum Mode { ACCEPT, REFUSE, SILENT }

    public final String nick;
    public final String brewery;
    private final XMPPTCPConnection connection;
    private final Supplier<XMPPTCPConnection> callAccount;
    private volatile boolean sip;
    private volatile boolean transcription;
    private volatile String region;
    private volatile boolean gracefulShutdown;
    private volatile int participants;
    public volatile Mode mode = Mode.ACCEPT;
    /** Every dial it got, as XML with the sender: {@code from + " " + <dial .../>}. */
    public final List<String> dials = new CopyOnWriteArrayList<>();
    /** Every hang-up it got: the caller's JID. */
    public final List<String> hangups = new CopyOnWriteArrayList<>();
    /** Calls in progress by their occupant JID (room/nick). */
    public final Map<String, XMPPTCPConnection> callsInProgress = new ConcurrentHashMap<>();

    private TestJigasi(String nick, String brewery, XMPPTCPConnection c, Supplier<XMPPTCPConnection> callAccount) {
        this.nick = nick;
        this.brewery = brewery;
        this.connection = c;
        this.callAccount = callAccount;
    }

    static synchronized void register() {
        RawIq.Provider p = new RawIq.Provider();
        ProviderManager.addIQProvider("dial", NS, p);
        ProviderManager.addIQProvider("ref", NS, p);
        ProviderManager.addIQProvider("hangup", NS, p);
    }

    /**
     * Joins {@code brewery} as {@code nick} on a logged-in connection (jigasi's brewery account), doing SIP and/or
     * transcription; calls join rooms on connections {@code callAccount} gives (logged in).
     */
    public static TestJigasi join(XMPPTCPConnection c, String brewery, String nick, boolean sip, boolean transcription,
                                  String region, Supplier<XMPPTCPConnection> callAccount) throws Exception {
        RawIq.register();
        register();
        TestJigasi j = new TestJigasi(nick, brewery, c, callAccount);
        j.sip = sip;
        j.transcription = transcription;
        j.region = region;
        c.registerIQRequestHandler(new AbstractIqRequestHandler("dial", NS, IQ.Type.set, IQRequestHandler.Mode.async) {
            @Override
            public IQ handleIQRequest(IQ request) {
                return j.dial((RawIq) request);
            }
        });
        j.sendPresence(true);
        return j;
    }

    private IQ dial(RawIq request) {
        dials.add(request.getFrom() + " " + request.child().asXML());
        if (mode == Mode.SILENT) return null;
        if (mode == Mode.REFUSE) return error(request, "SIP registration failed");
        String room = null;
        for (var h : request.child().elements("header")) {
            if ("JvbRoomName".equals(h.attributeValue("name"))) room = h.attributeValue("value");
        }
        // jigasi's CallControl: "No JvbRoomName header found", answered as any failed call.
        if (room == null) return error(request, "No JvbRoomName header found");
        boolean transcriber = "jitsi_meet_transcribe".equals(request.child().attributeValue("to"));
        if (transcriber ? !transcription : !sip) {
            // jigasi answers a gateway it does not run with a ref whose uri is the error's name (CallControl).
            return ref(request, "not-acceptable");
        }
        String callNick = (transcriber ? "transcriber-" : "sip-") + calls.incrementAndGet();
        try {
            XMPPTCPConnection call = callAccount.get();
            String occupant = room + "/" + callNick;
            call.registerIQRequestHandler(new AbstractIqRequestHandler("hangup", NS, IQ.Type.set, IQRequestHandler.Mode.async) {
                @Override
                public IQ handleIQRequest(IQ hangup) {
                    return hangUp(hangup, call, occupant);
                }
            });
            String features = "<features xmlns='http://jitsi.org/jitmeet'><feature var='http://jitsi.org/protocol/jigasi'/>"
                    + (transcriber ? "<feature var='http://jitsi.org/protocol/transcriber'/>" : "") + "</features>";
            // jigasi answers once its call is in the room (CallControlMucActivator waits for the join).
            var self = call.createStanzaCollector(new org.jivesoftware.smack.filter.AndFilter(
                    org.jivesoftware.smack.filter.StanzaTypeFilter.PRESENCE,
                    org.jivesoftware.smack.filter.FromMatchesFilter.createFull(JidCreate.fullFrom(occupant))));
            try {
                call.sendStanza(call.getStanzaFactory().buildPresenceStanza().to(JidCreate.fullFrom(occupant))
                        .addExtension(XmlExtension.of("<x xmlns='http://jabber.org/protocol/muc'/>"))
                        .addExtension(XmlExtension.of(features)).build());
                Presence joined = self.nextResult(5000);
                if (joined == null || joined.getType() != Presence.Type.available) {
                    call.disconnect();
                    return error(request, "could not join " + room + ": " + (joined == null ? "timeout" : joined.toXML()));
                }
            } finally {
                self.cancel();
            }
            callsInProgress.put(occupant, call);
            participants++;
            sendPresence(false);
            return ref(request, "xmpp:" + room + "/" + callNick);
        } catch (Exception e) {
            return error(request, String.valueOf(e.getMessage()));
        }
    }

    /**
     * jigasi answers the hang-up at once and ends the call after (the SIP side hangs up, then the call leaves the room):
     * the answer must leave while the call is still an occupant, or the room could not relay it.
     */
    private IQ hangUp(IQ request, XMPPTCPConnection call, String occupant) {
        hangups.add(String.valueOf(request.getFrom()));
        try {
            call.sendStanza(IQ.createResultIQ(request));
            call.sendStanza(call.getStanzaFactory().buildPresenceStanza().ofType(Presence.Type.unavailable)
                    .to(JidCreate.fullFrom(occupant)).build());
            if (callsInProgress.remove(occupant) != null) participants--;
            sendPresence(false);
            return null;
        } catch (Exception e) {
            return error(request, String.valueOf(e.getMessage()));
        }
    }

    private static IQ ref(RawIq request, String uri) {
        RawIq result = RawIq.of("<ref xmlns='" + NS + "' uri='" + uri + "'/>");
        result.setType(IQ.Type.result);
        result.setStanzaId(request.getStanzaId());
        result.setTo(request.getFrom());
        return result;
    }

    private static IQ error(IQ request, String text) {
        return IQ.createErrorResponse(request, StanzaError.getBuilder(StanzaError.Condition.internal_server_error)
                .setDescriptiveEnText(text).build());
    }

    private void sendPresence(boolean join) throws Exception {
        StringBuilder stats = new StringBuilder("<stats xmlns='http://jitsi.org/protocol/colibri'>");
        stat(stats, "conferences", Integer.toString(callsInProgress.size()));
        stat(stats, "participants", Integer.toString(participants));
        stat(stats, "graceful_shutdown", Boolean.toString(gracefulShutdown));
        stat(stats, "stress_level", Double.toString(participants / 100.0));
        if (region != null) stat(stats, "region", region);
        stat(stats, "version", "1.1-test");
        stat(stats, "supports_transcription", Boolean.toString(transcription));
        stat(stats, "supports_sip", Boolean.toString(sip));
        stats.append("</stats>");
        var b = connection.getStanzaFactory().buildPresenceStanza()
                .to(JidCreate.fullFrom(brewery + "/" + nick))
                .addExtension(XmlExtension.of(stats.toString()));
        if (join) b.addExtension(XmlExtension.of("<x xmlns='http://jabber.org/protocol/muc'/>"));
        connection.sendStanza(b.build());
    }

    private static void stat(StringBuilder sb, String name, String value) {
        sb.append("<stat name='").append(name).append("' value='").append(value).append("'/>");
    }

    /** Reports this many participants (its load) from now on. */
    public TestJigasi participants(int n) throws Exception {
        participants = n;
        sendPresence(false);
        return this;
    }

    public TestJigasi gracefulShutdown(boolean g) throws Exception {
        gracefulShutdown = g;
        sendPresence(false);
        return this;
    }

    /** Its brewery connection (a test resumes it after a restart). */
    public XMPPTCPConnection connection() {
        return connection;
    }

    /** Its occupant JID in the brewery. */
    public String jid() {
        return brewery + "/" + nick;
    }

    /** Leaves the brewery (and ends its calls), as jigasi does when it stops. */
    @Override
    public void close() {
        for (XMPPTCPConnection c : callsInProgress.values()) if (c.isConnected()) c.disconnect();
        callsInProgress.clear();
        if (connection.isConnected()) connection.disconnect();
    }
}
