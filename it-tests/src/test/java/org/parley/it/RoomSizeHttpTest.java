package org.parley.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.UUID;
import org.jivesoftware.smack.tcp.XMPPTCPConnection;
import org.jivesoftware.smackx.muc.MultiUserChat;
import org.jivesoftware.smackx.muc.MultiUserChatManager;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.jxmpp.jid.impl.JidCreate;
import org.jxmpp.jid.parts.Resourcepart;

/** Jitsi's room size lookups over the HTTP listener, as Prosody's mod_muc_size serves them. */
@ExtendWith(ParleyServer.class)
class RoomSizeHttpTest {
    private final Clients clients = new Clients();
    private final HttpClient http = HttpClient.newHttpClient();

    @AfterEach
    void close() {
        clients.close();
    }

    private HttpResponse<String> get(String pathAndQuery) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + ParleyServer.get().httpPort() + pathAndQuery))
                .GET().build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void roomSizeAndOccupantsOfALiveRoom() throws Exception {
        String name = "size-" + UUID.randomUUID().toString().substring(0, 8);
        XMPPTCPConnection alice = clients.newUser("alice", "a");
        XMPPTCPConnection bob = clients.newUser("bob", "b");
        MultiUserChat a = MultiUserChatManager.getInstanceFor(alice).getMultiUserChat(JidCreate.entityBareFrom(name + "@conference.localhost"));
        a.create(Resourcepart.from("Alice")).makeInstant();
        MultiUserChatManager.getInstanceFor(bob).getMultiUserChat(JidCreate.entityBareFrom(name + "@conference.localhost"))
                .join(Resourcepart.from("Bob"));

        HttpResponse<String> size = get("/room-size?room=" + name + "&domain=localhost");
        assertThat(size.statusCode()).isEqualTo(200);
        assertThat(size.headers().firstValue("content-type")).hasValueSatisfying(v -> assertThat(v).startsWith("application/json"));
        assertThat(size.body().replace(" ", "")).isEqualTo("{\"participants\":2}");

        HttpResponse<String> room = get("/room?room=" + name);
        assertThat(room.statusCode()).isEqualTo(200);
        assertThat(room.body()).contains("Alice").contains("Bob");
    }

    @Test
    void unknownRoomIs404AndMissingNameIs400() throws Exception {
        assertThat(get("/room-size?room=no-such-room-here").statusCode()).isEqualTo(404);
        assertThat(get("/room-size").statusCode()).isEqualTo(400);
    }
}
