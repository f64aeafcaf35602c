package org.parley.xmpp.session;

import java.util.List;

/** Builds the {@code <stream:features/>} a client sees at each stage of negotiation. */
final class StreamFeatures {
    static final String TLS_NS = "urn:ietf:params:xml:ns:xmpp-tls";
    static final String SASL_NS = "urn:ietf:params:xml:ns:xmpp-sasl";
    static final String BIND_NS = "urn:ietf:params:xml:ns:xmpp-bind";
    static final String SESSION_NS = "urn:ietf:params:xml:ns:xmpp-session";
    static final String REGISTER_FEATURE_NS = "http://jabber.org/features/iq-register";
    /** XEP-0440: which channel binding types SCRAM-*-PLUS accepts on this connection. */
    static final String SASL_CB_NS = "urn:xmpp:sasl-cb:0";

    /** Declares its prefix itself: on WebSocket and BOSH there is no stream header to inherit it from. */
    private static final String OPEN = "<stream:features xmlns:stream='http://etherx.jabber.org/streams'>";

    private StreamFeatures() {}

    /**
     * @param channelBindingTypes advertised (XEP-0440) whenever a -PLUS mechanism is offered, so a client need not
     *     guess a type (and guess tls-unique, which TLS 1.3 lacks)
     */
    static String beforeAuth(boolean offerStartTls, boolean tlsRequired, List<String> mechanisms,
                             List<String> channelBindingTypes, boolean offerRegister) {
        StringBuilder sb = new StringBuilder(256).append(OPEN);
        if (offerStartTls) {
            sb.append("<starttls xmlns='").append(TLS_NS).append("'>");
            if (tlsRequired) sb.append("<required/>");
            sb.append("</starttls>");
        }
        if (!mechanisms.isEmpty()) {
            sb.append("<mechanisms xmlns='").append(SASL_NS).append("'>");
            for (String m : mechanisms) sb.append("<mechanism>").append(m).append("</mechanism>");
            sb.append("</mechanisms>");
            if (!channelBindingTypes.isEmpty() && mechanisms.stream().anyMatch(m -> m.endsWith("-PLUS"))) {
                sb.append("<sasl-channel-binding xmlns='").append(SASL_CB_NS).append("'>");
                for (String t : channelBindingTypes) sb.append("<channel-binding type='").append(t).append("'/>");
                sb.append("</sasl-channel-binding>");
            }
        }
        if (offerRegister) sb.append("<register xmlns='").append(REGISTER_FEATURE_NS).append("'/>");
        return sb.append("</stream:features>").toString();
    }

    static String afterAuth(List<String> extra) {
        StringBuilder sb = new StringBuilder(256).append(OPEN)
                .append("<bind xmlns='").append(BIND_NS).append("'/>")
                .append("<session xmlns='").append(SESSION_NS).append("'><optional/></session>");
        for (String e : extra) sb.append(e);
        return sb.append("</stream:features>").toString();
    }
}
