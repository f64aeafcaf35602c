package org.parley.xmpp.sasl;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import org.parley.storage.ScramCredential;
import org.parley.xmpp.sasl.SaslStep.Challenge;
import org.parley.xmpp.sasl.SaslStep.Failure;
import org.parley.xmpp.sasl.SaslStep.Success;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * RFC 4616 PLAIN, verified against the stored SCRAM credential: the password is run through the same
 * derivation and StoredKey compared, so no plain or reversible password needs to be kept.
 */
final class PlainMechanism implements SaslNegotiation {
    private static final Logger log = LoggerFactory.getLogger(PlainMechanism.class);

    private static final int MAX_MESSAGE_LENGTH = 4096;

    private final SaslContext ctx;
    private boolean challenged;
    private boolean done;

    PlainMechanism(SaslContext ctx) {
        this.ctx = ctx;
    }

    @Override
    public CompletableFuture<SaslStep> evaluate(byte[] response) {
        synchronized (this) {
            if (done) return CompletableFuture.completedFuture(new Failure(SaslCondition.MALFORMED_REQUEST, "unexpected response"));
            if (response == null && !challenged) {
                challenged = true;
                return CompletableFuture.completedFuture(new Challenge(new byte[0]));
            }
            done = true;
        }
        try {
            return verify(response);
        } catch (ScramMechanism.Malformed e) {
            return CompletableFuture.completedFuture(new Failure(SaslCondition.MALFORMED_REQUEST, e.getMessage()));
        }
    }

    private CompletableFuture<SaslStep> verify(byte[] response) {
        if (response == null) throw new ScramMechanism.Malformed("missing response");
        String msg = SaslMechanisms.utf8(response, MAX_MESSAGE_LENGTH);
        int n1 = msg.indexOf('\0');
        int n2 = n1 < 0 ? -1 : msg.indexOf('\0', n1 + 1);
        if (n2 < 0 || msg.indexOf('\0', n2 + 1) >= 0) throw new ScramMechanism.Malformed("expected authzid NUL authcid NUL passwd");
        String authzid = msg.substring(0, n1);
        String authcid = msg.substring(n1 + 1, n2);
        String password = msg.substring(n2 + 1);

        String username;
        try {
            username = Saslprep.username(authcid);
        } catch (IllegalArgumentException e) {
            return CompletableFuture.completedFuture(new Failure(SaslCondition.NOT_AUTHORIZED, null));
        }
        if (!authzid.isEmpty() && !SaslMechanisms.authzidMatches(authzid, username, ctx.domain())) {
            return CompletableFuture.completedFuture(new Failure(SaslCondition.INVALID_AUTHZID, null));
        }
        CompletableFuture<Optional<ScramCredential>> lookup;
        try {
            lookup = lookup(username);
        } catch (RuntimeException e) {
            log.warn("Credential lookup for PLAIN failed", e);
            return CompletableFuture.completedFuture(new Failure(SaslCondition.TEMPORARY_AUTH_FAILURE, null));
        }
        // The key derivation costs thousands of HMACs; keep it off the I/O thread that may have completed the lookup.
        CompletableFuture<SaslStep> result = new CompletableFuture<>();
        lookup.whenComplete((found, error) -> {
            if (error != null) {
                log.warn("Credential lookup for PLAIN failed", error);
                result.complete(new Failure(SaslCondition.TEMPORARY_AUTH_FAILURE, null));
                return;
            }
            ctx.keyDerivation().supply(() -> check(username, password, found == null ? Optional.empty() : found))
                    .whenComplete((r, busy) -> result.complete(busy == null ? r : new Failure(SaslCondition.TEMPORARY_AUTH_FAILURE, null)));
        });
        return result;
    }

    private CompletableFuture<Optional<ScramCredential>> lookup(String username) {
        CompletableFuture<Optional<ScramCredential>> first =
                ctx.credentials().credential(username, ScramCredentials.SCRAM_SHA_256);
        if (first == null) throw new IllegalStateException("credential source returned null");
        return first.thenCompose(found -> {
            if (found != null && found.isPresent()) return CompletableFuture.completedFuture(found);
            CompletableFuture<Optional<ScramCredential>> second =
                    ctx.credentials().credential(username, ScramCredentials.SCRAM_SHA_1);
            if (second == null) throw new IllegalStateException("credential source returned null");
            return second;
        });
    }

    private SaslStep check(String username, String password, Optional<ScramCredential> found) {
        ScramCredential stored = found.filter(c -> ScramCredentials.Algorithm.of(c.mechanism()) != null).orElse(null);
        boolean decoy = stored == null;
        // Unknown users pay the same derivation cost, so response timing does not reveal which accounts exist.
        ScramCredential target = decoy ? DecoyCredentials.forUser(ScramCredentials.SCRAM_SHA_256, username) : stored;
        ScramCredential derived;
        try {
            derived = ScramCredentials.derive(target.mechanism(), password, target.salt(), target.iterations());
        } catch (IllegalArgumentException e) {
            return new Failure(SaslCondition.NOT_AUTHORIZED, null);
        }
        boolean match = MessageDigest.isEqual(derived.storedKey(), target.storedKey());
        if (!match || decoy) return new Failure(SaslCondition.NOT_AUTHORIZED, null);
        return new Success(username, false, null);
    }
}
