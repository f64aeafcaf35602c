package org.parley.xmpp.sasl;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;
import org.parley.storage.ScramCredential;
import org.parley.xmpp.sasl.SaslStep.Challenge;
import org.parley.xmpp.sasl.SaslStep.Failure;
import org.parley.xmpp.sasl.SaslStep.Success;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Server side of SCRAM-SHA-1/-256 and their -PLUS variants (RFC 5802, RFC 7677) with the channel binding types of
 * {@link ChannelBindings}: tls-exporter (RFC 9266) and tls-server-end-point (RFC 5929).
 */
final class ScramMechanism implements SaslNegotiation {
    private static final Logger log = LoggerFactory.getLogger(ScramMechanism.class);

    /** Real SCRAM messages are well under 1 KiB; the cap keeps parsing cheap on hostile input. */
    static final int MAX_MESSAGE_LENGTH = 8192;

    private static final SecureRandom RANDOM = new SecureRandom();

    private enum State { CLIENT_FIRST, LOOKUP, CLIENT_FINAL, DONE }

    private final ScramCredentials.Algorithm alg;
    private final boolean plus;
    /** True when the server advertised a -PLUS mechanism, which makes a client's "y" flag a sign of downgrade. */
    private final boolean serverOffersBinding;
    private final SaslContext ctx;
    private final Supplier<String> nonceSuffix;

    private State state = State.CLIENT_FIRST;
    private String gs2Header;
    /** The channel binding data the client named in its gs2 header (-PLUS only). */
    private byte[] binding;
    private String clientFirstBare;
    private String serverFirst;
    private String nonce;
    private String username;
    private ScramCredential credential;
    private boolean decoy;

    ScramMechanism(ScramCredentials.Algorithm alg, boolean plus, boolean serverOffersBinding, SaslContext ctx,
                   Supplier<String> nonceSuffix) {
        this.alg = alg;
        this.plus = plus;
        this.serverOffersBinding = serverOffersBinding;
        this.ctx = ctx;
        this.nonceSuffix = nonceSuffix == null ? ScramMechanism::randomNonce : nonceSuffix;
    }

    static String randomNonce() {
        byte[] b = new byte[24];
        RANDOM.nextBytes(b);
        return Base64.getEncoder().encodeToString(b);
    }

    @Override
    public CompletableFuture<SaslStep> evaluate(byte[] response) {
        State current;
        synchronized (this) {
            current = state;
            if (current == State.CLIENT_FIRST) {
                if (response == null) return CompletableFuture.completedFuture(new Challenge(new byte[0]));
                state = State.LOOKUP;
            } else if (current == State.CLIENT_FINAL) {
                state = State.DONE;
            } else {
                state = State.DONE;
                return done(new Failure(SaslCondition.MALFORMED_REQUEST, "unexpected response"));
            }
        }
        try {
            if (current == State.CLIENT_FIRST) return clientFirst(response);
            return done(clientFinal(response));
        } catch (Malformed e) {
            return done(new Failure(SaslCondition.MALFORMED_REQUEST, e.getMessage()));
        } catch (RuntimeException e) {
            log.warn("SCRAM evaluation failed", e);
            return done(new Failure(SaslCondition.TEMPORARY_AUTH_FAILURE, null));
        }
    }

    private CompletableFuture<SaslStep> done(SaslStep step) {
        synchronized (this) { state = State.DONE; }
        return CompletableFuture.completedFuture(step);
    }

    private CompletableFuture<SaslStep> clientFirst(byte[] response) {
        String msg = SaslMechanisms.utf8(response, MAX_MESSAGE_LENGTH);
        int c1 = msg.indexOf(',');
        int c2 = c1 < 0 ? -1 : msg.indexOf(',', c1 + 1);
        if (c2 < 0) throw new Malformed("missing GS2 header");
        String cbFlag = msg.substring(0, c1);
        String authzPart = msg.substring(c1 + 1, c2);
        gs2Header = msg.substring(0, c2 + 1);
        clientFirstBare = msg.substring(c2 + 1);

        if (cbFlag.startsWith("p=")) {
            if (!plus) throw new Malformed("channel binding requested with a non-PLUS mechanism");
            String type = cbFlag.substring(2);
            if (!isCbName(type)) throw new Malformed("invalid channel binding type name");
            binding = ctx.channelBindings().data(type);
            if (binding == null) {
                // Answered before any account is looked up: the client learns nothing but what XEP-0440 already
                // told it, and can go on to its next mechanism on this stream (tls-unique on TLS 1.3 is common).
                return done(Failure.negotiation(SaslCondition.MALFORMED_REQUEST, "Unsupported channel binding type; "
                        + "this connection supports " + String.join(", ", ctx.channelBindings().types())));
            }
        } else if (cbFlag.equals("n") || cbFlag.equals("y")) {
            if (plus) throw new Malformed("PLUS mechanism requires channel binding");
            if (cbFlag.equals("y") && serverOffersBinding) {
                // RFC 5802 section 6: the client believes we lack channel binding, so something may have stripped
                // -PLUS. A client that saw -PLUS and merely lacks our types must say "n" (or use PLAIN).
                return done(Failure.negotiation(SaslCondition.NOT_AUTHORIZED, "Channel binding downgrade detected"));
            }
        } else {
            throw new Malformed("invalid channel binding flag");
        }

        String authzid = null;
        if (!authzPart.isEmpty()) {
            if (!authzPart.startsWith("a=")) throw new Malformed("invalid authzid");
            authzid = decodeSaslName(authzPart.substring(2));
        }

        String[] attrs = clientFirstBare.split(",", -1);
        if (attrs.length < 2) throw new Malformed("incomplete client-first-message");
        if (attrs[0].startsWith("m=")) throw new Malformed("unsupported mandatory extension");
        if (!attrs[0].startsWith("n=")) throw new Malformed("missing username");
        if (!attrs[1].startsWith("r=")) throw new Malformed("missing nonce");
        for (int i = 2; i < attrs.length; i++) checkExtension(attrs[i]);
        String clientNonce = attrs[1].substring(2);
        checkNonce(clientNonce);

        String rawUser = decodeSaslName(attrs[0].substring(2));
        try {
            username = Saslprep.username(rawUser);
        } catch (IllegalArgumentException e) {
            return done(new Failure(SaslCondition.NOT_AUTHORIZED, null));
        }
        if (authzid != null && !SaslMechanisms.authzidMatches(authzid, username, ctx.domain())) {
            return done(new Failure(SaslCondition.INVALID_AUTHZID, null));
        }
        String suffix = nonceSuffix.get();
        nonce = clientNonce + suffix;
        checkNonce(suffix);

        CompletableFuture<Optional<ScramCredential>> lookup;
        try {
            lookup = ctx.credentials().credential(username, alg.family);
            if (lookup == null) throw new IllegalStateException("credential source returned null");
        } catch (RuntimeException e) {
            log.warn("Credential lookup for SCRAM failed", e);
            return done(new Failure(SaslCondition.TEMPORARY_AUTH_FAILURE, null));
        }
        return lookup.handle((found, error) -> {
            if (error != null) {
                log.warn("Credential lookup for SCRAM failed", error);
                synchronized (this) { state = State.DONE; }
                return new Failure(SaslCondition.TEMPORARY_AUTH_FAILURE, null);
            }
            ScramCredential cred = found == null ? null : found.filter(c -> c.mechanism().equals(alg.family)).orElse(null);
            synchronized (this) {
                // A response that arrived while the lookup was running has already failed the exchange.
                if (state != State.LOOKUP) return new Failure(SaslCondition.MALFORMED_REQUEST, "unexpected response");
                decoy = cred == null;
                credential = decoy ? DecoyCredentials.forUser(alg.family, username) : cred;
                serverFirst = "r=" + nonce + ",s=" + Base64.getEncoder().encodeToString(credential.salt())
                        + ",i=" + credential.iterations();
                state = State.CLIENT_FINAL;
                return new Challenge(serverFirst.getBytes(StandardCharsets.UTF_8));
            }
        });
    }

    private synchronized SaslStep clientFinal(byte[] response) {
        if (response == null) throw new Malformed("missing client-final-message");
        String msg = SaslMechanisms.utf8(response, MAX_MESSAGE_LENGTH);
        int p = msg.lastIndexOf(",p=");
        if (p < 0) throw new Malformed("missing proof");
        String withoutProof = msg.substring(0, p);
        byte[] proof = base64(msg.substring(p + 3));
        String[] attrs = withoutProof.split(",", -1);
        if (attrs.length < 2 || !attrs[0].startsWith("c=") || !attrs[1].startsWith("r=")) {
            throw new Malformed("invalid client-final-message");
        }
        for (int i = 2; i < attrs.length; i++) checkExtension(attrs[i]);
        if (proof.length != alg.length) throw new Malformed("invalid proof length");

        byte[] cbind = base64(attrs[0].substring(2));
        byte[] header = gs2Header.getBytes(StandardCharsets.UTF_8);
        byte[] expected = header;
        if (plus) {
            expected = new byte[header.length + binding.length];
            System.arraycopy(header, 0, expected, 0, header.length);
            System.arraycopy(binding, 0, expected, header.length, binding.length);
        }
        if (!MessageDigest.isEqual(cbind, expected)) {
            return new Failure(SaslCondition.NOT_AUTHORIZED, "channel binding mismatch");
        }
        if (!attrs[1].substring(2).equals(nonce)) return new Failure(SaslCondition.NOT_AUTHORIZED, "nonce mismatch");

        byte[] authMessage = (clientFirstBare + "," + serverFirst + "," + withoutProof).getBytes(StandardCharsets.UTF_8);
        byte[] storedKey = credential.storedKey();
        byte[] clientSignature = alg.hmac(storedKey, authMessage);
        byte[] clientKey = new byte[proof.length];
        for (int i = 0; i < proof.length; i++) clientKey[i] = (byte) (proof[i] ^ clientSignature[i]);
        boolean match = MessageDigest.isEqual(alg.hash(clientKey), storedKey);
        if (!match || decoy) return new Failure(SaslCondition.NOT_AUTHORIZED, null);

        byte[] serverSignature = alg.hmac(credential.serverKey(), authMessage);
        String serverFinal = "v=" + Base64.getEncoder().encodeToString(serverSignature);
        return new Success(username, false, serverFinal.getBytes(StandardCharsets.US_ASCII));
    }

    /** RFC 5802 saslname: "," and "=" travel as "=2C" and "=3D"; any other "=" is malformed. */
    static String decodeSaslName(String s) {
        StringBuilder out = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char ch = s.charAt(i);
            if (ch != '=') {
                out.append(ch);
            } else if (s.startsWith("=2C", i) || s.startsWith("=2c", i)) {
                out.append(',');
                i += 2;
            } else if (s.startsWith("=3D", i) || s.startsWith("=3d", i)) {
                out.append('=');
                i += 2;
            } else {
                throw new Malformed("invalid escape in saslname");
            }
        }
        return out.toString();
    }

    /** RFC 5056 section 7: cb-name = 1*(ALPHA / DIGIT / "." / "-"). */
    private static boolean isCbName(String s) {
        if (s.isEmpty() || s.length() > 64) return false;
        for (int i = 0; i < s.length(); i++) {
            char ch = s.charAt(i);
            boolean ok = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') || ch == '.' || ch == '-';
            if (!ok) return false;
        }
        return true;
    }

    private static void checkNonce(String n) {
        if (n.isEmpty()) throw new Malformed("empty nonce");
        for (int i = 0; i < n.length(); i++) {
            char ch = n.charAt(i);
            if (ch < 0x21 || ch > 0x7E || ch == ',') throw new Malformed("invalid nonce character");
        }
    }

    private static void checkExtension(String attr) {
        if (attr.length() < 2 || attr.charAt(1) != '=' || !Character.isLetter(attr.charAt(0))) {
            throw new Malformed("invalid attribute");
        }
    }

    private static byte[] base64(String s) {
        try {
            return Base64.getDecoder().decode(s);
        } catch (IllegalArgumentException e) {
            throw new Malformed("invalid base64");
        }
    }

    /** Internal signal for a syntactically broken message; becomes MALFORMED_REQUEST. */
    static final class Malformed extends RuntimeException {
        Malformed(String message) { super(message, null, false, false); }
    }
}
