package org.parley.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedWriter;
import java.io.OutputStreamWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.parley.testkit.FreePorts;

/**
 * A real strophe.js BOSH client (as lib-jitsi-meet uses it: no stream management on BOSH) in headless Chromium, in a
 * room with a TCP observer, across a SIGTERM restart with hand-over. strophe.js sends a failed request again with
 * the same rid (at once, then after 8 s, 27 s, ...) and gives up after five errors in a row; the restart must look to
 * it like a network hiccup: no status but CONNECTED after the login, the messages of before and after the restart
 * once each, and the observer sees the guest neither leave nor join.
 *
 * <p>Needs {@code npm ci} in {@code it-tests/browser} and {@code /usr/bin/chromium} ({@link BrowserSetup}).
 */
@ExtendWith(ParleyServer.class)
class BoshHandoverBrowserTest {
    private static final Path STROPHE = BrowserSetup.NODE_MODULES.resolve("strophe.js/dist/strophe.umd.min.js");
    private static PageServer pages;
    private final List<AutoCloseable> closing = new ArrayList<>();

    @BeforeAll
    static void servePage() throws Exception {
        BrowserSetup.require("BoshHandoverBrowserTest", STROPHE);
        pages = new PageServer(Map.of(
                "/bosh-room.html", BrowserSetup.DIR.resolve("bosh-room.html"),
                "/strophe.umd.min.js", STROPHE));
    }

    @AfterAll
    static void stopPage() {
        if (pages != null) pages.close();
    }

    @AfterEach
    void close() throws Exception {
        for (int i = closing.size() - 1; i >= 0; i--) {
            try {
                closing.get(i).close();
            } catch (Exception ignored) {
                // best effort
            }
        }
    }

    /** One running {@code bosh-restart.mjs}: commands in, its stdout lines out. */
    private static final class Driver implements AutoCloseable {
        private final Process process;
        private final BufferedWriter commands;
        private final BlockingQueue<String> lines = new LinkedBlockingQueue<>();

        Driver(String pageUrl, String service, String room, String nick) throws Exception {
            process = BrowserSetup.node("bosh-restart.mjs", pageUrl, service, room, nick);
            commands = new BufferedWriter(new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8));
            BrowserSetup.pump(process.getInputStream(), l -> {
                System.out.println("[bosh-restart.mjs] " + l);
                lines.add(l);
            }, "bosh-restart.mjs output");
            BrowserSetup.pump(process.getErrorStream(), l -> System.out.println("[bosh-restart.mjs]   " + l), "bosh-restart.mjs errors");
        }

        /** The next line the driver prints (up to {@code seconds}). */
        String next(long seconds) throws InterruptedException {
            String l = lines.poll(seconds, TimeUnit.SECONDS);
            if (l == null) throw new AssertionError("bosh-restart.mjs printed nothing in " + seconds + " s");
            return l;
        }

        String command(String line, long seconds) throws Exception {
            commands.write(line);
            commands.newLine();
            commands.flush();
            return next(seconds);
        }

        @Override
        public void close() throws Exception {
            BrowserSetup.kill(process);
        }
    }

    @Test
    void stropheOverBoshStaysInItsRoomAcrossASigtermRestart() throws Exception {
        int http = FreePorts.take(1)[0];
        ChildParley child = ChildParley.create("handover-strophe").extraConfig("""
                parley.handover.enabled = true
                parley.http.listeners.plain { enabled = true, bind = "127.0.0.1", port = %d, secure = true }
                """.formatted(http));
        closing.add(child);
        child.start();
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> ChildParley.listening(http));
        Clients clients = child.clients();
        closing.add(clients);
        clients.register("obs");
        String room = "strophe-handover@conference.localhost";
        RawClient obs = BoshHandoverTest.tcp(child, closing);
        String obsId = RestartHandoverTest.enterResumable(obs, "obs", room, "Obs");

        Driver page = new Driver(pages.url("/bosh-room.html"), "http://127.0.0.1:" + http + "/http-bind", room, "Guest");
        closing.add(page);
        assertThat(page.next(40)).startsWith("JOINED ");
        obs.await("from='" + room + "/Guest'");
        obs.send("<message to='" + room + "' type='groupchat' id='m1'><body>before the restart</body></message>");
        assertThat(page.command("EXPECT before the restart", 20)).isEqualTo("GOT before the restart");

        long sigterm = System.nanoTime();
        child.terminate();
        assertThat(obs.closedByServer()).isTrue();
        assertThat(obs.rest()).doesNotContain("type='unavailable'");
        child.start();
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> ChildParley.listening(http));
        RawClient obs2 = BoshHandoverTest.resume(child, "obs", obsId, closing);
        String replayed = obs2.drain(500);
        obs2.send("<message to='" + room + "' type='groupchat' id='m2'><body>after the restart</body></message>");
        assertThat(page.command("EXPECT after the restart", 70)).isEqualTo("GOT after the restart");
        System.out.printf("strophe.js over BOSH: SIGTERM to the message after the restart %d ms%n",
                (System.nanoTime() - sigterm) / 1_000_000);

        assertThat(page.command("SAY still here", 10)).isEqualTo("SAID");
        String heard = obs2.await("<body>still here</body>");
        assertThat(heard).contains("from='" + room + "/Guest'");
        String seen = replayed + heard + obs2.drain(500);
        assertThat(seen).as("what the observer saw from the restart on").doesNotContain("type='unavailable'");
        assertThat(count(seen, "from='" + room + "/Guest'"))
                .as("the guest's join replayed once, its message, and nothing else from it").isEqualTo(2);

        String result = page.command("END", 20);
        assertThat(result).startsWith("RESULT ");
        // strophe.js 5 reports no AUTHENTICATING for ANONYMOUS.
        assertThat(result).as("strophe.js's statuses: connected once, nothing after")
                .contains("\"statuses\":[\"CONNECTING\",\"CONNECTED\"]")
                .contains("\"errors\":[]");
        assertThat(count(result, "\"body\":\"before the restart\"")).as(result).isEqualTo(1);
        assertThat(count(result, "\"body\":\"after the restart\"")).as(result).isEqualTo(1);
        assertThat(result).as("no one left or joined again").doesNotContain("\"type\":\"unavailable\"");
        assertThat(count(result, "\"self\":true")).as("the guest's own join, once").isEqualTo(1);
    }

    private static int count(String text, String fragment) {
        return BoshHandoverTest.count(text, fragment);
    }
}
