package org.parley.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.jivesoftware.smack.packet.IQ;
import org.jivesoftware.smack.packet.StanzaError;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.parley.it.sfu.SfuLogic;
import org.parley.it.sfu.TestParticipant;
import org.parley.it.sfu.TestSfu;
import org.xmpp.packet.JID;

/**
 * Muting through the focus, with the IQs lib-jitsi-meet sends (ChatRoom.muteParticipant) and the test SFU recording
 * COLIBRI2 force-mute as jitsi-videobridge applies it.
 */
@ExtendWith(ParleyServer.class)
class MuteTest {
    private final Clients clients = new Clients();
    private final List<AutoCloseable> closing = new ArrayList<>();

    @AfterEach
    void close() throws Exception {
        for (AutoCloseable c : closing) {
            try {
                c.close();
            } catch (Exception ignored) {
                // best effort
            }
        }
        clients.close();
        await().atMost(Duration.ofSeconds(10)).until(() -> ParleyServer.get().parley().focus().focus().bridges().all().stream()
                .noneMatch(b -> b.failure() == null));
    }

    private TestSfu sfu() throws Exception {
        TestSfu s = TestSfu.start(clients, "jvb-mute", 0.1, null);
        closing.add(s);
        await().atMost(Duration.ofSeconds(10)).until(() -> ParleyServer.get().parley().focus().focus().bridges()
                .get(new JID(s.jid())) != null);
        return s;
    }

    private TestParticipant join(String room, String nick) throws Exception {
        TestParticipant p = TestParticipant.connect(clients, room, nick, true);
        closing.add(0, p);
        return p.join();
    }

    private static String room() {
        return "mute-" + UUID.randomUUID().toString().substring(0, 8) + "@conference.localhost";
    }

    private static void assertError(IQ answer, StanzaError.Condition condition) {
        assertThat(answer).isNotNull();
        assertThat(answer.getType()).isEqualTo(IQ.Type.error);
        assertThat(answer.getError().getCondition()).isEqualTo(condition);
    }

    private static SfuLogic.Ep endpoint(TestSfu sfu, String room, String nick) {
        SfuLogic.Conf c = sfu.logic.byRoom(room);
        return c == null ? null : c.endpoints.get(nick);
    }

    @Test
    void moderatorMutesOneAndEveryoneNonModeratorIsRefused() throws Exception {
        TestSfu sfu = sfu();
        String room = room();
        TestParticipant mod = join(room, "mod1");
        // The first in the room becomes its owner (auto-owner): the others join once that is settled.
        await().atMost(Duration.ofSeconds(10)).until(() -> mod.seesItem("mod1", "affiliation", "owner"));
        TestParticipant bob = join(room, "bob1");
        TestParticipant carol = join(room, "carol1");
        await().atMost(Duration.ofSeconds(15)).until(() -> mod.sid() != null && bob.sid() != null && carol.sid() != null
                && endpoint(sfu, room, "carol1") != null);
        await().atMost(Duration.ofSeconds(10)).until(() -> mod.seesRole("mod1", "moderator") && bob.seesRole("bob1", "participant"));

        // A participant may not mute someone else: Jicofo's not-allowed, and nothing changes anywhere.
        assertError(bob.mute("mod1", "audio", true), StanzaError.Condition.not_allowed);
        // Malformed requests: bad-request; someone not in the room: item-not-found.
        assertError(mod.toFocus("<mute xmlns='http://jitsi.org/jitmeet/audio' jid='" + room + "/bob1'>maybe</mute>"),
                StanzaError.Condition.bad_request);
        assertError(mod.toFocus("<mute xmlns='http://jitsi.org/jitmeet/audio'>true</mute>"), StanzaError.Condition.bad_request);
        assertError(mod.mute("nobody", "audio", true), StanzaError.Condition.item_not_found);

        // The moderator mutes bob's audio: a result, bob is told by the focus (actor: the moderator), the SFU drops it.
        assertThat(mod.mute("bob1", "audio", true).getType()).isEqualTo(IQ.Type.result);
        await().atMost(Duration.ofSeconds(10)).until(() -> endpoint(sfu, room, "bob1").audioForceMuted);
        assertThat(endpoint(sfu, room, "bob1").videoForceMuted).isFalse();
        await().atMost(Duration.ofSeconds(10)).until(() -> bob.mutedBy.size() == 1);
        assertThat(bob.mutedBy.get(0)).startsWith(room + "/focus ").contains("http://jitsi.org/jitmeet/audio")
                .contains("actor=\"" + room + "/mod1\"").contains(">true</mute>");
        // Then his video.
        assertThat(mod.mute("bob1", "video", true).getType()).isEqualTo(IQ.Type.result);
        await().atMost(Duration.ofSeconds(10)).until(() -> endpoint(sfu, room, "bob1").videoForceMuted);
        assertThat(endpoint(sfu, room, "bob1").audioForceMuted).isTrue();
        await().atMost(Duration.ofSeconds(10)).until(() -> bob.mutedBy.size() == 2);
        assertThat(bob.mutedBy.get(1)).contains("http://jitsi.org/jitmeet/video").contains(">true</mute>");

        // Nobody unmutes someone else, not even a moderator.
        assertError(mod.mute("bob1", "audio", false), StanzaError.Condition.not_allowed);
        // Bob unmutes himself (lib-jitsi-meet's _fireMuteChangeEvent): the SFU lets his audio through again.
        assertThat(bob.mute("bob1", "audio", false).getType()).isEqualTo(IQ.Type.result);
        await().atMost(Duration.ofSeconds(10)).until(() -> !endpoint(sfu, room, "bob1").audioForceMuted);
        assertThat(endpoint(sfu, room, "bob1").videoForceMuted).isTrue();

        // "Mute everyone" in jitsi-meet is one mute IQ per participant.
        for (String nick : List.of("bob1", "carol1")) assertThat(mod.mute(nick, "audio", true).getType()).isEqualTo(IQ.Type.result);
        await().atMost(Duration.ofSeconds(10)).until(() -> endpoint(sfu, room, "bob1").audioForceMuted
                && endpoint(sfu, room, "carol1").audioForceMuted);
        await().atMost(Duration.ofSeconds(10)).until(() -> carol.mutedBy.size() == 1);

        // The refused requests touched nothing: the moderator was never muted nor told.
        assertThat(endpoint(sfu, room, "mod1").audioForceMuted).isFalse();
        assertThat(mod.mutedBy).isEmpty();
        assertThat(sfu.logic.forceMutes).noneMatch(f -> f.startsWith("mod1 "));

        // A new endpoint for bob (he asks for a session restart) keeps his force-mute.
        String oldSid = bob.sid();
        String bridgeSession = bob.lastOffer().bridgeSession().id();
        assertThat(bob.sendJingle("session-terminate", oldSid, "", "<bridge-session xmlns='http://jitsi.org/protocol/focus' id='"
                + bridgeSession + "' restart='true'/>").getType()).isEqualTo(IQ.Type.result);
        await().atMost(Duration.ofSeconds(10)).until(() -> bob.sid() != null && !bob.sid().equals(oldSid));
        assertThat(sfu.logic.requests.stream().flatMap(r -> r.endpoints().stream())
                .filter(e -> e.id().equals("bob1") && e.create()).reduce((x, y) -> y).orElseThrow().forceMute())
                .isEqualTo(new org.parley.jingle.colibri2.ForceMute(true, true));
        assertThat(endpoint(sfu, room, "bob1").audioForceMuted).isTrue();
    }

    /** The {@code <startmuted>} of the participant's last offer, as "audio=… video=…", or null. */
    private static String startMuted(TestParticipant p) {
        for (var x : p.lastOffer().extensions()) {
            if (x.is("startmuted", "http://jitsi.org/jitmeet/start-muted")) return "audio=" + x.attribute("audio") + " video=" + x.attribute("video");
        }
        return null;
    }

    @Test
    void startMutedByTheRequestAndByTheOwnersPresence() throws Exception {
        TestSfu sfu = sfu();
        String room = room();
        // config.js startAudioMuted: 2, passed on by lib-jitsi-meet as a property of the conference request.
        TestParticipant first = TestParticipant.connect(clients, room, "sm1", true);
        closing.add(0, first);
        first.conferenceProperties = "<property name='startAudioMuted' value='2'/>";
        first.join();
        // The first in the room becomes its owner (auto-owner); the second joins only then, or it may enter first.
        await().atMost(Duration.ofSeconds(10)).until(() -> first.seesItem("sm1", "affiliation", "owner"));
        TestParticipant second = join(room, "sm2");
        await().atMost(Duration.ofSeconds(15)).until(() -> first.sid() != null && second.sid() != null);
        assertThat(startMuted(first)).isNull();
        assertThat(startMuted(second)).isNull();

        // A participant who is not an owner cannot set the room's policy (Jicofo: administrator rights only).
        second.sendPresence("<startmuted xmlns='http://jitsi.org/jitmeet/start-muted' audio='true' video='true'/>");
        // Once the room has broadcast it, the focus has it queued before the next join.
        await().atMost(Duration.ofSeconds(10)).until(() -> first.seesPresence("sm2", "start-muted"));
        TestParticipant third = join(room, "sm3");
        await().atMost(Duration.ofSeconds(15)).until(() -> third.sid() != null);
        assertThat(startMuted(third)).isEqualTo("audio=true video=false");

        // The owner's policy: video muted for everyone who joins from now on.
        first.sendPresence("<startmuted xmlns='http://jitsi.org/jitmeet/start-muted' audio='false' video='true'/>");
        await().atMost(Duration.ofSeconds(10)).until(() -> second.seesPresence("sm1", "start-muted"));
        TestParticipant fourth = join(room, "sm4");
        await().atMost(Duration.ofSeconds(15)).until(() -> fourth.sid() != null);
        assertThat(startMuted(fourth)).isEqualTo("audio=true video=true");

        // As with Jicofo, the SFU is not told: the newcomer may unmute itself.
        await().atMost(Duration.ofSeconds(10)).until(() -> endpoint(sfu, room, "sm4") != null);
        assertThat(sfu.logic.forceMutes).isEmpty();
    }

    /** What mod_av_moderation_component sends the focus (its JSON inside Jitsi's json-message). */
    private static void avModeration(RawClient component, String json) throws Exception {
        component.send("<message from='component.localhost' to='" + ParleyServer.FOCUS_JID + "/focus'>"
                + "<json-message xmlns='http://jitsi.org/jitmeet'>" + json + "</json-message></message>");
    }

    @Test
    void audioModerationRefusesAnUnapprovedUnmuteAtTheSfu() throws Exception {
        TestSfu sfu = sfu();
        String room = room();
        TestParticipant mod = join(room, "avmod");
        await().atMost(Duration.ofSeconds(10)).until(() -> mod.seesItem("avmod", "affiliation", "owner"));
        TestParticipant bob = join(room, "avbob");
        await().atMost(Duration.ofSeconds(15)).until(() -> mod.sid() != null && bob.sid() != null
                && endpoint(sfu, room, "avbob") != null);
        await().atMost(Duration.ofSeconds(10)).until(() -> mod.seesRole("avmod", "moderator"));
        try (RawClient component = ComponentTest.component("component.localhost", "component-secret")) {
            component.await("<handshake/>");
            // A malformed message and one for a room without a conference change nothing.
            avModeration(component, "{not json");
            avModeration(component, "{\"type\":\"av_moderation\",\"room\":\"nowhere@conference.localhost\",\"enabled\":true,\"mediaType\":\"audio\"}");

            // The moderator turns audio moderation on (the component tells the focus): bob is force-muted on the SFU
            // and told to mute; the moderator keeps the right to speak.
            avModeration(component, "{\"type\":\"av_moderation\",\"room\":\"" + room + "\",\"enabled\":true,"
                    + "\"mediaType\":\"audio\",\"actor\":\"" + room + "/avmod\"}");
            await().atMost(Duration.ofSeconds(10)).until(() -> endpoint(sfu, room, "avbob").audioForceMuted);
            assertThat(endpoint(sfu, room, "avmod").audioForceMuted).isFalse();
            assertThat(endpoint(sfu, room, "avbob").videoForceMuted).isFalse();
            await().atMost(Duration.ofSeconds(10)).until(() -> bob.mutedBy.size() == 1);
            assertThat(bob.mutedBy.get(0)).contains("http://jitsi.org/jitmeet/audio").contains(">true</mute>");

            // Bob's own unmute is refused while he is not approved, and the SFU keeps dropping his audio.
            assertError(bob.mute("avbob", "audio", false), StanzaError.Condition.not_allowed);
            assertThat(endpoint(sfu, room, "avbob").audioForceMuted).isTrue();
            // His video is not moderated.
            assertThat(bob.mute("avbob", "video", false).getType()).isEqualTo(IQ.Type.result);

            // A newcomer under audio moderation starts force-muted and is told so in its offer.
            TestParticipant carol = join(room, "avcarol");
            await().atMost(Duration.ofSeconds(15)).until(() -> carol.sid() != null && endpoint(sfu, room, "avcarol") != null);
            assertThat(endpoint(sfu, room, "avcarol").audioForceMuted).isTrue();
            assertThat(startMuted(carol)).isEqualTo("audio=true video=false");

            // The moderator approves bob (the component's whitelist): now his unmute goes through to the SFU.
            avModeration(component, "{\"type\":\"av_moderation\",\"room\":\"" + room + "\",\"whitelists\":{\"audio\":[\""
                    + room + "/avbob\"]}}");
            await().atMost(Duration.ofSeconds(10)).until(() -> bob.mute("avbob", "audio", false).getType() == IQ.Type.result);
            await().atMost(Duration.ofSeconds(10)).until(() -> !endpoint(sfu, room, "avbob").audioForceMuted);
            assertThat(endpoint(sfu, room, "avcarol").audioForceMuted).isTrue();

            // Moderation off: anyone may unmute again.
            avModeration(component, "{\"type\":\"av_moderation\",\"room\":\"" + room + "\",\"enabled\":false,\"mediaType\":\"audio\"}");
            await().atMost(Duration.ofSeconds(10)).until(() -> carol.mute("avcarol", "audio", false).getType() == IQ.Type.result);
            await().atMost(Duration.ofSeconds(10)).until(() -> !endpoint(sfu, room, "avcarol").audioForceMuted);
        }
    }
}
