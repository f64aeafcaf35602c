package org.parley.it.sfu;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;
import org.dom4j.Element;
import org.jivesoftware.smack.StanzaListener;
import org.jivesoftware.smack.filter.StanzaTypeFilter;
import org.jivesoftware.smack.iqrequest.AbstractIqRequestHandler;
import org.jivesoftware.smack.iqrequest.IQRequestHandler;
import org.jivesoftware.smack.packet.IQ;
import org.jivesoftware.smack.packet.Presence;
import org.jivesoftware.smack.tcp.XMPPTCPConnection;
import org.jivesoftware.smackx.disco.ServiceDiscoveryManager;
import org.jxmpp.jid.Jid;
import org.jxmpp.jid.impl.JidCreate;
import org.parley.focus.source.CompactJson;
import org.parley.it.Clients;
import org.parley.jingle.Content;
import org.parley.jingle.Jingle;
import org.parley.jingle.JingleAction;
import org.parley.jingle.focus.ConferenceIq;
import org.parley.jingle.rtp.Source;
import org.parley.jingle.rtp.SourceGroup;

/**
 * A conference participant as lib-jitsi-meet behaves on the XMPP side: it sends the conference request to
 * {@code focus.<domain>}, joins the room with Jitsi presence extensions (stats-id, region, caps with its features),
 * answers the focus's {@code session-initiate} with a {@code session-accept} carrying a transport and its own sources
 * (audio, and video with an FID group), and keeps the remote sources it learns from offers, source-add and
 * source-remove (standard or JSON-encoded). Records every Jingle request it got.
 */
public final class TestParticipant implements AutoCloseable {
    private static final AtomicLong ssrcs = new AtomicLong(ThreadLocalRandom.current().nextLong(1_000_000, 2_000_000_000L));

    public final String nick;
    public final String room;
    public final XMPPTCPConnection connection;
    public final boolean json;
    /** Where the conference request goes: lib-jitsi-meet's default, focus.<domain>. */
    private final String focus;
    private volatile String region;
    /** Extra {@code <property>} elements for the conference request (config.js options lib-jitsi-meet passes on). */
    public volatile String conferenceProperties = "";
    public final List<Jingle> received = new CopyOnWriteArrayList<>();
    /** Remote SSRCs by owner (endpoint id or "jvb"), as offers and source changes told us. */
    private final Map<String, Set<Long>> remote = new LinkedHashMap<>();
    public final long audioSsrc = ssrcs.incrementAndGet();
    public final long videoSsrc = ssrcs.incrementAndGet();
    public final long rtxSsrc = ssrcs.incrementAndGet();
    public volatile boolean autoAccept = true;
    /** Extra presence extensions (XML) of its join presence, e.g. a recorder's {@code <features>}. */
    public volatile String joinExtensions = "";
    /** Whether its session-accept carries sources; a recorder (Jibri's browser, started muted, no GUM) sends none. */
    public volatile boolean sendsMedia = true;
    private volatile String sid;
    private volatile Jingle lastOffer;
    private final List<Presence> roomPresences = new CopyOnWriteArrayList<>();
    /** Mute IQs received, as "from <mute .../>" (lib-jitsi-meet's onMute and onMuteVideo handlers). */
    public final List<String> mutedBy = new CopyOnWriteArrayList<>();

    private TestParticipant(String nick, String room, XMPPTCPConnection c, boolean json, String focus) {
        this.focus = focus;
        this.nick = nick;
        this.room = room;
        this.connection = c;
        this.json = json;
    }

    /** Logs in anonymously; {@code json}: advertise {@code http://jitsi.org/json-encoded-sources} as lib-jitsi-meet does. */
    public static TestParticipant connect(Clients clients, String room, String nick, boolean json) throws Exception {
        return connect(clients, room, nick, json, "focus." + clients.domain());
    }

    /** As above, asking {@code focusDomain} for the conference (a guest domain's clients ask focus.<main domain>). */
    public static TestParticipant connect(Clients clients, String room, String nick, boolean json, String focusDomain)
            throws Exception {
        return prepare(clients.connect(clients.anonymousConfig().build()), room, nick, json, focusDomain);
    }

    /**
     * Logs in as {@code user} (password {@link Clients#PASSWORD}) with stream management and resumption (Smack's
     * defaults): after its connection drops, {@code connection.connect()} and {@code login()} resume the stream.
     */
    public static TestParticipant connectAs(Clients clients, String user, String room, String nick) throws Exception {
        return prepare(clients.connect(clients.config().setUsernameAndPassword(user, Clients.PASSWORD).setResource(nick).build()),
                room, nick, true, "focus." + clients.domain());
    }

    /** Logs in as {@code user@clients.domain()} with {@code password}, asking {@code focusDomain} for the conference. */
    public static TestParticipant connectAs(Clients clients, String user, String password, String room, String nick,
            String focusDomain) throws Exception {
        return prepare(clients.connect(clients.config().setUsernameAndPassword(user, password).setResource(nick).build()),
                room, nick, true, focusDomain);
    }

    private static TestParticipant prepare(XMPPTCPConnection c, String room, String nick, boolean json, String focusDomain)
            throws Exception {
        RawIq.register();
        c.login();
        var caps = org.jivesoftware.smackx.caps.EntityCapsManager.getInstanceFor(c);
        caps.enableEntityCaps();
        if (json) ServiceDiscoveryManager.getInstanceFor(c).addFeature(CompactJson.FEATURE);
        // Smack renews its caps version a little later after a feature change; presences sent before carry none.
        for (int i = 0; i < 200 && caps.getCapsVersionAndHash() == null; i++) Thread.sleep(10);
        return attach(c, room, nick, json, focusDomain);
    }

    /**
     * The web app's move to another room (breakout rooms' moveToRoom): leaves this room, keeps the connection, and
     * returns the participant for {@code otherRoom}, which then asks the focus for its conference ({@link #join}).
     * Close only the returned one: it owns the connection now.
     */
    public TestParticipant moveTo(String otherRoom) throws Exception {
        leave();
        return attach(connection, otherRoom, nick, json, focus);
    }

    private static TestParticipant attach(XMPPTCPConnection c, String room, String nick, boolean json, String focusDomain) {
        TestParticipant p = new TestParticipant(nick, room, c, json, focusDomain);
        c.registerIQRequestHandler(new AbstractIqRequestHandler("jingle", "urn:xmpp:jingle:1", IQ.Type.set,
                IQRequestHandler.Mode.sync) {
            @Override
            public IQ handleIQRequest(IQ request) {
                return p.jingle((RawIq) request);
            }
        });
        for (String media : List.of("audio", "video", "desktop")) {
            c.registerIQRequestHandler(new AbstractIqRequestHandler("mute", "http://jitsi.org/jitmeet/" + media, IQ.Type.set,
                    IQRequestHandler.Mode.sync) {
                @Override
                public IQ handleIQRequest(IQ request) {
                    p.mutedBy.add(request.getFrom() + " " + ((RawIq) request).child().asXML());
                    return IQ.createResultIQ(request);
                }
            });
        }
        // In order: "the last presence of a nick" is what the room says now (an owner grant follows the join within
        // milliseconds, and async listeners may run the two on different threads in either order).
        c.addStanzaListener((StanzaListener) s -> {
            Jid from = s.getFrom();
            if (from != null && from.asBareJid().toString().equals(room)) p.roomPresences.add((Presence) s);
        }, StanzaTypeFilter.PRESENCE);
        return p;
    }

    public TestParticipant region(String r) {
        this.region = r;
        return this;
    }

    /** Sends the conference request; returns the reply's model (ready, focusjid), or throws on an error reply. */
    public ConferenceIq requestConference() throws Exception {
        return requestConference(room);
    }

    public ConferenceIq requestConference(String roomJid) throws Exception {
        return requestConference(roomJid, null);
    }

    /** The conference request as lib-jitsi-meet sends it, with its token attribute when {@code token} is set. */
    public ConferenceIq requestConference(String roomJid, String token) throws Exception {
        RawIq iq = RawIq.of("<conference xmlns='http://jitsi.org/protocol/focus' room='" + roomJid + "' machine-uid='"
                + nick + "-machine'" + (token == null ? "" : " token='" + token + "'")
                + "><property name='rtcstatsEnabled' value='false'/><property name='visitors-version' value='1'/>" + conferenceProperties
                + "</conference>");
        iq.setType(IQ.Type.set);
        iq.setTo(JidCreate.domainBareFrom(focus));
        RawIq reply = connection.sendIqRequestAndWaitForResponse(iq);
        return ConferenceIq.parse(reply.child());
    }

    /** Requests the conference until ready, then joins the room. */
    public TestParticipant join() throws Exception {
        for (int i = 0; i < 20; i++) {
            ConferenceIq reply = requestConference();
            if (Boolean.TRUE.equals(reply.ready())) break;
            Thread.sleep(250);
        }
        return enter();
    }

    /** Joins the room without a conference request over XMPP (lib-jitsi-meet made it over HTTP already). */
    public TestParticipant enter() throws Exception {
        StringBuilder ext = new StringBuilder();
        var b = connection.getStanzaFactory().buildPresenceStanza().to(JidCreate.fullFrom(room + "/" + nick))
                .addExtension(XmlExtension.of("<x xmlns='http://jabber.org/protocol/muc'/>"))
                .addExtension(XmlExtension.of("<stats-id xmlns='jabber:client'>" + nick + "-stats</stats-id>"));
        if (region != null) b.addExtension(XmlExtension.of("<region xmlns='http://jitsi.org/jitsi-meet' id='" + region + "'/>"));
        if (!joinExtensions.isEmpty()) b.addExtension(XmlExtension.of(joinExtensions));
        // Smack adds XEP-0115 caps to the presence, as lib-jitsi-meet does; the focus asks for the features once per ver.
        connection.sendStanza(b.build());
        return this;
    }

    /** A presence update to the room (as lib-jitsi-meet's sendPresence) carrying {@code extensionXml} (one element each). */
    public void sendPresence(String... extensionXml) throws Exception {
        var b = connection.getStanzaFactory().buildPresenceStanza().to(JidCreate.fullFrom(room + "/" + nick))
                .addExtension(XmlExtension.of("<stats-id xmlns='jabber:client'>" + nick + "-stats</stats-id>"));
        for (String x : extensionXml) b.addExtension(XmlExtension.of(x));
        connection.sendStanza(b.build());
    }

    /** Whether the room's self-presence (its own occupant JID) has arrived: lib-jitsi-meet's "joined". */
    public boolean joined() {
        for (Presence p : roomPresences) {
            if (p.getFrom().toString().equals(room + "/" + nick) && p.getType() == Presence.Type.available) return true;
        }
        return false;
    }

    public void leave() throws Exception {
        connection.sendStanza(connection.getStanzaFactory().buildPresenceStanza().ofType(Presence.Type.unavailable)
                .to(JidCreate.fullFrom(room + "/" + nick)).build());
    }

    private IQ jingle(RawIq request) {
        Jingle j = Jingle.parse(request.child());
        received.add(j);
        switch (j.jingleAction()) {
            case SESSION_INITIATE -> {
                synchronized (remote) {
                    remote.clear();
                    learn(j, true);
                }
                sid = j.sid();
                lastOffer = j;
                if (autoAccept) {
                    Thread t = new Thread(() -> {
                        try {
                            accept(j.sid());
                        } catch (Exception e) {
                            // the test will notice the missing session
                        }
                    });
                    t.setDaemon(true);
                    t.start();
                }
            }
            case SOURCE_ADD -> {
                synchronized (remote) {
                    learn(j, true);
                }
            }
            case SOURCE_REMOVE -> {
                synchronized (remote) {
                    learn(j, false);
                }
            }
            case SESSION_TERMINATE -> {
                if (j.sid().equals(sid)) sid = null;
            }
            default -> { }
        }
        return IQ.createResultIQ(request);
    }

    private void learn(Jingle j, boolean add) {
        if (j.jsonMessage() != null) {
            for (var e : parseJson(j.jsonMessage().json()).entrySet()) {
                Set<Long> set = remote.computeIfAbsent(e.getKey(), k -> new LinkedHashSet<>());
                if (add) set.addAll(e.getValue());
                else set.removeAll(e.getValue());
            }
        }
        for (Content c : j.contents()) {
            if (c.description() == null) continue;
            for (Source s : c.description().sources()) {
                String owner = s.owner() == null ? "?" : s.owner().contains("/") ? s.owner().substring(s.owner().indexOf('/') + 1) : s.owner();
                Set<Long> set = remote.computeIfAbsent(owner, k -> new LinkedHashSet<>());
                if (add) set.add(s.ssrc());
                else set.remove(s.ssrc());
            }
        }
        remote.values().removeIf(Set::isEmpty);
    }

    /** The SSRCs in {@code {"sources":{"owner":[[{"s":..}],..]}}} by owner (a tiny reader for the compact format). */
    static Map<String, Set<Long>> parseJson(String json) {
        Map<String, Set<Long>> out = new LinkedHashMap<>();
        int i = json.indexOf("\"sources\":{") + 11;
        while (i < json.length() && json.charAt(i) == '"') {
            int end = json.indexOf('"', i + 1);
            String owner = json.substring(i + 1, end);
            int depth = 0;
            int j = end + 2;
            int start = j;
            do {
                char ch = json.charAt(j);
                if (ch == '[') depth++;
                else if (ch == ']') depth--;
                j++;
            } while (depth > 0);
            String body = json.substring(start, j);
            Set<Long> set = new LinkedHashSet<>();
            var m = java.util.regex.Pattern.compile("\"s\":(\\d+)").matcher(body);
            while (m.find()) set.add(Long.parseLong(m.group(1)));
            out.put(owner, set);
            i = j;
            if (i < json.length() && json.charAt(i) == ',') i++;
        }
        return out;
    }

    /** Sends the session-accept for {@code sid} with this participant's transport and sources. */
    public IQ accept(String sid) throws Exception {
        if (!sendsMedia) return sendJingle("session-accept", sid, contents(List.of(), List.of(), true), "");
        return sendJingle("session-accept", sid, contents(List.of(audioSsrc), List.of(videoSsrc, rtxSsrc), true), "");
    }

    /** Sends any Jingle action for the current session; returns the focus's answer (result or error). */
    public IQ sendJingle(String action, String sid, String contents, String extra) throws Exception {
        RawIq iq = RawIq.of("<jingle xmlns='urn:xmpp:jingle:1' action='" + action + "' sid='" + sid + "' responder='"
                + room + "/" + nick + "'>" + contents + extra + "</jingle>");
        iq.setType(IQ.Type.set);
        iq.setTo(JidCreate.fullFrom(room + "/focus"));
        try {
            return connection.sendIqRequestAndWaitForResponse(iq);
        } catch (org.jivesoftware.smack.XMPPException.XMPPErrorException e) {
            return e.getStanza() instanceof IQ error ? error : null;
        }
    }

    /**
     * Exactly what lib-jitsi-meet's ChatRoom.muteParticipant sends: {@code <mute xmlns='http://jitsi.org/jitmeet/<media>'
     * jid='room@conference/nick'>true</mute>} to the focus's occupant JID. Returns the answer (result or error).
     */
    public IQ mute(String targetNick, String media, boolean mute) throws Exception {
        return toFocus("<mute xmlns='http://jitsi.org/jitmeet/" + media + "' jid='" + room + "/" + targetNick + "'>" + mute + "</mute>");
    }

    /** Sends an IQ set with {@code childXml} to the focus's occupant JID; returns the answer (result or error). */
    public IQ toFocus(String childXml) throws Exception {
        RawIq iq = RawIq.of(childXml);
        iq.setType(IQ.Type.set);
        iq.setTo(JidCreate.fullFrom(room + "/focus"));
        try {
            return connection.sendIqRequestAndWaitForResponse(iq);
        } catch (org.jivesoftware.smack.XMPPException.XMPPErrorException e) {
            return e.getStanza() instanceof IQ error ? error : null;
        }
    }

    /** Contents with these SSRCs (video ones grouped FID when there are two). */
    public String contents(List<Long> audio, List<Long> video, boolean transport) {
        String t = transport ? "<transport xmlns='urn:xmpp:jingle:transports:ice-udp:1' ufrag='u" + nick + "' pwd='pwdpwdpwd'>"
                + "<fingerprint xmlns='urn:xmpp:jingle:apps:dtls:0' hash='sha-256' setup='active'>12:34</fingerprint>"
                + "<candidate component='1' foundation='1' generation='0' id='x' ip='127.0.0.1' port='5000' priority='1' protocol='udp' type='host'/>"
                + "</transport>" : "";
        StringBuilder sb = new StringBuilder();
        sb.append("<content creator='responder' name='audio' senders='both'><description xmlns='urn:xmpp:jingle:apps:rtp:1' media='audio'>");
        for (Long s : audio) sb.append(source(s, nick + "-a0", null));
        sb.append("</description>").append(t).append("</content>");
        sb.append("<content creator='responder' name='video' senders='both'><description xmlns='urn:xmpp:jingle:apps:rtp:1' media='video'>");
        for (Long s : video) sb.append(source(s, nick + "-v0", "camera"));
        if (video.size() == 2) {
            sb.append("<ssrc-group xmlns='urn:xmpp:jingle:apps:rtp:ssma:0' semantics='FID'><source ssrc='").append(video.get(0))
                    .append("'/><source ssrc='").append(video.get(1)).append("'/></ssrc-group>");
        }
        sb.append("</description>").append(t).append("</content>");
        return sb.toString();
    }

    private static String source(long ssrc, String name, String videoType) {
        return "<source xmlns='urn:xmpp:jingle:apps:rtp:ssma:0' ssrc='" + ssrc + "' name='" + name + "'"
                + (videoType == null ? "" : " videoType='" + videoType + "'") + "><parameter name='msid' value='" + name + " track'/></source>";
    }

    // ---------------------------------------------------------------- what tests look at

    public String sid() { return sid; }

    public Jingle lastOffer() { return lastOffer; }

    /** Remote SSRCs by owner endpoint id ("jvb" for the bridge). */
    public Map<String, Set<Long>> remoteSources() {
        synchronized (remote) {
            Map<String, Set<Long>> copy = new LinkedHashMap<>();
            for (var e : remote.entrySet()) copy.put(e.getKey(), Set.copyOf(e.getValue()));
            return copy;
        }
    }

    public List<Jingle> received(JingleAction action) {
        List<Jingle> out = new ArrayList<>();
        for (Jingle j : received) if (j.jingleAction() == action) out.add(j);
        return out;
    }

    /** Whether the room's last presence of {@code nick} shows {@code role}. */
    /** The room's presences this participant got, oldest first. */
    public List<Presence> roomPresences() { return List.copyOf(roomPresences); }

    public boolean seesRole(String nick, String role) {
        return seesItem(nick, "role", role);
    }

    /** Whether the room's last presence of {@code nick} contains {@code text} (in its XML). */
    public boolean seesPresence(String nick, String text) {
        Presence last = null;
        for (Presence p : roomPresences) if (p.getFrom().toString().equals(room + "/" + nick)) last = p;
        return last != null && last.toXML().toString().contains(text);
    }

    /** Whether the room's last presence of {@code nick} has {@code attribute='value'} in its MUC item. */
    public boolean seesItem(String nick, String attribute, String value) {
        Presence last = null;
        for (Presence p : roomPresences) if (p.getFrom().toString().equals(room + "/" + nick)) last = p;
        if (last == null) return false;
        var x = last.getExtensionElement("x", "http://jabber.org/protocol/muc#user");
        String xml = x == null ? "" : x.toXML().toString();
        return xml.contains(attribute + "=\"" + value + "\"") || xml.contains(attribute + "='" + value + "'");
    }

    /** Whether the focus occupant's real JID was shown as {@code focusJid/focus} (lib-jitsi-meet's focus check). */
    public boolean seesFocusAs(String focusJid) {
        for (Presence p : roomPresences) {
            if (!p.getFrom().toString().equals(room + "/focus")) continue;
            var x = p.getExtensionElement("x", "http://jabber.org/protocol/muc#user");
            if (x != null && x.toXML().toString().contains("jid=\"" + focusJid + "/") || x != null && x.toXML().toString().contains("jid='" + focusJid + "/")) return true;
        }
        return false;
    }

    @Override
    public void close() {
        if (connection.isConnected()) connection.disconnect();
    }

}
