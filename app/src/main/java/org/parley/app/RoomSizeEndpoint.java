package org.parley.app;

import io.netty.handler.codec.http.QueryStringDecoder;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.parley.http.HttpEndpoint;
import org.parley.muc.MucService;

/**
 * Jitsi's room size lookups, as Prosody's mod_muc_size answers them: {@code GET /room-size?room=NAME&domain=HOST}
 * gives {@code {"participants":N}} and {@code GET /room?room=NAME&domain=HOST} the occupants; an unknown room
 * is 404. {@code domain} may be left out for the first host.
 */
final class RoomSizeEndpoint implements HttpEndpoint {
    private final MucService muc;
    private final String defaultHost;

    RoomSizeEndpoint(MucService muc, String defaultHost) {
        this.muc = muc;
        this.defaultHost = defaultHost;
    }

    @Override
    public List<String> paths() {
        return List.of("/room-size", "/room");
    }

    @Override
    public CompletableFuture<Answer> answer(String path, QueryStringDecoder query) {
        String room = first(query, "room");
        if (room == null || room.isBlank()) return CompletableFuture.completedFuture(new Answer(400, "{\"error\":\"room is required\"}"));
        String domain = first(query, "domain");
        if (domain == null || domain.isBlank()) domain = defaultHost;
        return muc.roomInfo(room, domain).thenApply(info -> info
                .map(i -> new Answer(200, path.equals("/room-size") ? i.sizeJson() : i.occupantsJson()))
                .orElse(new Answer(404, "{\"error\":\"no such room\"}")));
    }

    private static String first(QueryStringDecoder query, String name) {
        List<String> values = query.parameters().get(name);
        return values == null || values.isEmpty() ? null : values.get(0);
    }
}
