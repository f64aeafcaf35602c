package org.parley.xmpp.sasl;

import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import org.parley.xmpp.sasl.SaslStep.Challenge;
import org.parley.xmpp.sasl.SaslStep.Failure;
import org.parley.xmpp.sasl.SaslStep.Success;

/** RFC 4505 ANONYMOUS: the optional trace token is ignored, the client gets a throw-away local part. */
final class AnonymousMechanism implements SaslNegotiation {
    private boolean challenged;
    private boolean done;

    @Override
    public synchronized CompletableFuture<SaslStep> evaluate(byte[] response) {
        if (done) return CompletableFuture.completedFuture(new Failure(SaslCondition.MALFORMED_REQUEST, "unexpected response"));
        if (response == null && !challenged) {
            // ANONYMOUS is client-first, so without an initial response RFC 4422 asks for an empty challenge.
            challenged = true;
            return CompletableFuture.completedFuture(new Challenge(new byte[0]));
        }
        done = true;
        return CompletableFuture.completedFuture(new Success(UUID.randomUUID().toString(), true, null));
    }
}
