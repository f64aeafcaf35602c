package org.parley.http;

import io.netty.handler.codec.http.QueryStringDecoder;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * An extra GET path served by the HTTP listener, for modules this one cannot depend on (the MUC's room
 * size queries, as Prosody's mod_muc_size serves them to Jitsi). Answers must not block: they complete
 * a future, from any thread.
 */
public interface HttpEndpoint {
    /** The paths served, e.g. {@code /room-size}. */
    List<String> paths();

    CompletableFuture<Answer> answer(String path, QueryStringDecoder query);

    /** A status and a JSON body. */
    record Answer(int status, String json) {}
}
