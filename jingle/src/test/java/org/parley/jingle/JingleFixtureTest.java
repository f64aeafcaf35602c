package org.parley.jingle;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.parley.jingle.ice.CandidateType;
import org.parley.jingle.ice.IceUdpTransport;
import org.parley.jingle.ice.Setup;
import org.parley.jingle.rtp.PayloadType;
import org.parley.jingle.rtp.RtcpFb;
import org.parley.jingle.rtp.RtpDescription;
import org.parley.jingle.rtp.Source;
import org.parley.jingle.rtp.SourceGroup;
import org.parley.jingle.xml.Ns;

class JingleFixtureTest {

    private static Jingle roundTrip(String name) {
        return Fixtures.assertRoundTrip(Fixtures.payload("jingle/" + name), Jingle::parse, Jingle::toElement);
    }

    @Test
    void contentsAreWrittenBeforeTheBundleGroup() {
        // lib-jitsi-meet puts JSON-encoded sources into the first element named content with the media's name.
        Jingle j = Jingle.parse(Fixtures.payload("jingle/session-accept.xml"));
        List<String> children = j.toElement().elements().stream().map(org.dom4j.Element::getName).toList();
        assertThat(children).contains("group");
        assertThat(children.indexOf("group")).isGreaterThan(children.lastIndexOf("content"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"session-initiate-3p.xml", "session-accept.xml", "source-add.xml", "source-remove.xml",
        "transport-info.xml", "session-terminate-moving.xml", "session-terminate-restart.xml",
        "session-info-ice-failed.xml"})
    void everyJingleFixtureRoundTrips(String fixture) {
        roundTrip(fixture);
    }

    @Test
    void sessionInitiateForTheThirdParticipant() {
        Jingle j = roundTrip("session-initiate-3p.xml");
        assertThat(j.jingleAction()).isEqualTo(JingleAction.SESSION_INITIATE);
        assertThat(j.sid()).isEqualTo("4d8ahkg9r2m8b");
        assertThat(j.initiator()).isEqualTo("brightfox@conference.meet.example.com/focus");
        assertThat(j.contents()).extracting(Content::name).containsExactly("audio", "video", "data");
        assertThat(j.contents()).allSatisfy(c -> {
            assertThat(c.creator()).isEqualTo(Creator.INITIATOR);
            assertThat(c.senders()).isEqualTo(Senders.BOTH);
        });
        assertThat(j.groups()).containsExactly(Group.bundle(List.of("audio", "video", "data")));
        assertThat(j.bridgeSession()).isEqualTo(
            new BridgeSession("0f6a3c2e-8b1d-4e7a-9c5f-2d4b6a8e0c1f", "eu-central-1"));
        assertThat(j.extensions()).singleElement().satisfies(x -> {
            assertThat(x.name()).isEqualTo("startmuted");
            assertThat(x.attribute("audio")).isEqualTo("true");
        });

        RtpDescription audio = j.content("audio").description();
        assertThat(audio.media()).isEqualTo("audio");
        assertThat(audio.maxptime()).isEqualTo("60");
        assertThat(audio.payloadTypes()).extracting(PayloadType::id).containsExactly(112, 111, 126);
        PayloadType red = audio.payloadTypes().get(0);
        assertThat(red.parameters()).singleElement().satisfies(p -> {
            assertThat(p.name()).isNull();
            assertThat(p.value()).isEqualTo("111/111");
        });
        PayloadType opus = audio.payloadTypes().get(1);
        assertThat(opus.name()).isEqualTo("opus");
        assertThat(opus.clockrate()).isEqualTo(48000);
        assertThat(opus.channels()).isEqualTo(2);
        assertThat(opus.parameter("minptime")).isEqualTo("10");
        assertThat(opus.rtcpFeedback()).containsExactly(RtcpFb.of("transport-cc"));
        assertThat(audio.headerExtensions()).extracting(h -> h.id() + " " + h.uri()).containsExactly(
            "1 urn:ietf:params:rtp-hdrext:ssrc-audio-level",
            "5 http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01");
        assertThat(audio.extmapAllowMixed()).isTrue();
        assertThat(audio.rtcpMux()).isTrue();
        assertThat(audio.sources()).extracting(Source::owner).containsExactly("jvb",
            "brightfox@conference.meet.example.com/a1b2c3d4", "brightfox@conference.meet.example.com/b2c3d4e5");
        assertThat(audio.sources().get(0).parameter("msid")).isEqualTo("mixedmslabel mixedlabelaudio0");

        RtpDescription video = j.content("video").description();
        assertThat(video.payloadTypes()).extracting(p -> p.name() + "/" + p.id())
            .containsExactly("AV1/41", "VP8/100", "H264/107", "VP9/101", "rtx/42", "rtx/96", "rtx/97", "rtx/99");
        assertThat(video.payloadTypes().get(4).parameter("apt")).isEqualTo("41");
        assertThat(video.payloadTypes().get(1).rtcpFeedback()).containsExactly(new RtcpFb("ccm", "fir"),
            RtcpFb.of("nack"), new RtcpFb("nack", "pli"), RtcpFb.of("goog-remb"), RtcpFb.of("transport-cc"));
        List<Source> firstCamera = video.sources().stream().filter(s -> "a1b2c3d4-v0".equals(s.name())).toList();
        assertThat(firstCamera).hasSize(6).allSatisfy(s -> assertThat(s.videoType()).isEqualTo("camera"));
        assertThat(video.sourceGroups()).filteredOn(g -> g.semantics().equals(SourceGroup.SIM)).hasSize(2);
        assertThat(video.sourceGroups()).filteredOn(g -> g.semantics().equals(SourceGroup.FID)).hasSize(6);
        assertThat(video.sourceGroups().get(0).ssrcs()).containsExactly(437485591L, 1565856603L, 1153580044L);
        // every grouped SSRC is a signaled source
        Set<Long> ssrcs = video.sources().stream().map(Source::ssrc).collect(Collectors.toSet());
        assertThat(video.sourceGroups()).allSatisfy(g -> assertThat(ssrcs).containsAll(g.ssrcs()));
        assertThat(video.sources()).filteredOn(s -> s.ssrc() == 3971532208L).singleElement()
            .extracting(Source::name).isEqualTo("b2c3d4e5-v0");

        Content data = j.content("data");
        assertThat(data.description().media()).isEqualTo("application");
        assertThat(data.description().payloadTypes()).isEmpty();
        IceUdpTransport t = data.transport();
        assertThat(t.sctpMap().number()).isEqualTo(5000);
        assertThat(t.sctpMap().protocol()).isEqualTo("webrtc-datachannel");
        assertThat(t.sctpMap().streams()).isEqualTo(1024);
        assertThat(t.ufrag()).isEqualTo("8nt0b1hvfmjq3g");
        assertThat(t.rtcpMux()).isTrue();
        assertThat(t.fingerprints()).singleElement().satisfies(f -> {
            assertThat(f.hash()).isEqualTo("sha-256");
            assertThat(f.setup()).isEqualTo(Setup.ACTPASS);
            assertThat(f.value()).startsWith("F1:05:72");
        });
        assertThat(t.webSockets()).singleElement().satisfies(w -> assertThat(w.url()).startsWith("wss://jvb1."));
        assertThat(t.candidates()).extracting(c -> c.candidateType()).containsExactly(CandidateType.HOST,
            CandidateType.SRFLX);
        assertThat(t.candidates().get(1).relAddr()).isEqualTo("10.0.4.17");
        assertThat(t.candidates().get(1).priority()).isEqualTo(1694498815L);
    }

    @Test
    void sessionAcceptFromLibJitsiMeet() {
        Jingle j = roundTrip("session-accept.xml");
        assertThat(j.jingleAction()).isEqualTo(JingleAction.SESSION_ACCEPT);
        assertThat(j.responder()).isEqualTo("brightfox@conference.meet.example.com/c3d4e5f6");
        assertThat(j.contents()).allSatisfy(c -> assertThat(c.creator()).isEqualTo(Creator.RESPONDER));
        Content video = j.content("video");
        // lib-jitsi-meet puts a COLIBRI2 element in the content; it is kept, not dropped
        assertThat(video.extensions()).singleElement().satisfies(x -> {
            assertThat(x.is("initial-last-n", Ns.COLIBRI2)).isTrue();
            assertThat(x.attribute("value")).isEqualTo("25");
        });
        assertThat(video.description().sources()).hasSize(6)
            .allSatisfy(s -> assertThat(s.owner()).isNull());
        assertThat(video.transport().fingerprints().get(0).setup()).isEqualTo(Setup.ACTIVE);
        Content data = j.content("data");
        assertThat(data.description()).isNull();
        assertThat(data.transport().sctpMap().streams()).isZero();
    }

    @Test
    void sourceAddAndRemove() {
        Jingle add = roundTrip("source-add.xml");
        assertThat(add.jingleAction()).isEqualTo(JingleAction.SOURCE_ADD);
        assertThat(add.contents()).allSatisfy(c -> {
            assertThat(c.creator()).isNull();
            assertThat(c.effectiveSenders()).isEqualTo(Senders.BOTH);
            assertThat(c.transport()).isNull();
        });
        assertThat(add.content("video").description().sources()).extracting(Source::videoType)
            .containsExactly("camera", "camera", "desktop", "desktop");
        Jingle remove = roundTrip("source-remove.xml");
        assertThat(remove.jingleAction()).isEqualTo(JingleAction.SOURCE_REMOVE);
        assertThat(remove.content("video").description().sourceGroups())
            .containsExactly(new SourceGroup("FID", List.of(889123744L, 3145071096L)));
    }

    @Test
    void transportInfoCandidates() {
        Jingle j = roundTrip("transport-info.xml");
        IceUdpTransport t = j.content("audio").transport();
        assertThat(t.candidates()).hasSize(3);
        assertThat(t.candidates().get(0).network()).isNull();
        assertThat(t.candidates().get(2).tcpType()).isEqualTo("active");
        assertThat(t.candidates().get(2).protocol()).isEqualTo("tcp");
    }

    @Test
    void terminationsAndSessionInfo() {
        Jingle moving = roundTrip("session-terminate-moving.xml");
        assertThat(moving.reason().reasonCondition()).isEqualTo(ReasonCondition.SUCCESS);
        assertThat(moving.reason().text()).isEqualTo("moving");

        Jingle restart = roundTrip("session-terminate-restart.xml");
        assertThat(restart.reason().reasonCondition()).isEqualTo(ReasonCondition.CONNECTIVITY_ERROR);
        assertThat(restart.bridgeSession().restart()).isTrue();

        Jingle info = roundTrip("session-info-ice-failed.xml");
        assertThat(info.jingleAction()).isEqualTo(JingleAction.SESSION_INFO);
        assertThat(info.iceState()).isEqualTo("failed");
        assertThat(info.bridgeSession().id()).isEqualTo("0f6a3c2e-8b1d-4e7a-9c5f-2d4b6a8e0c1f");
    }
}
