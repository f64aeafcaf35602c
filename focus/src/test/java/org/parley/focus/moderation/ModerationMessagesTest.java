package org.parley.focus.moderation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Set;
import org.dom4j.DocumentHelper;
import org.junit.jupiter.api.Test;
import org.parley.focus.conference.Member;
import org.parley.focus.moderation.MuteIq.Media;
import org.xmpp.packet.JID;
import org.xmpp.packet.Message;

/** The wire forms of the mute IQ and of the AV moderation component's messages, and the unmute rule. */
class ModerationMessagesTest {
    private static org.dom4j.Element xml(String s) throws Exception {
        return DocumentHelper.parseText(s).getRootElement();
    }

    @Test
    void muteIqAsLibJitsiMeetSendsIt() throws Exception {
        MuteIq q = MuteIq.parse(xml("<mute xmlns='http://jitsi.org/jitmeet/video' jid='r@conference.x/ab12'>true</mute>"));
        assertThat(q.media()).isEqualTo(Media.VIDEO);
        assertThat(q.jid()).isEqualTo(new JID("r@conference.x/ab12"));
        assertThat(q.mute()).isTrue();
        // Screen share (current lib-jitsi-meet, Jicofo's MuteDesktopIq); other namespaces are no mute IQs.
        assertThat(MuteIq.parse(xml("<mute xmlns='http://jitsi.org/jitmeet/desktop' jid='a@b/c'>true</mute>")).media())
                .isEqualTo(Media.DESKTOP);
        assertThat(MuteIq.isMuteIq(xml("<mute xmlns='http://jitsi.org/jitmeet/screen' jid='a@b/c'>true</mute>"))).isFalse();
        assertThatThrownBy(() -> MuteIq.parse(xml("<mute xmlns='http://jitsi.org/jitmeet/audio'>true</mute>")))
                .hasMessageContaining("jid");
        assertThatThrownBy(() -> MuteIq.parse(xml("<mute xmlns='http://jitsi.org/jitmeet/audio' jid='a@b/c'>yes</mute>")))
                .hasMessageContaining("true or false");
        assertThat(MuteIq.notification(Media.AUDIO, new JID("r@c/b"), new JID("r@c/m"), true).getChildElement().asXML())
                .isEqualTo("<mute xmlns=\"http://jitsi.org/jitmeet/audio\" actor=\"r@c/m\">true</mute>");
    }

    private static Message component(String json) {
        Message m = new Message();
        m.setFrom("avmoderation.x");
        m.addChildElement("json-message", "http://jitsi.org/jitmeet").setText(json);
        return m;
    }

    @Test
    void avModerationMessagesAndTheUnmuteRule() {
        AvModeration av = new AvModeration();
        Member bob = new Member("bob", new JID("r@conference.x/bob"), null, "participant", "none", false);
        Member mod = new Member("mod", new JID("r@conference.x/mod"), null, "moderator", "owner", false);
        assertThat(av.mayUnmute(bob, Media.AUDIO)).isTrue();

        AvModeration.Update on = AvModeration.parse(component(
                "{\"type\":\"av_moderation\",\"room\":\"r@conference.x\",\"enabled\":true,\"mediaType\":\"audio\",\"actor\":\"r@conference.x/mod\"}"));
        assertThat(on.room()).isEqualTo("r@conference.x");
        assertThat(av.apply(on)).isTrue();
        assertThat(av.apply(on)).as("already on").isFalse();
        assertThat(av.mayUnmute(bob, Media.AUDIO)).isFalse();
        assertThat(av.mayUnmute(bob, Media.VIDEO)).isTrue();
        assertThat(av.mayUnmute(mod, Media.AUDIO)).isTrue();

        av.apply(AvModeration.parse(component(
                "{\"type\":\"av_moderation\",\"room\":\"r@conference.x\",\"enabled\":true,\"mediaType\":\"desktop\"}")));
        assertThat(av.mayUnmute(bob, Media.DESKTOP)).isFalse();
        av.apply(AvModeration.parse(component(
                "{\"type\":\"av_moderation\",\"room\":\"r@conference.x\",\"whitelists\":{\"audio\":[\"r@conference.x/bob\"],\"desktop\":[],\"other\":[]}}")));
        assertThat(av.mayUnmute(bob, Media.AUDIO)).isTrue();
        assertThat(av.mayUnmute(bob, Media.DESKTOP)).isFalse();

        // Not AV moderation: ignored; AV moderation but malformed: refused with the reason.
        assertThat(AvModeration.parse(component("{\"type\":\"room_metadata\"}"))).isNull();
        assertThat(AvModeration.parse(new Message())).isNull();
        assertThatThrownBy(() -> AvModeration.parse(component("{nope"))).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> AvModeration.parse(component("{\"type\":\"av_moderation\",\"room\":\"r@c\"}")))
                .hasMessageContaining("neither");
        assertThatThrownBy(() -> AvModeration.parse(component("{\"type\":\"av_moderation\",\"room\":\"r@c\",\"whitelists\":{\"audio\":\"x\"}}")))
                .hasMessageContaining("not a list");
        assertThat(Set.of(MuteModule.avModerationRoom(component(
                "{\"type\":\"av_moderation\",\"room\":\"R@Conference.x\",\"enabled\":false,\"mediaType\":\"video\"}")))).containsExactly("r@conference.x");
        assertThat(MuteModule.avModerationRoom(component("{nope"))).isNull();
    }
}
