package org.parley.http.admin;

import io.netty.handler.codec.http.QueryStringDecoder;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;

/**
 * A method and exact path of the admin API (behind the bearer token) with its handler, which completes a future
 * from any thread and never blocks.
 */
public record AdminRoute(String method, String path, Function<Request, CompletableFuture<Response>> handler) {

    public static AdminRoute get(String path, Function<Request, CompletableFuture<Response>> handler) {
        return new AdminRoute("GET", path, handler);
    }

    public static AdminRoute post(String path, Function<Request, CompletableFuture<Response>> handler) {
        return new AdminRoute("POST", path, handler);
    }

    /** A request: its query parameters and body (UTF-8; empty for GET). */
    public record Request(String method, String path, QueryStringDecoder query, String body) {
        public String parameter(String name) {
            List<String> v = query.parameters().get(name);
            return v == null || v.isEmpty() ? null : v.get(0);
        }
    }

    /** A status, content type and body. */
    public record Response(int status, String contentType, String body) {
        public static Response json(int status, Object value) {
            return new Response(status, "application/json; charset=utf-8", Json.write(value));
        }

        public static CompletableFuture<Response> ok(Object value) {
            return CompletableFuture.completedFuture(json(200, value));
        }
    }
}
