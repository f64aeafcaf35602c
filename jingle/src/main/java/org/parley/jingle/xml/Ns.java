package org.parley.jingle.xml;

/** The XML namespaces of the model, as Jicofo, jitsi-videobridge and lib-jitsi-meet use them. */
public final class Ns {
    private Ns() {
    }

    /** XEP-0166 Jingle. */
    public static final String JINGLE = "urn:xmpp:jingle:1";
    /** XEP-0167 RTP description (also payload-type and its parameter). */
    public static final String RTP = "urn:xmpp:jingle:apps:rtp:1";
    /** XEP-0293 RTCP feedback. */
    public static final String RTCP_FB = "urn:xmpp:jingle:apps:rtp:rtcp-fb:0";
    /** XEP-0294 RTP header extensions (also extmap-allow-mixed). */
    public static final String RTP_HDREXT = "urn:xmpp:jingle:apps:rtp:rtp-hdrext:0";
    /** XEP-0339 source-specific media attributes (source, ssrc-group). */
    public static final String SSMA = "urn:xmpp:jingle:apps:rtp:ssma:0";
    /** XEP-0338 grouping (BUNDLE). */
    public static final String GROUPING = "urn:xmpp:jingle:apps:grouping:0";
    /** XEP-0176 ICE-UDP transport. */
    public static final String ICE_UDP = "urn:xmpp:jingle:transports:ice-udp:1";
    /** XEP-0320 DTLS fingerprint. */
    public static final String DTLS = "urn:xmpp:jingle:apps:dtls:0";
    /** XEP-0343 DTLS/SCTP (the sctpmap inside the data content's transport). */
    public static final String DTLS_SCTP = "urn:xmpp:jingle:transports:dtls-sctp:1";
    /** Jitsi: conference request IQ, bridge-session, ice-state. */
    public static final String FOCUS = "http://jitsi.org/protocol/focus";
    /** Jitsi: ssrc-info, json-message. */
    public static final String JITMEET = "http://jitsi.org/jitmeet";
    /** Jitsi COLIBRI (1): web-socket inside an ICE-UDP transport, the bridges' stats. */
    public static final String COLIBRI = "http://jitsi.org/protocol/colibri";
    /** COLIBRI2. */
    public static final String COLIBRI2 = "jitsi:colibri2";
    /** RFC 6120 stanza error conditions. */
    public static final String STANZAS = "urn:ietf:params:xml:ns:xmpp-stanzas";
}
