package org.parley.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import javax.imageio.ImageIO;
import org.jivesoftware.smack.tcp.XMPPTCPConnection;
import org.jivesoftware.smackx.muc.MultiUserChatManager;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.jxmpp.jid.impl.JidCreate;
import org.jxmpp.jid.parts.Resourcepart;
import org.parley.it.sfu.TestParticipant;

/**
 * The admin dashboard in headless Chromium ({@code browser/dashboard.mjs}): it shows a room with the occupants this
 * test put there, then, without a reload, the one who joins while the page is open, and a focus conference with its
 * participants and SFU; the screenshot in
 * {@code target/dashboard.png} must show the chart. Same prerequisites as {@link BrowserTest}.
 */
@ExtendWith(ParleyServer.class)
class DashboardTest {
    private final Clients clients = new Clients();

    @AfterEach
    void close() {
        clients.close();
    }

    @Test
    void showsALiveRoomAndItsSessionsWithoutReloading() throws Exception {
        BrowserSetup.require("DashboardTest");
        // An SFU in the brewery, for the SFU load chart.
        org.parley.it.sfu.TestSfu sfu = org.parley.it.sfu.TestSfu.start(clients, "dash-jvb", 0.4, null);
        var bridges = ParleyServer.get().parley().focus().focus().bridges();
        try {
            await().atMost(Duration.ofSeconds(10)).until(() -> bridges.get(new org.xmpp.packet.JID(sfu.jid())) != null);
            run(sfu.jid());
        } finally {
            sfu.close();
            await().atMost(Duration.ofSeconds(10)).until(() -> bridges.all().stream().noneMatch(x -> x.failure() == null));
        }
    }

    private void run(String sfuJid) throws Exception {
        String name = "dash-" + UUID.randomUUID().toString().substring(0, 8);
        String room = name + "@conference.localhost";
        for (String nick : List.of("Ann", "Ben", "Cid")) {
            XMPPTCPConnection c = clients.newUser(nick.toLowerCase(), "web");
            MultiUserChatManager.getInstanceFor(c).getMultiUserChat(JidCreate.entityBareFrom(room)).join(Resourcepart.from(nick));
        }
        // And a conference of two on the SFU, for the conference list.
        String conference = "dconf-" + UUID.randomUUID().toString().substring(0, 8) + "@conference.localhost";
        List<TestParticipant> ps = new ArrayList<>();
        try {
            for (String nick : List.of("dcaa11", "dcbb22")) {
                TestParticipant p = TestParticipant.connect(clients, conference, nick, false);
                ps.add(p);
                p.join();
            }
            await().atMost(Duration.ofSeconds(15)).until(() -> ps.stream().allMatch(p -> p.sid() != null));
            watch(room, conference, sfuJid);
        } finally {
            for (TestParticipant p : ps) p.close();
        }
    }

    private void watch(String room, String conference, String sfuJid) throws Exception {

        Path screenshot = Path.of("target", "dashboard.png").toAbsolutePath();
        Files.createDirectories(screenshot.getParent());
        Files.deleteIfExists(screenshot);
        String url = "http://127.0.0.1:" + ParleyServer.get().adminPort() + "/dashboard#token=" + ParleyServer.ADMIN_TOKEN;
        Process p = BrowserSetup.node("dashboard.mjs", url, room, "3,4", screenshot.toString(), conference);
        List<String> lines = new CopyOnWriteArrayList<>();
        java.util.function.Consumer<String> keep = line -> {
            lines.add(line);
            System.out.println("[dashboard.mjs] " + line);
        };
        Thread pump = BrowserSetup.pump(p.getInputStream(), keep, "dashboard.mjs output");
        Thread errors = BrowserSetup.pump(p.getErrorStream(), keep, "dashboard.mjs errors");
        try {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (lines.stream().noneMatch(l -> l.startsWith("SEEN 3")) && p.isAlive() && System.nanoTime() < deadline) {
                Thread.sleep(50);
            }
            assertThat(lines).as("the page showed the room with 3 occupants").anyMatch(l -> l.startsWith("SEEN 3"));
            // A fourth joins while the page is open: it must show up on the next poll, without a reload.
            XMPPTCPConnection dee = clients.newUser("dee", "web");
            MultiUserChatManager.getInstanceFor(dee).getMultiUserChat(JidCreate.entityBareFrom(room)).join(Resourcepart.from("Dee"));
            assertThat(p.waitFor(60, TimeUnit.SECONDS)).as("dashboard.mjs finished; output:%n%s", String.join("\n", lines)).isTrue();
        } finally {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
        }
        // The pump ends at the output's end; on a loaded machine its last lines may take a while.
        pump.join(30_000);
        errors.join(5_000);
        assertThat(p.exitValue()).as("dashboard.mjs exit code; output:%n%s", String.join("\n", lines)).isZero();
        String result = lines.stream().filter(l -> l.startsWith("RESULT ")).findFirst().orElseThrow();
        assertThat(lines).anyMatch(l -> l.startsWith("SEEN 4"));
        // The four sessions this test made (and maybe others of the shared server) were on the page, with no reload.
        assertThat(result).contains("\"navigations\":1").contains("\"errors\":0").contains("\"sfuShown\":true")
                .contains(sfuJid);
        // The conference's row: its room, its two participants, the SFU they are on.
        assertThat(result).contains("[\"" + conference + "\",\"2: dcaa11, dcbb22\",\"" + sfuJid + " (2)\",");
        int shown = Integer.parseInt(result.replaceAll(".*\"steps\":\\[\\{\"occupants\":3,\"sessions\":(\\d+)\\}.*", "$1"));
        assertThat(shown).isGreaterThanOrEqualTo(3);

        // The screenshot is the page with its chart: the sessions line's blue is drawn.
        BufferedImage png = ImageIO.read(screenshot.toFile());
        assertThat(png).as("screenshot %s", screenshot).isNotNull();
        assertThat(png.getWidth()).isGreaterThan(800);
        int blue = 0;
        for (int y = 0; y < png.getHeight(); y++) {
            for (int x = 0; x < png.getWidth(); x++) {
                int rgb = png.getRGB(x, y) & 0xffffff;
                if (near(rgb, 0x2f6fde)) blue++;
            }
        }
        assertThat(blue).as("pixels of the sessions line in %s", screenshot).isGreaterThan(20);
    }

    private static boolean near(int rgb, int want) {
        for (int shift = 0; shift <= 16; shift += 8) {
            if (Math.abs(((rgb >> shift) & 0xff) - ((want >> shift) & 0xff)) > 24) return false;
        }
        return true;
    }
}
