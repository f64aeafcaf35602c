package org.parley.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jivesoftware.smack.filter.StanzaTypeFilter;
import org.jivesoftware.smack.packet.Message;
import org.jivesoftware.smack.tcp.XMPPTCPConnection;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.jxmpp.jid.Jid;
import org.jxmpp.jid.impl.JidCreate;

/**
 * A real browser against the HTTP transports: strophe.js (from npm) in Debian's headless Chromium, driven by
 * {@code browser/drive.mjs} with playwright-core, logs in anonymously over WebSocket (RFC 7395) and over
 * BOSH (XEP-0124/0206) and exchanges a chat message each way with a Smack user on TCP.
 *
 * <p>Needs {@code npm ci} in {@code it-tests/browser} and {@code /usr/bin/chromium} ({@link BrowserSetup}).
 */
@ExtendWith(ParleyServer.class)
class BrowserTest {
    private static final Path DIR = BrowserSetup.DIR;
    private static final Path STROPHE = BrowserSetup.NODE_MODULES.resolve("strophe.js/dist/strophe.umd.min.js");
    private static final long DRIVER_TIMEOUT_SECONDS = 45;
    private static final Pattern JID = Pattern.compile("\"jid\":\"([^\"]+)\"");
    /**
     * Whether a stanza from the server outside {@code jabber:client} fails the test. Over WebSocket and BOSH
     * every stanza must carry its namespace (RFC 7395 section 3.3.3, XEP-0206 section 8); strophe.js does not
     * care, namespace-aware clients (StanzaJS, ...) do. Off while the server still writes the stanzas it builds
     * itself (bind and session results) unqualified on framed transports: those are printed as warnings.
     */
    private static final boolean REQUIRE_QUALIFIED_STANZAS = true;

    private static PageServer pages;
    private final Clients clients = new Clients();

    @BeforeAll
    static void servePage() throws IOException {
        BrowserSetup.require("BrowserTest", STROPHE);
        pages = new PageServer(Map.of(
                "/page.html", DIR.resolve("page.html"),
                "/strophe.umd.min.js", STROPHE));
    }

    @AfterAll
    static void stopPage() {
        if (pages != null) pages.close();
    }

    @AfterEach
    void close() {
        clients.close();
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"websocket", "bosh"})
    void stropheInChromiumLogsInAnonymouslyAndChatsWithASmackUser(String transport) throws Exception {
        int port = ParleyServer.get().httpPort();
        String service = transport.equals("websocket")
                ? "ws://127.0.0.1:" + port + "/xmpp-websocket"
                : "http://127.0.0.1:" + port + "/http-bind";

        // The Smack user answers every browser greeting, to the full JID it came from.
        XMPPTCPConnection peer = clients.newUser("smack-peer", "desk");
        List<Message> greetings = new CopyOnWriteArrayList<>();
        peer.addAsyncStanzaListener(stanza -> {
            Message m = (Message) stanza;
            if (m.getBody() == null || !m.getBody().startsWith("hello from browser")) return;
            greetings.add(m);
            peer.sendStanza(peer.getStanzaFactory().buildMessageStanza()
                    .to(m.getFrom()).ofType(Message.Type.chat).setBody("hello browser").build());
        }, StanzaTypeFilter.MESSAGE);

        Path screenshot = Path.of("target", "browser-" + transport + ".png").toAbsolutePath();
        Files.createDirectories(screenshot.getParent());
        Driver run = Driver.run(pages.url("/page.html"), service, peer.getUser().asBareJid().toString(), screenshot);

        assertThat(run.exitCode).as("drive.mjs exit code (screenshot %s); its output:%n%s", screenshot, run.output())
                .isZero();
        String result = run.result();
        Matcher jid = JID.matcher(result);
        assertThat(jid.find()).as("page's JID in %s", result).isTrue();
        Jid browser = JidCreate.from(jid.group(1));
        assertThat(browser.getDomain().toString()).isEqualTo("localhost");
        assertThat(browser.getLocalpartOrNull()).as("anonymous localpart of %s", browser).isNotNull();
        assertThat(browser.getResourceOrNull()).as("resource of %s", browser).isNotNull();

        assertThat(greetings).hasSize(1);
        assertThat(greetings.get(0).getBody()).isEqualTo("hello from browser " + transport);
        assertThat(greetings.get(0).getFrom().toString()).isEqualTo(browser.toString());
        assertThat(greetings.get(0).getType()).isEqualTo(Message.Type.chat);
        assertThat(result).contains("{\"from\":\"" + peer.getUser() + "\",\"type\":\"chat\",\"body\":\"hello browser\"}");

        List<String> unqualified = run.lines().stream().filter(l -> l.startsWith("UNQUALIFIED ")).toList();
        if (REQUIRE_QUALIFIED_STANZAS) {
            assertThat(unqualified).as("stanzas outside jabber:client over %s", transport).isEmpty();
        } else {
            unqualified.forEach(l -> System.out.println("WARNING " + transport + ": " + l));
        }
    }

    /** One run of {@code node drive.mjs}: its exit code and output lines (stdout and stderr, interleaved). */
    private record Driver(int exitCode, List<String> lines) {
        static Driver run(String pageUrl, String service, String peer, Path screenshot) throws Exception {
            Process p = BrowserSetup.node("drive.mjs", pageUrl, service, peer, screenshot.toString());
            List<String> lines = new CopyOnWriteArrayList<>();
            Thread out = pump(p.getInputStream(), lines, "");
            Thread err = pump(p.getErrorStream(), lines, "  ");
            if (!p.waitFor(DRIVER_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                BrowserSetup.kill(p);
                out.join(5000);
                err.join(5000);
                lines.add("(killed after " + DRIVER_TIMEOUT_SECONDS + " s)");
                return new Driver(-1, lines);
            }
            out.join(5000);
            err.join(5000);
            return new Driver(p.exitValue(), lines);
        }

        private static Thread pump(InputStream in, List<String> lines, String indent) {
            return BrowserSetup.pump(in, line -> {
                lines.add(indent + line);
                System.out.println("[drive.mjs] " + indent + line);
            }, "drive.mjs output");
        }

        String result() {
            return lines.stream().filter(l -> l.startsWith("RESULT ")).findFirst().map(l -> l.substring(7))
                    .orElseThrow(() -> new AssertionError("no RESULT line from drive.mjs:\n" + output()));
        }

        String output() {
            return String.join("\n", lines);
        }
    }
}
