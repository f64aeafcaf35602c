package org.parley.bench.load;

import io.netty.channel.EventLoop;
import io.netty.util.concurrent.ScheduledFuture;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

/**
 * One participant of the meeting mix, doing over its own session what lib-jitsi-meet does: anonymous login (by
 * {@link XmppClientHandler}), XEP-0198 enabled with resumption (answering the server's {@code <r/>} with its count
 * of stanzas handled, asking for an ack after every 5 stanzas sent as Strophe does), with the focus the conference
 * request (retried while the focus says not ready), the MUC join with Jitsi's presence extensions, the
 * {@code session-initiate} answered with a {@code session-accept} carrying sources. In the room it changes its mute
 * state every 20-60 s (a whole new presence, as the web app sends), sends a chat message now and then and
 * endpoint messages ({@code json-message}, to the room or privately to one occupant), answers every IQ the server or
 * focus sends (source-add and the like), and leaves after its stay ({@code session-terminate} to the focus,
 * unavailable presence, stream close). The first occupant of a room that the server created for it (status 201,
 * without the focus) configures it as lib-jitsi-meet does: owner form fetched, submitted with
 * {@code muc#roomconfig_whois = anyone}. Everything runs on the session's event loop.
 */
final class MixParticipant implements XmppClientHandler.Listener {
    /** The controller's side. Calls come from the participant's event loop. */
    interface Run {
        MixSettings settings();

        MixStats stats();

        void joined(MixParticipant p);

        /** The participant is gone: left after its stay ({@code replace}), left as its meeting ended, or failed. */
        void gone(MixParticipant p, boolean wasJoined, boolean replace);
    }

    private static final String SM_NS = "urn:xmpp:sm:3";
    private static final String CAPS_NODE = "https://jitsi.org/jitsi-meet";
    /** What lib-jitsi-meet announces in disco#info (XEP-0115: the presence's ver is the hash of this). */
    private static final String[] FEATURES = {"http://jabber.org/protocol/caps", "http://jabber.org/protocol/disco#info",
            "http://jitsi.org/json-encoded-sources", "http://jitsi.org/receive-multiple-video-streams",
            "http://jitsi.org/source-name", "http://jitsi.org/ssrc-rewriting-1", "http://jitsi.org/tcc", "urn:ietf:rfc:4588",
            "urn:ietf:rfc:5761", "urn:ietf:rfc:5888", "urn:xmpp:jingle:1", "urn:xmpp:jingle:apps:dtls:0",
            "urn:xmpp:jingle:apps:rtp:1", "urn:xmpp:jingle:apps:rtp:audio", "urn:xmpp:jingle:apps:rtp:video",
            "urn:xmpp:jingle:transports:ice-udp:1"};
    private static final String CAPS_VER = capsVer();
    private static final String[] REGIONS = {"eu-central-1", "us-east-1", "ap-south-1", "eu-west-2"};
    private static final String[] CODECS = {"vp9", "vp8", "av1", "h264"};

    private enum State { CONNECTING, REQUESTING, JOINING, IN_ROOM, GONE }

    final MixMeeting meeting;
    final String nick;
    private final Run run;
    private final MixSettings settings;
    private final MixStats stats;
    private final SplittableRandom rnd;
    private final long stayNanos;
    private final String region;
    private final String codec;
    private volatile XmppClientHandler client;
    /** Set by {@link #leave} from the controller's thread, for a participant still logging in. */
    private volatile Boolean pendingLeave;
    private volatile State state = State.CONNECTING;
    private boolean sm;
    private long handled;
    private long sentStanzas;
    private int requestTries;
    private long requestSent;
    private volatile long joinSent;
    /** Nobody but the focus was in the room when it joined: its offer waits for the next one, so it is not timed. */
    private boolean alone = true;
    private volatile boolean initiated;
    private String sid;
    private boolean audioMuted;
    private boolean videoMuted;
    private int ids;
    private ScheduledFuture<?> mute, chat, endpoint, stay;
    /** The newest presence stamp received from each occupant (by nick), on the event loop. */
    private java.util.Map<String, Long> lastSeen;

    MixParticipant(MixMeeting meeting, String nick, Run run, SplittableRandom rnd, long stayNanos) {
        this.meeting = meeting;
        this.nick = nick;
        this.run = run;
        this.settings = run.settings();
        this.stats = run.stats();
        this.rnd = rnd;
        this.stayNanos = stayNanos;
        this.region = REGIONS[rnd.nextInt(REGIONS.length)];
        this.codec = CODECS[rnd.nextInt(CODECS.length)];
        this.audioMuted = rnd.nextDouble() < 0.5; // many join muted (startAudioMuted, big meetings)
        this.videoMuted = rnd.nextDouble() < 0.3;
    }

    /** XEP-0115 5.1: SHA-1 over identity and sorted features, base64. */
    static String capsVer() {
        StringBuilder sb = new StringBuilder("client/web//jitsi-meet<");
        String[] sorted = FEATURES.clone();
        java.util.Arrays.sort(sorted);
        for (String f : sorted) sb.append(f).append('<');
        try {
            return java.util.Base64.getEncoder().encodeToString(java.security.MessageDigest.getInstance("SHA-1")
                    .digest(sb.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8)));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String discoInfo(String node) {
        StringBuilder sb = new StringBuilder("<query xmlns='http://jabber.org/protocol/disco#info'");
        if (node != null) sb.append(" node='").append(Xml.escape(node)).append('\'');
        sb.append("><identity category='client' type='web' name='jitsi-meet'/>");
        for (String f : FEATURES) sb.append("<feature var='").append(f).append("'/>");
        return sb.append("</query>").toString();
    }

    void start(Connector connector) {
        connector.connect(ClientSpec.anonymous(settings.transport, connector.target()), this);
    }

    /** When it sent its join, while it waits for the focus's offer as not the first in the room; else -1. */
    long awaitingOfferSince() {
        return state == State.IN_ROOM && !alone && !initiated && settings.withFocus() ? joinSent : -1;
    }

    // ---- session --------------------------------------------------------------------------------------------

    @Override
    public void ready(XmppClientHandler c) {
        client = c;
        Boolean leaving = pendingLeave;
        if (leaving != null) { // its stay or meeting ended while it logged in
            leaveNow(leaving);
            return;
        }
        if (settings.streamManagement) c.send("<enable xmlns='" + SM_NS + "' resume='true'/>");
        if (settings.withFocus()) request();
        else join();
    }

    @Override
    public void failed(XmppClientHandler c, String why) {
        if (state == State.GONE) return;
        state = State.GONE;
        stats.failure("login: " + why);
        run.gone(this, false, true);
    }

    @Override
    public void closed(XmppClientHandler c) {
        if (state == State.GONE) return;
        boolean wasJoined = state == State.IN_ROOM;
        state = State.GONE;
        cancelTimers();
        stats.failure("connection closed by the server");
        run.gone(this, wasJoined, true);
    }

    private void fail(String why) {
        if (state == State.GONE) return;
        boolean wasJoined = state == State.IN_ROOM;
        state = State.GONE;
        cancelTimers();
        stats.failure(why);
        client.close();
        run.gone(this, wasJoined, true);
    }

    /** Leaves (from any thread): after its stay ({@code replace}: someone takes its place) or as the meeting ends. */
    void leave(boolean replace) {
        pendingLeave = replace;
        XmppClientHandler c = client;
        if (c != null) c.channel().eventLoop().execute(() -> leaveNow(replace));
        // else ready() or failed() sees pendingLeave
    }

    private void leaveNow(boolean replace) {
        if (state == State.GONE) return;
        boolean wasJoined = state == State.IN_ROOM;
        cancelTimers();
        if (wasJoined) {
            if (sid != null) {
                send("<iq type='set' id='term' to='" + meeting.room + "/focus'><jingle xmlns='urn:xmpp:jingle:1' "
                        + "action='session-terminate' sid='" + Xml.escape(sid) + "'><reason><success/></reason></jingle></iq>");
            }
            send("<presence type='unavailable' to='" + meeting.room + "/" + nick + "'/>");
        }
        state = State.GONE;
        client.close();
        run.gone(this, wasJoined, replace);
    }

    /** Sends a stanza, asking for an ack after every fifth (Strophe's requestResponseInterval). */
    private void send(String xml) {
        client.send(xml);
        if (sm && ++sentStanzas % 5 == 0) client.send("<r xmlns='" + SM_NS + "'/>");
    }

    private void request() {
        state = State.REQUESTING;
        requestTries++;
        requestSent = System.nanoTime();
        send("<iq type='set' id='conf' to='" + settings.focusDomain + "'><conference xmlns='http://jitsi.org/protocol/focus'"
                + " room='" + meeting.room + "' machine-uid='" + nick + "-machine'>"
                + "<property name='rtcstatsEnabled' value='false'/><property name='visitors-version' value='1'/>"
                + "</conference></iq>");
    }

    private void join() {
        state = State.JOINING;
        joinSent = System.nanoTime();
        send(presence(true));
    }

    /** The whole presence, as lib-jitsi-meet sends it each time, with the bench's send time. */
    private String presence(boolean join) {
        return "<presence to='" + meeting.room + "/" + nick + "'>"
                + (join ? "<x xmlns='http://jabber.org/protocol/muc'/>" : "")
                + "<stats-id>" + nick + "-stats</stats-id>"
                + "<c xmlns='http://jabber.org/protocol/caps' hash='sha-1' node='" + CAPS_NODE + "' ver='" + CAPS_VER + "'/>"
                + "<jitsi_participant_region>" + region + "</jitsi_participant_region>"
                + "<jitsi_participant_codecList>" + codec + ",vp8,h264</jitsi_participant_codecList>"
                + "<jitsi_participant_codecType>" + codec + "</jitsi_participant_codecType>"
                + "<nick xmlns='http://jabber.org/protocol/nick'>Guest " + nick + "</nick>"
                + "<audiomuted xmlns='http://jitsi.org/jitmeet/audio'>" + audioMuted + "</audiomuted>"
                + "<videomuted xmlns='http://jitsi.org/jitmeet/video'>" + videoMuted + "</videomuted>"
                + "<SourceInfo>{\"" + nick + "-a0\":{\"muted\":" + audioMuted + "},\"" + nick + "-v0\":{\"muted\":"
                + videoMuted + ",\"videoType\":\"camera\"}}</SourceInfo>"
                + "<features><feature var='https://jitsi.org/meet/e2ee'/><feature var='https://jitsi.org/meet/jvb-ice'/>"
                + "<feature var='http://jitsi.org/json-encoded-sources'/><feature var='urn:xmpp:jingle:apps:dtls:0'/></features>"
                + MixStats.stamp() + "</presence>";
    }

    // ---- what arrives ----------------------------------------------------------------------------------------

    @Override
    public void stanza(XmppClientHandler c, String xml) {
        if (xml.startsWith("<r") && Xml.named(xml, "r")) {
            c.send("<a xmlns='" + SM_NS + "' h='" + handled + "'/>");
            return;
        }
        boolean isStanza = xml.startsWith("<presence") || xml.startsWith("<message") || xml.startsWith("<iq");
        if (!isStanza) {
            if (Xml.named(xml, "enabled")) sm = true;
            else if (Xml.named(xml, "failed")) stats.smRefused.increment();
            return;
        }
        if (sm) handled++;
        if (state == State.GONE) return;
        if (xml.startsWith("<iq")) iq(xml);
        else if (xml.startsWith("<presence")) presence(xml);
        else message(xml);
    }

    private void iq(String xml) {
        String type = Xml.attr(xml, "type");
        String id = Xml.attr(xml, "id");
        if ("result".equals(type) || "error".equals(type)) {
            boolean ok = "result".equals(type);
            if ("conf".equals(id)) {
                if (!ok) {
                    fail("conference request refused: " + XmppClientHandler.abbreviate(xml));
                } else if ("true".equals(Xml.attrOf(xml, "conference", "ready"))) {
                    MixStats.record(stats.request, requestSent);
                    join();
                } else if (requestTries >= 20) {
                    fail("the focus was not ready after 20 conference requests");
                } else {
                    client.channel().eventLoop().schedule(this::request, Math.min(2000, 200L * requestTries), TimeUnit.MILLISECONDS);
                }
            } else if ("cfg1".equals(id) && ok) {
                send("<iq type='set' id='cfg2' to='" + meeting.room + "'><query xmlns='http://jabber.org/protocol/muc#owner'>"
                        + "<x xmlns='jabber:x:data' type='submit'><field var='FORM_TYPE'><value>http://jabber.org/protocol/muc#roomconfig</value></field>"
                        + "<field var='muc#roomconfig_whois'><value>anyone</value></field></x></query></iq>");
            } else if ("acc".equals(id) && ok) {
                stats.accepted.increment();
            } else if (!ok) {
                stats.errors.increment();
            }
            return;
        }
        if (!"set".equals(type) && !"get".equals(type)) return;
        String from = Xml.attr(xml, "from");
        String head = "<iq type='result' id='" + Xml.escape(id == null ? "" : id) + "'" + (from == null ? "" : " to='" + Xml.escape(from) + "'");
        if ("get".equals(type) && xml.contains("http://jabber.org/protocol/disco#info")) {
            send(head + ">" + discoInfo(Xml.attrOf(xml, "query", "node")) + "</iq>");
            return;
        }
        send(head + "/>");
        if ("set".equals(type) && "session-initiate".equals(Xml.attrOf(xml, "jingle", "action"))) offer(xml, from);
    }

    private void offer(String xml, String from) {
        if (!initiated) {
            initiated = true;
            if (!alone && joinSent > 0) MixStats.record(stats.initiate, joinSent);
        }
        sid = Xml.attrOf(xml, "jingle", "sid");
        long a = rnd.nextLong(1, 1L << 31), v = rnd.nextLong(1, 1L << 31);
        send("<iq type='set' id='acc' to='" + Xml.escape(from) + "'><jingle xmlns='urn:xmpp:jingle:1' action='session-accept' sid='"
                + Xml.escape(sid == null ? "" : sid) + "'><content creator='responder' name='audio'>"
                + "<description xmlns='urn:xmpp:jingle:apps:rtp:1' media='audio'><source xmlns='urn:xmpp:jingle:apps:rtp:ssma:0' ssrc='"
                + a + "' name='" + nick + "-a0'/></description><transport xmlns='urn:xmpp:jingle:transports:ice-udp:1' ufrag='u"
                + nick + "' pwd='pwdpwdpwdpwdpwdpwdpwdpwd'><fingerprint xmlns='urn:xmpp:jingle:apps:dtls:0' hash='sha-256' setup='active'>"
                + "AA:BB:CC:DD</fingerprint></transport></content><content creator='responder' name='video'>"
                + "<description xmlns='urn:xmpp:jingle:apps:rtp:1' media='video'><source xmlns='urn:xmpp:jingle:apps:rtp:ssma:0' ssrc='"
                + v + "' name='" + nick + "-v0' videoType='camera'/></description></content></jingle></iq>");
    }

    private void presence(String xml) {
        String from = Xml.attr(xml, "from");
        String room = meeting.room;
        if (from == null || from.length() <= room.length() || !from.startsWith(room) || from.charAt(room.length()) != '/') return;
        String type = Xml.attr(xml, "type");
        if ("error".equals(type)) {
            if (state == State.IN_ROOM) stats.errors.increment();
            else fail("join refused: " + XmppClientHandler.abbreviate(xml.substring(Math.max(0, xml.indexOf("<error")))));
            return;
        }
        String who = from.substring(room.length() + 1);
        if (type != null) {
            if (lastSeen != null) lastSeen.remove(who);
            return;
        }
        if (who.equals(nick) && state == State.IN_ROOM) return;
        long sent = MixStats.stampOf(xml);
        // A room sends an occupant's last presence again when its role or affiliation changes (the focus making
        // someone owner as the owner leaves): the same stamp, maybe a minute old. Only the first arrival is timed.
        boolean fresh = sent > 0 && sent > seen(who);
        if (fresh) lastSeen.put(who, sent);
        if (state != State.IN_ROOM) {
            if (MucRooms.isSelfPresence(xml)) {
                joined(xml.contains("code='201'") || xml.contains("code=\"201\""));
            } else if (!who.equals("focus")) {
                alone = false;
            }
            return;
        }
        stats.presencesReceived.increment();
        if (fresh) MixStats.record(stats.presence, sent);
    }

    private long seen(String who) {
        if (lastSeen == null) lastSeen = new java.util.HashMap<>();
        Long t = lastSeen.get(who);
        return t == null ? 0 : t;
    }

    private void joined(boolean created) {
        state = State.IN_ROOM;
        stats.joined.increment();
        if (created && !settings.withFocus()) {
            send("<iq type='get' id='cfg1' to='" + meeting.room + "'><query xmlns='http://jabber.org/protocol/muc#owner'/></iq>");
        }
        run.joined(this);
        EventLoop loop = client.channel().eventLoop();
        stay = loop.schedule(() -> leave(true), stayNanos, TimeUnit.NANOSECONDS);
        mute = loop.schedule(this::changeMute, uniform(settings.muteMinSeconds, settings.muteMaxSeconds), TimeUnit.NANOSECONDS);
        chat = loop.schedule(this::chat, exponential(settings.chatSeconds), TimeUnit.NANOSECONDS);
        endpoint = loop.schedule(this::endpointMessage, exponential(settings.endpointSeconds), TimeUnit.NANOSECONDS);
    }

    private void message(String xml) {
        if (state != State.IN_ROOM) return;
        String from = Xml.attr(xml, "from");
        if (from == null || !from.startsWith(meeting.room)) return;
        if ("error".equals(Xml.attr(xml, "type"))) {
            stats.errors.increment();
            return;
        }
        if (xml.contains("urn:xmpp:delay") || from.endsWith("/" + nick)) return; // history, or its own coming back
        stats.messagesReceived.increment();
        long sent = MixStats.stampOf(xml);
        if (sent > 0) MixStats.record(stats.message, sent);
    }

    // ---- living in the meeting ------------------------------------------------------------------------------

    private void changeMute() {
        if (state != State.IN_ROOM) return;
        if (rnd.nextDouble() < 0.7) audioMuted = !audioMuted;
        else videoMuted = !videoMuted;
        send(presence(false));
        stats.presencesSent.increment();
        mute = client.channel().eventLoop().schedule(this::changeMute, uniform(settings.muteMinSeconds, settings.muteMaxSeconds), TimeUnit.NANOSECONDS);
    }

    private void chat() {
        if (state != State.IN_ROOM) return;
        send("<message to='" + meeting.room + "' type='groupchat' id='m" + (++ids) + "'><body>Message " + ids + " from "
                + nick + ": can everyone see my screen?</body><nick xmlns='http://jabber.org/protocol/nick'>Guest " + nick
                + "</nick>" + MixStats.stamp() + "</message>");
        stats.messagesSent.increment();
        chat = client.channel().eventLoop().schedule(this::chat, exponential(settings.chatSeconds), TimeUnit.NANOSECONDS);
    }

    /** lib-jitsi-meet's sendMessage / sendPrivateMessage with an object: a json-message, here speaker-like news. */
    private void endpointMessage() {
        if (state != State.IN_ROOM) return;
        String json = "{\"type\":\"endpoint-message\",\"payload\":{\"name\":\"dominant-speaker-stats\",\"speaker\":\"" + nick
                + "\",\"silence\":false,\"faceLandmarks\":null,\"seq\":" + (++ids) + "}}";
        String to = meeting.room;
        String type = "groupchat";
        if (rnd.nextDouble() < settings.privateShare) {
            MixParticipant[] others = meeting.members.toArray(new MixParticipant[0]);
            MixParticipant other = others.length == 0 ? null : others[rnd.nextInt(others.length)];
            if (other != null && other != this) {
                to = meeting.room + "/" + other.nick;
                type = "chat";
            }
        }
        send("<message to='" + to + "' type='" + type + "'><json-message xmlns='http://jitsi.org/jitmeet'>" + json
                + "</json-message>" + MixStats.stamp() + "</message>");
        stats.messagesSent.increment();
        endpoint = client.channel().eventLoop().schedule(this::endpointMessage, exponential(settings.endpointSeconds), TimeUnit.NANOSECONDS);
    }

    private void cancelTimers() {
        for (ScheduledFuture<?> f : new ScheduledFuture<?>[] {mute, chat, endpoint, stay}) if (f != null) f.cancel(false);
    }

    private long uniform(double minSeconds, double maxSeconds) {
        return (long) ((minSeconds + rnd.nextDouble() * (maxSeconds - minSeconds)) * 1e9);
    }

    private long exponential(double meanSeconds) {
        return (long) (-Math.log(1 - rnd.nextDouble()) * meanSeconds * 1e9);
    }
}
