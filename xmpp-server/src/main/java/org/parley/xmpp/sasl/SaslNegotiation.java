package org.parley.xmpp.sasl;

import java.util.concurrent.CompletableFuture;

/**
 * One running SASL exchange. Callers must wait for each future before sending the next response.
 */
public interface SaslNegotiation {
    /**
     * @param response the decoded client payload, or null when the client sent no initial response
     * @return the next step; may complete on any thread and never completes exceptionally
     */
    CompletableFuture<SaslStep> evaluate(byte[] response);
}
