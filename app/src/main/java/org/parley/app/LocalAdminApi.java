package org.parley.app;

import java.io.IOException;
import java.net.ConnectException;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import org.parley.http.admin.AdminConfig;
import org.parley.http.admin.Json;
import org.xmpp.packet.JID;

/**
 * The admin API of the server running on this machine with the same configuration, as the account commands reach
 * it: {@code deluser} asks it to end the deleted account's open sessions.
 */
final class LocalAdminApi {
    private final AdminConfig admin;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    LocalAdminApi(AdminConfig admin) {
        this.admin = admin;
    }

    /** Whether the configuration opens the API (the admin listener on, with a token). */
    boolean available() {
        return admin.enabled() && admin.apiEnabled();
    }

    /**
     * Ends every session of {@code account} on the running server; the number ended, or -1 when no server listens on
     * the admin port (none runs: there is nothing to end).
     */
    int disconnect(JID account) throws IOException, InterruptedException {
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://" + host() + ":" + admin.port() + "/api/sessions/disconnect"))
                .timeout(Duration.ofSeconds(10))
                .header("Authorization", "Bearer " + admin.token())
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(Json.write(Map.of("jid", account.toBareJID()))))
                .build();
        HttpResponse<String> response;
        try {
            response = http.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (ConnectException | HttpConnectTimeoutException notRunning) {
            return -1;
        }
        if (response.statusCode() != 200) {
            throw new IOException("the admin API answered " + response.statusCode() + ": " + response.body());
        }
        Object ended = Json.parseObject(response.body()).get("disconnected");
        if (!(ended instanceof Long n)) throw new IOException("unexpected answer from the admin API: " + response.body());
        return n.intValue();
    }

    /** The listener's address, or loopback when it listens on every address. */
    private String host() throws IOException {
        InetAddress address = InetAddress.getByName(admin.bind());
        if (address.isAnyLocalAddress()) address = InetAddress.getLoopbackAddress();
        return address instanceof Inet6Address ? "[" + address.getHostAddress() + "]" : address.getHostAddress();
    }
}
