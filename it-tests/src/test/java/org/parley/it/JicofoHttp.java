package org.parley.it;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import org.parley.http.admin.Json;

/** Jicofo's REST port as the web app (through nginx) and health checks call it. */
final class JicofoHttp {
    private static final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final int port;

    JicofoHttp(int port) {
        this.port = port;
    }

    /**
     * {@code POST /conference-request/v1} as lib-jitsi-meet's moderator sends it: JSON {room, machineUid, properties}
     * with the token, when there is one, as {@code Authorization: Bearer}.
     */
    HttpResponse<String> conferenceRequest(String room, String token) throws Exception {
        return post("/conference-request/v1", "{\"machineUid\":\"web-machine\",\"properties\":{\"rtcstatsEnabled\":false,"
                + "\"visitors-version\":1},\"room\":\"" + room + "\"}", token);
    }

    HttpResponse<String> post(String path, String body, String token) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .timeout(Duration.ofSeconds(20))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body));
        if (token != null) b.header("Authorization", "Bearer " + token);
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    HttpResponse<String> get(String path) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).timeout(Duration.ofSeconds(10))
                .GET().build(), HttpResponse.BodyHandlers.ofString());
    }

    /** A JSON object answer. */
    static Map<String, Object> json(HttpResponse<String> r) {
        return Json.parseObject(r.body());
    }
}
