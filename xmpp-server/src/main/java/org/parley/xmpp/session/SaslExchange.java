package org.parley.xmpp.session;

import java.net.InetAddress;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.dom4j.Element;
import org.parley.xmpp.sasl.SaslCondition;
import org.parley.xmpp.sasl.SaslContext;
import org.parley.xmpp.sasl.SaslMechanisms;
import org.parley.xmpp.sasl.SaslNegotiation;
import org.parley.xmpp.sasl.SaslStep;
import org.parley.xmpp.server.ServerContext;
import org.parley.xmpp.stream.StreamErrorCondition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The SASL part of negotiation (RFC 6120 section 6): {@code <auth/>}, challenges and responses,
 * {@code <abort/>}, success or failure. Mechanism logic lives in {@code org.parley.xmpp.sasl}; this class
 * is the XML and the policy: failures answered after a delay that grows per address, and the stream
 * closed after {@value #MAX_FAILURES} failures. Refusals of how a client negotiates (a channel binding type this
 * connection lacks, a downgrade signal) are answered at once and counted apart, up to
 * {@value #MAX_NEGOTIATION_FAILURES}: a client that tries SCRAM-*-PLUS with a type of its own and then falls back
 * must still have its full share of password attempts on the same stream.
 */
final class SaslExchange {
    private static final Logger log = LoggerFactory.getLogger(SaslExchange.class);
    static final int MAX_FAILURES = 3;
    /** Bounds a client cycling through -PLUS types and gs2 flags; a real one needs at most one per mechanism. */
    static final int MAX_NEGOTIATION_FAILURES = 6;
    private static final int MAX_SASL_TEXT = 16 * 1024;
    private static final byte[] INVALID = new byte[0];

    private final ClientSession session;
    private final ServerContext server;
    private SaslNegotiation negotiation;
    private boolean waiting;
    private int failures;
    private int negotiationFailures;

    SaslExchange(ClientSession session, ServerContext server) {
        this.session = session;
        this.server = server;
    }

    List<String> offered() {
        var host = session.host();
        Transport t = session.transport();
        if (host.token() != null) {
            // A token host has no accounts: the token is the PLAIN password, or comes in the URL with ANONYMOUS.
            return t.secure() ? List.of(SaslMechanisms.PLAIN, SaslMechanisms.ANONYMOUS) : List.of(SaslMechanisms.ANONYMOUS);
        }
        return SaslMechanisms.offered(host.saslMechanisms(), t.secure(), !t.channelBindings().isEmpty(), host.anonymous());
    }

    void onElement(Element e) {
        if (waiting) {
            // The client may not pipeline SASL steps; a second message before our answer is a protocol error.
            session.fail(StreamErrorCondition.POLICY_VIOLATION, "SASL step sent before the previous one was answered");
            return;
        }
        switch (e.getName()) {
            case "auth" -> start(e);
            case "response" -> {
                if (negotiation == null) {
                    failure(SaslCondition.MALFORMED_REQUEST, null, false);
                    return;
                }
                byte[] data = decode(e);
                if (data == INVALID) failure(SaslCondition.INCORRECT_ENCODING, null, false);
                else evaluate(data);
            }
            case "abort" -> {
                negotiation = null;
                session.sendRaw(failureXml(SaslCondition.ABORTED, null));
            }
            default -> session.fail(StreamErrorCondition.UNSUPPORTED_STANZA_TYPE, "Unknown SASL element");
        }
    }

    private void start(Element auth) {
        if (negotiation != null) {
            failure(SaslCondition.MALFORMED_REQUEST, "An exchange is already under way", false);
            return;
        }
        String mechanism = auth.attributeValue("mechanism");
        var host = session.host();
        Transport t = session.transport();
        List<String> offered = offered();
        if (host.token() != null) {
            tokenLogin(mechanism, offered, auth);
            return;
        }
        Optional<SaslNegotiation> started = mechanism == null ? Optional.empty() : SaslMechanisms.start(mechanism, offered,
                new SaslContext(host.domain(),
                        (user, family) -> server.storage().accounts().credential(host.domain(), user, family),
                        t.secure(), t.channelBindings(), server.keyDerivation()));
        if (started.isEmpty()) {
            failure(SaslCondition.INVALID_MECHANISM, null, false);
            return;
        }
        negotiation = started.get();
        if (auth.getTextTrim().isEmpty()) {
            evaluate(null);
            return;
        }
        byte[] data = decode(auth);
        if (data == INVALID) failure(SaslCondition.INCORRECT_ENCODING, null, false);
        else evaluate(data);
    }

    /** The decoded payload; {@link #INVALID} when it is not base64 or too long. */
    private static byte[] decode(Element e) {
        String text = e.getTextTrim();
        if (text.length() > MAX_SASL_TEXT) return INVALID;
        if (text.isEmpty() || text.equals("=")) return new byte[0];
        try {
            return Base64.getDecoder().decode(text);
        } catch (IllegalArgumentException bad) {
            return INVALID;
        }
    }

    private void evaluate(byte[] response) {
        waiting = true;
        negotiation.evaluate(response).whenComplete((step, error) -> session.executor().execute(() -> {
            waiting = false;
            if (error != null) {
                log.warn("SASL evaluation failed for {}", session, error);
                failure(SaslCondition.TEMPORARY_AUTH_FAILURE, null, false);
            } else if (step instanceof SaslStep.Challenge c) {
                session.sendRaw("<challenge xmlns='" + StreamFeatures.SASL_NS + "'>" + encode(c.data()) + "</challenge>");
            } else if (step instanceof SaslStep.Success s) {
                negotiation = null;
                InetAddress address = session.transport().remoteAddress().getAddress();
                server.authThrottle().recordSuccess(address);
                session.sendRaw("<success xmlns='" + StreamFeatures.SASL_NS + "'>"
                        + (s.additionalData() == null ? "" : encode(s.additionalData())) + "</success>");
                session.authenticated(s.username(), s.anonymous());
            } else if (step instanceof SaslStep.Failure f && !f.passwordAttempt()) {
                negotiationFailure(f.condition(), f.text());
            } else if (step instanceof SaslStep.Failure f) {
                failure(f.condition(), f.text(), true);
            }
        }));
    }

    /**
     * Jitsi token authentication: PLAIN carries the token as its password (the authcid becomes the username), ANONYMOUS
     * takes it from the WebSocket/BOSH URL; without one, ANONYMOUS is a guest login when the host allows empty tokens.
     * Token users are ephemeral, like anonymous ones (no roster or offline storage).
     */
    private void tokenLogin(String mechanism, List<String> offered, Element auth) {
        if (mechanism == null || !offered.contains(mechanism)) {
            failure(SaslCondition.INVALID_MECHANISM, null, false);
            return;
        }
        String token;
        String username = null;
        if (mechanism.equals(org.parley.xmpp.sasl.SaslMechanisms.PLAIN)) {
            byte[] data = decode(auth);
            if (data == INVALID || data.length == 0) {
                failure(data == INVALID ? SaslCondition.INCORRECT_ENCODING : SaslCondition.MALFORMED_REQUEST, null, false);
                return;
            }
            String[] parts = new String(data, java.nio.charset.StandardCharsets.UTF_8).split("\u0000", -1);
            if (parts.length != 3) {
                failure(SaslCondition.MALFORMED_REQUEST, null, false);
                return;
            }
            token = parts[2];
            try {
                username = parts[1].isEmpty() ? null : org.parley.xmpp.jid.JidPrep.nodeprep(parts[1]);
            } catch (IllegalArgumentException e) {
                username = null;
            }
        } else {
            token = session.transport().authToken();
        }
        org.parley.xmpp.token.TokenIdentity identity = null;
        if (token == null || token.isEmpty()) {
            if (!mechanism.equals(org.parley.xmpp.sasl.SaslMechanisms.ANONYMOUS) || !session.host().token().allowEmpty()) {
                failure(SaslCondition.NOT_AUTHORIZED, "A token is required", true);
                return;
            }
        } else {
            try {
                identity = server.tokens(session.host()).verify(token);
            } catch (org.parley.xmpp.token.TokenVerifier.InvalidToken e) {
                log.info("token refused from {}: {}", session.transport().remoteAddress().getAddress().getHostAddress(), e.getMessage());
                failure(SaslCondition.NOT_AUTHORIZED, "Token refused: " + e.getMessage(), true);
                return;
            }
        }
        server.authThrottle().recordSuccess(session.transport().remoteAddress().getAddress());
        session.token(identity);
        session.sendRaw("<success xmlns='" + StreamFeatures.SASL_NS + "'/>");
        session.authenticated(username != null ? username : java.util.UUID.randomUUID().toString(), true);
    }

    private void failure(SaslCondition condition, String text, boolean credentialsFailure) {
        negotiation = null;
        failures++;
        Duration delay = Duration.ZERO;
        if (credentialsFailure) {
            InetAddress address = session.transport().remoteAddress().getAddress();
            server.authThrottle().recordFailure(address);
            server.metrics().limitHit(org.parley.xmpp.metrics.ServerMetrics.Limit.SASL_FAILURES);
            delay = server.authThrottle().delay(address);
            log.info("authentication failure from {} ({})", address.getHostAddress(), condition.xmlName());
        }
        String xml = failureXml(condition, text);
        boolean last = failures >= MAX_FAILURES;
        Runnable answer = () -> {
            session.sendRaw(xml);
            if (last) session.fail(StreamErrorCondition.POLICY_VIOLATION, "Too many authentication failures");
        };
        if (delay.isZero()) {
            answer.run();
        } else {
            waiting = true;
            session.executor().schedule(() -> {
                waiting = false;
                answer.run();
            }, delay.toMillis(), TimeUnit.MILLISECONDS);
        }
    }

    private void negotiationFailure(SaslCondition condition, String text) {
        negotiation = null;
        negotiationFailures++;
        log.debug("SASL negotiation refused for {}: {}", session, text);
        session.sendRaw(failureXml(condition, text));
        if (negotiationFailures >= MAX_NEGOTIATION_FAILURES) {
            session.fail(StreamErrorCondition.POLICY_VIOLATION, "Too many authentication failures");
        }
    }

    private static String failureXml(SaslCondition condition, String text) {
        StringBuilder sb = new StringBuilder("<failure xmlns='").append(StreamFeatures.SASL_NS).append("'><")
                .append(condition.xmlName()).append("/>");
        if (text != null && !text.isEmpty()) {
            sb.append("<text xml:lang='en'>").append(org.parley.xmpp.xml.XmlWriter.escapeText(text)).append("</text>");
        }
        return sb.append("</failure>").toString();
    }

    private static String encode(byte[] data) {
        return data.length == 0 ? "=" : Base64.getEncoder().encodeToString(data);
    }
}
