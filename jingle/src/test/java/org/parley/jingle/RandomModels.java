package org.parley.jingle;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.function.Supplier;

import org.dom4j.Element;
import org.parley.jingle.colibri2.ConferenceModified;
import org.parley.jingle.colibri2.ConferenceModify;
import org.parley.jingle.colibri2.Endpoint;
import org.parley.jingle.colibri2.ForceMute;
import org.parley.jingle.colibri2.Media;
import org.parley.jingle.colibri2.MediaSource;
import org.parley.jingle.colibri2.Relay;
import org.parley.jingle.colibri2.Sctp;
import org.parley.jingle.colibri2.SctpRole;
import org.parley.jingle.colibri2.Sources;
import org.parley.jingle.colibri2.Transport;
import org.parley.jingle.focus.ColibriStats;
import org.parley.jingle.focus.ConferenceIq;
import org.parley.jingle.ice.Candidate;
import org.parley.jingle.ice.Fingerprint;
import org.parley.jingle.ice.IceUdpTransport;
import org.parley.jingle.ice.SctpMap;
import org.parley.jingle.ice.Setup;
import org.parley.jingle.ice.WebSocket;
import org.parley.jingle.rtp.Parameter;
import org.parley.jingle.rtp.PayloadType;
import org.parley.jingle.rtp.RtcpFb;
import org.parley.jingle.rtp.RtpDescription;
import org.parley.jingle.rtp.RtpHdrExt;
import org.parley.jingle.rtp.Source;
import org.parley.jingle.rtp.SourceGroup;
import org.parley.jingle.xml.OpaqueElement;
import org.parley.jingle.xml.Xml;

/**
 * Seeded generator of random, valid models for property tests. Values mix protocol-like tokens with characters that
 * XML must escape ({@code < & " '}) and non-ASCII text, so serialization is exercised, not just the happy path.
 * Opaque extensions live in a namespace of their own so they can never be mistaken for a typed child.
 */
public final class RandomModels {
    static final String EXT_NS = "urn:example:parley:ext";

    private static final String[] WORDS = {"audio", "video", "data", "opus", "VP8", "jvb", "abcd1234-v0", "camera",
        "desktop", "sha-256", "room@conference.example.com/abcd", "wss://jvb.example.com/colibri-ws/x?pwd=y",
        "a b", "<tag>", "&amp;", "\"quoted\"", "it's", "é", "日本", "\uD83D\uDE00", "x]]>y", "100/100", "--"};
    private static final String CHARS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.:/@=+;,?# "
        + "<>&\"'éü日\u00a0";

    private final Random random;

    public RandomModels(long seed) {
        this.random = new Random(seed);
    }

    // ------------------------------------------------------------------ primitives

    boolean chance(int percent) {
        return random.nextInt(100) < percent;
    }

    int between(int min, int max) {
        return min + random.nextInt(max - min + 1);
    }

    <T> T pick(T[] values) {
        return values[random.nextInt(values.length)];
    }

    <T> T maybe(Supplier<T> s) {
        return chance(50) ? s.get() : null;
    }

    <T> List<T> list(int max, Supplier<T> s) {
        int n = random.nextInt(max + 1);
        List<T> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            out.add(s.get());
        }
        return out;
    }

    /** A non-blank string without leading or trailing whitespace (safe for attributes and trimmed texts). */
    String token() {
        if (chance(40)) {
            return pick(WORDS).strip();
        }
        int len = between(1, 12);
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < len; i++) {
            sb.append(CHARS.charAt(random.nextInt(CHARS.length())));
        }
        String s = sb.toString().strip();
        return s.isEmpty() ? "x" : s;
    }

    /** Any string, possibly empty or with inner spaces. */
    String text() {
        return chance(10) ? "" : token() + (chance(30) ? " " + token() : "");
    }

    /** A valid XML local name. */
    String xmlName() {
        return pick(new String[] {"ext", "startmuted", "x-thing", "a.b", "n_1"}) + between(0, 9);
    }

    long ssrc() {
        return chance(10) ? pick(new Long[] {0L, 0xFFFF_FFFFL}) : random.nextLong() & 0xFFFF_FFFFL;
    }

    <E extends Enum<E>> E anyOf(Class<E> type) {
        E[] values = type.getEnumConstants();
        return values[random.nextInt(values.length)];
    }

    /** Either a known wire value of an open enum or an invented one. */
    String openWire(String... known) {
        return chance(85) ? pick(known) : "x-" + xmlName();
    }

    OpaqueElement opaque() {
        Element e = Xml.create(xmlName(), EXT_NS);
        for (int i = 0; i < random.nextInt(3); i++) {
            e.addAttribute("a" + i, text());
        }
        if (chance(40)) {
            for (int i = 0; i < between(1, 2); i++) {
                Element c = Xml.add(e, xmlName(), chance(50) ? EXT_NS : "urn:example:other");
                c.addAttribute("v", token());
                if (chance(50)) {
                    c.setText(token());
                }
            }
        } else if (chance(50)) {
            e.setText(text());
        }
        return OpaqueElement.of(e);
    }

    List<OpaqueElement> extensions() {
        return chance(70) ? List.of() : list(2, this::opaque);
    }

    // ------------------------------------------------------------------ RTP

    Parameter parameter() {
        return switch (random.nextInt(4)) {
            case 0 -> new Parameter(null, token());
            case 1 -> new Parameter(token(), null);
            default -> new Parameter(token(), text());
        };
    }

    RtcpFb rtcpFb() {
        return new RtcpFb(token(), maybe(this::token));
    }

    PayloadType payloadType() {
        return new PayloadType(between(0, 127), maybe(this::token), maybe(() -> between(8000, 90000)),
            maybe(() -> between(1, 2)), maybe(() -> between(10, 60)), maybe(() -> between(10, 120)),
            list(3, this::parameter), list(4, this::rtcpFb), extensions());
    }

    RtpHdrExt hdrExt() {
        return new RtpHdrExt(between(1, 255), token(), chance(30) ? anyOf(Senders.class) : null);
    }

    Source source() {
        Long ssrc = chance(90) ? ssrc() : null;
        String rid = ssrc == null || chance(10) ? token() : null;
        return new Source(ssrc, rid, maybe(this::token), maybe(() -> pick(new String[] {"camera", "desktop"})),
            maybe(this::token), list(2, this::parameter), extensions());
    }

    SourceGroup sourceGroup() {
        return new SourceGroup(pick(new String[] {"SIM", "FID", "FEC-FR", token()}), list(4, this::ssrc));
    }

    RtpDescription description() {
        return new RtpDescription(maybe(() -> pick(new String[] {"audio", "video", "application"})),
            maybe(() -> String.valueOf(between(10, 120))), list(4, this::payloadType), list(3, this::hdrExt),
            chance(50), chance(50), list(2, this::rtcpFb), list(4, this::source), list(3, this::sourceGroup),
            extensions());
    }

    // ------------------------------------------------------------------ ICE

    Fingerprint fingerprint() {
        return new Fingerprint(token(), chance(80) ? anyOf(Setup.class) : null, token(), chance(20));
    }

    Candidate candidate() {
        return new Candidate(between(1, 2), token(), maybe(() -> between(0, 3)), maybe(this::token), token(),
            maybe(() -> between(0, 9)), between(1, 65535), random.nextLong() & 0xFFFF_FFFFL,
            pick(new String[] {"udp", "tcp", "ssltcp"}), maybe(this::token), maybe(() -> between(0, 65535)),
            openWire("host", "srflx", "prflx", "relay"), maybe(() -> pick(new String[] {"active", "passive", "so"})));
    }

    IceUdpTransport iceUdp() {
        return new IceUdpTransport(maybe(this::token), maybe(this::token), chance(50), list(2, this::fingerprint),
            list(4, this::candidate), list(2, () -> new WebSocket(token(), chance(30))),
            chance(30) ? new SctpMap(between(1, 65535), token(), maybe(() -> between(0, 2048))) : null,
            extensions());
    }

    // ------------------------------------------------------------------ Jingle

    Content content() {
        return new Content(chance(80) ? anyOf(Creator.class) : null, token(),
            chance(70) ? anyOf(Senders.class) : null, maybe(this::token), maybe(this::description),
            maybe(this::iceUdp), extensions());
    }

    Reason reason() {
        String condition = chance(85) ? anyOf(ReasonCondition.class).wire() : null;
        if (condition == null) {
            condition = "x-" + xmlName();
        }
        String altSid = "alternative-session".equals(condition) && chance(70) ? token() : null;
        return new Reason(condition, altSid, maybe(this::text), extensions());
    }

    public Jingle jingle() {
        String action = openWire("session-initiate", "session-accept", "session-terminate", "session-info",
            "transport-info", "transport-replace", "transport-accept", "content-modify", "source-add",
            "source-remove");
        return new Jingle(action, token(), maybe(this::token), maybe(this::token), list(3, this::content),
            list(1, () -> new Group(pick(new String[] {"BUNDLE", "LS", token()}), list(3, this::token))),
            maybe(() -> new BridgeSession(maybe(this::token), maybe(this::token), chance(30), maybe(this::token))),
            maybe(this::reason), maybe(() -> new JsonMessage(text())), extensions());
    }

    // ------------------------------------------------------------------ COLIBRI2

    Media media() {
        return new Media(openWire("audio", "video"), list(3, this::payloadType), list(3, this::hdrExt), chance(50),
            extensions());
    }

    Transport transport() {
        return new Transport(chance(50), chance(30), chance(20), maybe(this::iceUdp),
            maybe(() -> new Sctp(maybe(() -> between(1, 65535)), chance(70) ? anyOf(SctpRole.class) : null)),
            extensions());
    }

    Sources sources() {
        return new Sources(list(3, () -> new MediaSource(openWire("audio", "video"), maybe(this::token),
            list(3, this::source), list(2, this::sourceGroup), extensions())));
    }

    Endpoint endpoint() {
        return new Endpoint(token(), chance(50), chance(20), maybe(this::token),
            maybe(() -> pick(new String[] {"visitor", "participant", "moderator"})), list(2, this::media),
            maybe(this::transport), maybe(this::sources), maybe(() -> new ForceMute(chance(50), chance(50))),
            maybe(() -> between(-1, 50)), list(3, () -> pick(new String[] {Endpoint.SOURCE_NAMES,
                Endpoint.SSRC_REWRITING, Endpoint.RTP_MID_DEMUX, token()})), extensions());
    }

    Relay relay() {
        return new Relay(token(), chance(50), chance(20), maybe(this::token), list(2, this::media),
            maybe(this::transport), maybe(this::sources), list(3, this::endpoint), extensions());
    }

    public ConferenceModify conferenceModify() {
        return new ConferenceModify(token(), maybe(this::token), chance(50), chance(20), chance(70), chance(70),
            list(3, this::endpoint), list(2, this::relay), extensions());
    }

    public ConferenceModified conferenceModified() {
        return new ConferenceModified(list(3, this::endpoint), list(2, this::relay), maybe(this::sources),
            extensions());
    }

    // ------------------------------------------------------------------ focus

    public ConferenceIq conferenceIq() {
        return new ConferenceIq(token(), maybe(this::token), maybe(this::token), maybe(this::token),
            maybe(this::token), chance(60) ? Boolean.valueOf(chance(50)) : null, maybe(this::token),
            maybe(this::token), list(5, () -> new ConferenceIq.Property(token(), text())));
    }

    public ColibriStats colibriStats() {
        return new ColibriStats(list(12, () -> new ColibriStats.Stat(
            chance(50) ? pick(new String[] {ColibriStats.STRESS_LEVEL, ColibriStats.REGION, ColibriStats.RELAY_ID,
                ColibriStats.VERSION, ColibriStats.DRAIN}) : token(), text())));
    }
}
