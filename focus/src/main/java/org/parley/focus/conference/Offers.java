package org.parley.focus.conference;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.parley.focus.FocusConfig.Codecs;
import org.parley.focus.source.CompactJson;
import org.parley.focus.source.EndpointSources;
import org.parley.jingle.BridgeSession;
import org.parley.jingle.Content;
import org.parley.jingle.Creator;
import org.parley.jingle.Group;
import org.parley.jingle.Jingle;
import org.parley.jingle.JingleAction;
import org.parley.jingle.JsonMessage;
import org.parley.jingle.Reason;
import org.parley.jingle.ReasonCondition;
import org.parley.jingle.Senders;
import org.parley.jingle.colibri2.Endpoint;
import org.parley.jingle.colibri2.Media;
import org.parley.jingle.colibri2.Relay;
import org.parley.jingle.colibri2.Sources;
import org.parley.jingle.colibri2.Transport;
import org.parley.jingle.ice.IceUdpTransport;
import org.parley.jingle.ice.SctpMap;
import org.parley.jingle.rtp.RtpDescription;
import org.parley.jingle.rtp.Source;
import org.parley.jingle.rtp.SourceGroup;

/**
 * Builds what the focus sends: Jingle offers and source changes for clients (standard {@code <source>} elements or
 * Jicofo's compact JSON), and the COLIBRI2 endpoint and relay elements for bridges, with the configured codecs.
 */
final class Offers {
    static final String BRIDGE_OWNER = Source.OWNER_JVB;
    private final Codecs codecs;
    private final Media audioMedia;
    private final Media videoMedia;

    Offers(Codecs codecs) {
        this.codecs = codecs;
        this.audioMedia = new Media(EndpointSources.AUDIO, codecs.audio(), codecs.audioHeaderExtensions(),
                codecs.extmapAllowMixed(), List.of());
        this.videoMedia = new Media(EndpointSources.VIDEO, codecs.video(), codecs.videoHeaderExtensions(),
                codecs.extmapAllowMixed(), List.of());
    }

    /** Everyone else's sources for an offer or a source change: owner key (endpoint id or "jvb") to sources. */
    record Remote(String endpointId, String occupantJid, EndpointSources sources) {}

    /**
     * The session-initiate for one participant: audio, video and data contents, each with the bridge's transport,
     * BUNDLE, the bridge-session, and the sources of everyone else plus the bridge's own.
     */
    Jingle sessionInitiate(String sid, String initiator, IceUdpTransport bridgeTransport, Integer sctpPort,
                           String bridgeSessionId, String region, List<Remote> others, EndpointSources feedback,
                           boolean json) {
        IceUdpTransport t = bridgeTransport.withSctpMap(null);
        List<Source> audio = new ArrayList<>();
        List<SourceGroup> audioGroups = new ArrayList<>();
        List<Source> video = new ArrayList<>();
        List<SourceGroup> videoGroups = new ArrayList<>();
        JsonMessage jsonMessage = null;
        if (json) {
            Map<String, EndpointSources> byOwner = new LinkedHashMap<>();
            if (!feedback.isEmpty()) byOwner.put(BRIDGE_OWNER, feedback);
            for (Remote r : others) if (!r.sources().isEmpty()) byOwner.put(r.endpointId(), r.sources());
            jsonMessage = CompactJson.message(byOwner);
        } else {
            collect(feedback, BRIDGE_OWNER, audio, audioGroups, video, videoGroups);
            for (Remote r : others) collect(r.sources(), r.occupantJid(), audio, audioGroups, video, videoGroups);
        }
        RtpDescription audioDesc = new RtpDescription(EndpointSources.AUDIO, null, codecs.audio(),
                codecs.audioHeaderExtensions(), codecs.extmapAllowMixed(), true, List.of(), audio, audioGroups, List.of());
        RtpDescription videoDesc = new RtpDescription(EndpointSources.VIDEO, null, codecs.video(),
                codecs.videoHeaderExtensions(), codecs.extmapAllowMixed(), true, List.of(), video, videoGroups, List.of());
        RtpDescription dataDesc = new RtpDescription("application", null, List.of(), List.of(), false, false,
                List.of(), List.of(), List.of(), List.of());
        List<Content> contents = new ArrayList<>(3);
        contents.add(new Content(Creator.INITIATOR, EndpointSources.AUDIO, Senders.BOTH, audioDesc, t));
        contents.add(new Content(Creator.INITIATOR, EndpointSources.VIDEO, Senders.BOTH, videoDesc, t));
        IceUdpTransport dataTransport = t.withSctpMap(new SctpMap(sctpPort == null ? 5000 : sctpPort,
                SctpMap.WEBRTC_DATACHANNEL, 1024));
        contents.add(new Content(Creator.INITIATOR, "data", Senders.BOTH, dataDesc, dataTransport));
        return new Jingle(JingleAction.SESSION_INITIATE.wire(), sid, initiator, null, contents,
                List.of(Group.bundle(List.of(EndpointSources.AUDIO, EndpointSources.VIDEO, "data"))),
                new BridgeSession(bridgeSessionId, region), null, jsonMessage, List.of());
    }

    private static void collect(EndpointSources s, String owner, List<Source> audio, List<SourceGroup> audioGroups,
                                List<Source> video, List<SourceGroup> videoGroups) {
        for (Source src : s.audio()) audio.add(src.withOwner(owner));
        audioGroups.addAll(s.audioGroups());
        for (Source src : s.video()) video.add(src.withOwner(owner));
        videoGroups.addAll(s.videoGroups());
    }

    /** A source-add or source-remove for a client, for one owner's sources. */
    Jingle sourceChange(boolean add, String sid, String ownerEndpoint, String ownerOccupant, EndpointSources sources,
                        boolean json) {
        String action = (add ? JingleAction.SOURCE_ADD : JingleAction.SOURCE_REMOVE).wire();
        if (json) {
            return new Jingle(action, sid, null, null, List.of(), List.of(), null, null,
                    CompactJson.message(Map.of(ownerEndpoint, sources)), List.of());
        }
        return new Jingle(action, sid, null, null, sources.toContents(ownerOccupant), List.of(), null, null, null,
                List.of());
    }

    /** A session-terminate, e.g. reason success with text "moving" before a participant is moved. */
    Jingle sessionTerminate(String sid, ReasonCondition condition, String text) {
        return new Jingle(JingleAction.SESSION_TERMINATE.wire(), sid, null, null, List.of(), List.of(), null,
                new Reason(condition, text), null, List.of());
    }

    /** The COLIBRI2 endpoint that allocates a participant: media, an ICE-controlling transport with SCTP, no sources. */
    Endpoint allocation(String endpointId, String statsId) {
        return new Endpoint(endpointId, true, false, statsId, null, List.of(audioMedia, videoMedia),
                Transport.request(true, true), new Sources(List.of()), null, null, List.of(Endpoint.SOURCE_NAMES),
                List.of());
    }

    /** A relay endpoint: a participant of another bridge, as this bridge sees it through a relay. */
    Endpoint relayEndpoint(String endpointId, String statsId, boolean create, EndpointSources sources) {
        return new Endpoint(endpointId, create, false, statsId, null, List.of(), null,
                sources == null ? null : sources.toColibri(endpointId), null, null, List.of(), List.of());
    }

    /** Creating a relay to another bridge (Jicofo's roles: the initiator controls ICE and opens the SCTP channel). */
    Relay createRelay(String id, boolean initiator, List<Endpoint> remoteEndpoints) {
        Transport transport = new Transport(initiator, initiator, false, null,
                new org.parley.jingle.colibri2.Sctp(null, initiator ? org.parley.jingle.colibri2.SctpRole.CLIENT
                        : org.parley.jingle.colibri2.SctpRole.SERVER), List.of());
        return new Relay(id, true, false, "0", List.of(audioMedia, videoMedia), transport, null, remoteEndpoints, List.of());
    }
}
