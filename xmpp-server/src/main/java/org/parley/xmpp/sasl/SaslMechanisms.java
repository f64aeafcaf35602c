package org.parley.xmpp.sasl;

import java.net.IDN;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.function.Supplier;

/** Which mechanisms a stream offers, and starting one. */
public final class SaslMechanisms {
    private SaslMechanisms() {}

    public static final String SCRAM_SHA_256_PLUS = "SCRAM-SHA-256-PLUS";
    public static final String SCRAM_SHA_1_PLUS = "SCRAM-SHA-1-PLUS";
    public static final String SCRAM_SHA_256 = "SCRAM-SHA-256";
    public static final String SCRAM_SHA_1 = "SCRAM-SHA-1";
    public static final String PLAIN = "PLAIN";
    public static final String ANONYMOUS = "ANONYMOUS";

    /** Every supported mechanism, strongest first; offered() keeps this order. */
    private static final List<String> BY_STRENGTH =
            List.of(SCRAM_SHA_256_PLUS, SCRAM_SHA_1_PLUS, SCRAM_SHA_256, SCRAM_SHA_1, PLAIN, ANONYMOUS);

    /**
     * The mechanisms to advertise, strongest first. Unknown configured names are dropped; PLAIN needs a secure
     * stream (it sends the password), -PLUS needs channel binding data of some type, ANONYMOUS is governed by
     * {@code anonymousAllowed} alone.
     */
    public static List<String> offered(List<String> configured, boolean secure, boolean channelBinding,
                                       boolean anonymousAllowed) {
        List<String> wanted = configured.stream().map(s -> s.trim().toUpperCase(Locale.ROOT)).toList();
        List<String> result = new ArrayList<>();
        for (String mech : BY_STRENGTH) {
            boolean keep = switch (mech) {
                case ANONYMOUS -> anonymousAllowed;
                case PLAIN -> secure && wanted.contains(mech);
                case SCRAM_SHA_256_PLUS, SCRAM_SHA_1_PLUS -> channelBinding && wanted.contains(mech);
                default -> wanted.contains(mech);
            };
            if (keep) result.add(mech);
        }
        return List.copyOf(result);
    }

    /** Starts {@code mechanism}; empty when it was not offered (or is unknown), i.e. invalid-mechanism. */
    public static Optional<SaslNegotiation> start(String mechanism, List<String> offered, SaslContext ctx) {
        return start(mechanism, offered, ctx, null);
    }

    /** Test hook: {@code nonceSuffix} fixes the server part of the SCRAM nonce. */
    static Optional<SaslNegotiation> start(String mechanism, List<String> offered, SaslContext ctx,
                                           Supplier<String> nonceSuffix) {
        if (mechanism == null || !offered.contains(mechanism)) return Optional.empty();
        boolean offersBinding = offered.contains(SCRAM_SHA_256_PLUS) || offered.contains(SCRAM_SHA_1_PLUS);
        return Optional.ofNullable(switch (mechanism) {
            case SCRAM_SHA_256_PLUS -> ctx.channelBindings().isEmpty() ? null
                    : new ScramMechanism(ScramCredentials.Algorithm.SHA_256, true, true, ctx, nonceSuffix);
            case SCRAM_SHA_1_PLUS -> ctx.channelBindings().isEmpty() ? null
                    : new ScramMechanism(ScramCredentials.Algorithm.SHA_1, true, true, ctx, nonceSuffix);
            case SCRAM_SHA_256 -> new ScramMechanism(ScramCredentials.Algorithm.SHA_256, false, offersBinding, ctx, nonceSuffix);
            case SCRAM_SHA_1 -> new ScramMechanism(ScramCredentials.Algorithm.SHA_1, false, offersBinding, ctx, nonceSuffix);
            case PLAIN -> ctx.secure() ? new PlainMechanism(ctx) : null; // never a password in the clear
            case ANONYMOUS -> new AnonymousMechanism();
            default -> null;
        });
    }

    /** Strict UTF-8 decoding; broken encodings and oversize payloads are malformed requests. */
    static String utf8(byte[] data, int maxLength) {
        if (data.length > maxLength) throw new ScramMechanism.Malformed("message too long");
        try {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(data)).toString();
        } catch (CharacterCodingException e) {
            throw new ScramMechanism.Malformed("invalid UTF-8");
        }
    }

    /**
     * An authorization identity is only accepted when it names the authenticated account itself (bare JID);
     * acting as someone else is not supported.
     */
    static boolean authzidMatches(String authzid, String username, String domain) {
        int at = authzid.indexOf('@');
        if (at <= 0 || authzid.indexOf('/') >= 0) return false;
        String local;
        try {
            local = Saslprep.username(authzid.substring(0, at));
        } catch (IllegalArgumentException e) {
            return false;
        }
        return local.equals(username) && sameDomain(authzid.substring(at + 1), domain);
    }

    private static boolean sameDomain(String a, String b) {
        try {
            return normalizeDomain(a).equals(normalizeDomain(b));
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    private static String normalizeDomain(String d) {
        String s = d.endsWith(".") ? d.substring(0, d.length() - 1) : d;
        return IDN.toASCII(s, IDN.ALLOW_UNASSIGNED).toLowerCase(Locale.ROOT);
    }
}
