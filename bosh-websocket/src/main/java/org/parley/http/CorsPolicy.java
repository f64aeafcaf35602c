package org.parley.http;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Which web origins may talk to the HTTP transports. Browsers enforce it for BOSH (cross-origin XHR); for
 * WebSocket they send Origin but enforce nothing, so the server refuses unlisted origins itself.
 */
public final class CorsPolicy {
    private final boolean any;
    private final Set<String> origins;
    private final Duration maxAge;

    public CorsPolicy(List<String> allowedOrigins, Duration maxAge) {
        this.any = allowedOrigins.contains("*");
        this.origins = allowedOrigins.stream().map(o -> stripSlash(o.trim().toLowerCase(Locale.ROOT))).collect(Collectors.toUnmodifiableSet());
        this.maxAge = maxAge;
    }

    /** Requests without an Origin (non-browser clients) are always allowed. */
    public boolean allows(String origin) {
        return origin == null || any || origins.contains(stripSlash(origin.toLowerCase(Locale.ROOT)));
    }

    /** Adds the headers a response to a request from {@code origin} needs to be readable by the page. */
    public void decorate(String origin, HttpHeaders response) {
        if (origin == null || !allows(origin)) return;
        if (any) {
            response.set(HttpHeaderNames.ACCESS_CONTROL_ALLOW_ORIGIN, "*");
        } else {
            response.set(HttpHeaderNames.ACCESS_CONTROL_ALLOW_ORIGIN, origin);
            response.add(HttpHeaderNames.VARY, HttpHeaderNames.ORIGIN);
        }
    }

    /** The answer to a preflight OPTIONS request. */
    public void preflight(String origin, HttpHeaders response) {
        decorate(origin, response);
        if (origin == null || !allows(origin)) return;
        response.set(HttpHeaderNames.ACCESS_CONTROL_ALLOW_METHODS, "POST, OPTIONS");
        response.set(HttpHeaderNames.ACCESS_CONTROL_ALLOW_HEADERS, "Content-Type");
        response.set(HttpHeaderNames.ACCESS_CONTROL_MAX_AGE, Long.toString(maxAge.toSeconds()));
    }

    private static String stripSlash(String s) {
        return s.endsWith("/") ? s.substring(0, s.length() - 1) : s;
    }
}
