package org.parley.jingle.colibri2;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;

import org.dom4j.Element;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.parley.jingle.Fixtures;
import org.parley.jingle.ice.IceUdpTransport;
import org.parley.jingle.ice.Setup;
import org.parley.jingle.rtp.Source;
import org.parley.jingle.xml.Xml;

class Colibri2FixtureTest {

    private static ConferenceModify modify(String name) {
        return Fixtures.assertRoundTrip(Fixtures.payload("colibri2/" + name), ConferenceModify::parse,
            ConferenceModify::toElement);
    }

    private static ConferenceModified modified(String name) {
        return Fixtures.assertRoundTrip(Fixtures.payload("colibri2/" + name), ConferenceModified::parse,
            ConferenceModified::toElement);
    }

    @ParameterizedTest
    @ValueSource(strings = {"allocate-request.xml", "update-participant.xml", "relay-create-request.xml",
        "relay-set-transport.xml", "expire.xml", "expire-conference.xml"})
    void everyConferenceModifyRoundTrips(String fixture) {
        modify(fixture);
    }

    @ParameterizedTest
    @ValueSource(strings = {"allocate-response.xml", "relay-create-response.xml"})
    void everyConferenceModifiedRoundTrips(String fixture) {
        modified(fixture);
    }

    @Test
    void allocationRequest() {
        ConferenceModify m = modify("allocate-request.xml");
        assertThat(m.meetingId()).isEqualTo("9a7d2f4e-63c1-4b8a-bf0e-1d2c3b4a5f6e");
        assertThat(m.name()).isEqualTo("brightfox@conference.meet.example.com");
        assertThat(m.create()).isTrue();
        assertThat(m.expire()).isFalse();
        assertThat(m.rtcstatsEnabled()).isFalse();
        assertThat(m.callstatsEnabled()).isTrue();
        Endpoint ep = m.endpoints().get(0);
        assertThat(ep.id()).isEqualTo("c3d4e5f6");
        assertThat(ep.create()).isTrue();
        assertThat(ep.statsId()).isEqualTo("Garett-w1o");
        assertThat(ep.media()).extracting(Media::mediaType).containsExactly(MediaType.AUDIO, MediaType.VIDEO);
        assertThat(ep.media().get(0).payloadTypes().get(0).parameter("useinbandfec")).isEqualTo("1");
        assertThat(ep.media().get(1).payloadTypes()).hasSize(8);
        assertThat(ep.media()).allSatisfy(media -> assertThat(media.extmapAllowMixed()).isTrue());
        assertThat(ep.transport().iceControlling()).isTrue();
        assertThat(ep.transport().sctp()).isEqualTo(Sctp.requested());
        assertThat(ep.transport().iceUdp()).isNull();
        // present-but-empty sources are not the same as absent ones
        assertThat(ep.sources()).isEqualTo(new Sources(List.of()));
        assertThat(ep.forceMute()).isEqualTo(new ForceMute(true, false));
        assertThat(ep.capabilities()).containsExactly(Endpoint.SOURCE_NAMES, Endpoint.SSRC_REWRITING);
        assertThat(ep.hasCapability(Endpoint.SOURCE_NAMES)).isTrue();
    }

    @Test
    void allocationResponse() {
        ConferenceModified m = modified("allocate-response.xml");
        Transport t = m.endpoint("c3d4e5f6").transport();
        IceUdpTransport ice = t.iceUdp();
        assertThat(ice.ufrag()).isEqualTo("8nt0b1hvfmjq3g");
        assertThat(ice.fingerprints().get(0).setup()).isEqualTo(Setup.ACTPASS);
        assertThat(ice.webSockets()).hasSize(1);
        assertThat(ice.rtcpMux()).isTrue();
        assertThat(ice.candidates()).hasSize(2);
        assertThat(t.sctp()).isEqualTo(new Sctp(5000, SctpRole.SERVER));
        assertThat(m.sources().mediaSources()).extracting(MediaSource::id).containsExactly("jvb-a0", "jvb-v0");
        Source jvbAudio = m.sources().mediaSources().get(0).sources().get(0);
        assertThat(jvbAudio.ssrc()).isEqualTo(1823091567L);
        // Smack writes this parameter in the RTP namespace; it is read all the same
        assertThat(jvbAudio.parameter("msid")).isEqualTo("mixedmslabel mixedlabelaudio0");
    }

    @Test
    void updateCarriesTheClientsTransportAndSources() {
        ConferenceModify m = modify("update-participant.xml");
        assertThat(m.create()).isFalse();
        assertThat(m.name()).isNull();
        Endpoint ep = m.endpoints().get(0);
        assertThat(ep.create()).isFalse();
        assertThat(ep.initialLastN()).isEqualTo(25);
        assertThat(ep.transport().iceUdp().fingerprints().get(0).setup()).isEqualTo(Setup.ACTIVE);
        MediaSource video = ep.sources().mediaSources().get(1);
        assertThat(video.mediaType()).isEqualTo(MediaType.VIDEO);
        assertThat(video.id()).isEqualTo("c3d4e5f6-v0");
        assertThat(video.sources()).hasSize(6);
        assertThat(video.sourceGroups()).extracting(g -> g.semantics()).containsExactly("SIM", "FID", "FID", "FID");
    }

    @Test
    void relays() {
        ConferenceModify create = modify("relay-create-request.xml");
        Relay r = create.relays().get(0);
        assertThat(r.id()).isEqualTo("10.0.5.23");
        assertThat(r.create()).isTrue();
        assertThat(r.meshId()).isEqualTo("0");
        assertThat(r.media()).hasSize(2);
        assertThat(r.endpoints()).extracting(Endpoint::id).containsExactly("e5f6a7b8", "f6a7b8c9");
        assertThat(r.endpoints().get(1).sources().mediaSources()).isEmpty();
        assertThat(r.transport().useUniquePort()).isTrue();
        assertThat(r.transport().iceControlling()).isTrue();
        assertThat(r.transport().sctp().role()).isEqualTo(SctpRole.CLIENT);

        ConferenceModified response = modified("relay-create-response.xml");
        IceUdpTransport offered = response.relay("10.0.5.23").transport().iceUdp();
        assertThat(offered.fingerprints().get(0).setup()).isEqualTo(Setup.ACTPASS);

        // what the focus derives for the other bridge equals what the fixture shows it sending
        IceUdpTransport forwarded = offered.withSetup(Setup.PASSIVE).withWebSockets(List.of());
        ConferenceModify set = modify("relay-set-transport.xml");
        assertThat(set.relays().get(0).transport().iceUdp()).isEqualTo(forwarded);
        assertThat(set.relays().get(0).create()).isFalse();
    }

    @Test
    void expiry() {
        ConferenceModify m = modify("expire.xml");
        assertThat(m.endpoints()).containsExactly(Endpoint.expiring("c3d4e5f6"));
        assertThat(m.relays().get(0).endpoints()).containsExactly(Endpoint.expiring("f6a7b8c9"));
        assertThat(modify("expire-conference.xml"))
            .isEqualTo(ConferenceModify.expireConference("9a7d2f4e-63c1-4b8a-bf0e-1d2c3b4a5f6e"));
    }

    @Test
    void errors() {
        Element unknown = Fixtures.payload("colibri2/error-unknown-endpoint.xml");
        Colibri2Error e = Colibri2Error.fromStanzaError(unknown);
        assertThat(e.errorReason()).isEqualTo(Colibri2ErrorReason.UNKNOWN_ENDPOINT);
        assertThat(e.endpointId()).isEqualTo("c3d4e5f6");
        // building the same error gives the same COLIBRI2 content
        Element built = e.toStanzaError("Endpoint not found for ID: c3d4e5f6");
        assertThat(Colibri2Error.fromStanzaError(Xml.parse(Xml.toXml(built)))).isEqualTo(e);
        assertThat(Xml.child(built, "item-not-found", "urn:ietf:params:xml:ns:xmpp-stanzas")).isNotNull();

        Colibri2Error shutdown = Colibri2Error.fromStanzaError(
            Fixtures.payload("colibri2/error-graceful-shutdown.xml"));
        assertThat(shutdown).isEqualTo(new Colibri2Error(Colibri2ErrorReason.GRACEFUL_SHUTDOWN, null));
        assertThat(shutdown.errorReason().stanzaCondition()).isEqualTo("service-unavailable");

        // an error without the COLIBRI2 extension did not come from a bridge
        Element plain = Xml.parse("<error xmlns='jabber:client' type='cancel'>"
            + "<remote-server-not-found xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error>");
        assertThat(Colibri2Error.fromStanzaError(plain)).isNull();
        // an unknown reason is kept
        Element future = Xml.parse("<error xmlns='jabber:client' type='cancel'>"
            + "<error xmlns='jitsi:colibri2' reason='too_many_endpoints'/></error>");
        assertThat(Colibri2Error.fromStanzaError(future).errorReason()).isEqualTo(Colibri2ErrorReason.UNKNOWN);
        assertThat(Colibri2Error.fromStanzaError(future).reason()).isEqualTo("too_many_endpoints");
    }
}
