package org.parley.xmpp.sasl;

import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import org.parley.xmpp.sasl.SaslStep.Failure;
import org.parley.xmpp.sasl.SaslStep.Success;

/**
 * RFC 4505 ANONYMOUS: the optional trace token is ignored, the client gets a throw-away local part. A missing
 * initial response counts as an empty trace rather than earning an empty challenge: strophe.js, which
 * lib-jitsi-meet uses, sends a bare {@code <auth mechanism='ANONYMOUS'/>} and cannot answer a challenge
 * (Prosody succeeds at once too).
 */
final class AnonymousMechanism implements SaslNegotiation {
    private boolean done;

    @Override
    public synchronized CompletableFuture<SaslStep> evaluate(byte[] response) {
        if (done) return CompletableFuture.completedFuture(new Failure(SaslCondition.MALFORMED_REQUEST, "unexpected response"));
        done = true;
        return CompletableFuture.completedFuture(new Success(UUID.randomUUID().toString(), true, null));
    }
}
