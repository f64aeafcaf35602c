package org.parley.focus.source;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.parley.jingle.Content;
import org.parley.jingle.colibri2.MediaSource;
import org.parley.jingle.colibri2.Sources;
import org.parley.jingle.rtp.RtpDescription;
import org.parley.jingle.rtp.Source;
import org.parley.jingle.rtp.SourceGroup;

/**
 * The sources and SSRC groups of one endpoint (a participant, or a bridge's feedback sources), per media type.
 * Immutable; sources are kept without their {@code ssrc-info owner} (the owner is the map key that holds them) and
 * only with an SSRC (RID-only sources are dropped, as Jicofo does).
 */
public record EndpointSources(List<Source> audio, List<SourceGroup> audioGroups, List<Source> video,
                              List<SourceGroup> videoGroups) {
    public static final EndpointSources EMPTY = new EndpointSources(List.of(), List.of(), List.of(), List.of());
    public static final String AUDIO = "audio";
    public static final String VIDEO = "video";

    public EndpointSources {
        audio = List.copyOf(audio);
        audioGroups = List.copyOf(audioGroups);
        video = List.copyOf(video);
        videoGroups = List.copyOf(videoGroups);
    }

    public boolean isEmpty() {
        return audio.isEmpty() && video.isEmpty() && audioGroups.isEmpty() && videoGroups.isEmpty();
    }

    public int sourceCount() { return audio.size() + video.size(); }

    public int groupCount() { return audioGroups.size() + videoGroups.size(); }

    public List<Source> sources(String media) { return AUDIO.equals(media) ? audio : video; }

    public List<SourceGroup> groups(String media) { return AUDIO.equals(media) ? audioGroups : videoGroups; }

    /** Every SSRC, audio then video. */
    public Set<Long> ssrcs() {
        Set<Long> out = new LinkedHashSet<>();
        for (Source s : audio) out.add(s.ssrc());
        for (Source s : video) out.add(s.ssrc());
        return out;
    }

    /**
     * The sources and groups in Jingle contents (session-accept, source-add, source-remove): per content, the RTP
     * description's {@code media} (or the content's name) is the media type; contents other than audio and video
     * are ignored.
     */
    public static EndpointSources fromContents(List<Content> contents) {
        List<Source> a = new ArrayList<>(), v = new ArrayList<>();
        List<SourceGroup> ag = new ArrayList<>(), vg = new ArrayList<>();
        for (Content c : contents) {
            RtpDescription d = c.description();
            if (d == null) continue;
            String media = d.media() != null ? d.media() : c.name();
            List<Source> sources;
            List<SourceGroup> groups;
            if (AUDIO.equals(media)) {
                sources = a;
                groups = ag;
            } else if (VIDEO.equals(media)) {
                sources = v;
                groups = vg;
            } else {
                continue;
            }
            for (Source s : d.sources()) if (s.ssrc() != null) sources.add(s.withOwner(null));
            groups.addAll(d.sourceGroups());
        }
        return new EndpointSources(a, ag, v, vg);
    }

    /** A COLIBRI2 {@code <sources>}: one {@code <media-source>} per source name with the groups of its SSRCs. */
    public static EndpointSources fromColibri(Sources sources) {
        if (sources == null) return EMPTY;
        List<Source> a = new ArrayList<>(), v = new ArrayList<>();
        List<SourceGroup> ag = new ArrayList<>(), vg = new ArrayList<>();
        for (MediaSource ms : sources.mediaSources()) {
            boolean isAudio = AUDIO.equals(ms.type());
            for (Source s : ms.sources()) if (s.ssrc() != null) (isAudio ? a : v).add(s.withOwner(null));
            (isAudio ? ag : vg).addAll(ms.sourceGroups());
        }
        return new EndpointSources(a, ag, v, vg);
    }

    /** This set plus {@code other}'s sources and groups not already in it (by SSRC and by group). */
    public EndpointSources plus(EndpointSources other) {
        return new EndpointSources(union(audio, other.audio), unionGroups(audioGroups, other.audioGroups),
                union(video, other.video), unionGroups(videoGroups, other.videoGroups));
    }

    /** This set without the SSRCs and groups of {@code other}. */
    public EndpointSources minus(EndpointSources other) {
        Set<Long> gone = other.ssrcs();
        return new EndpointSources(without(audio, gone), withoutGroups(audioGroups, other.audioGroups),
                without(video, gone), withoutGroups(videoGroups, other.videoGroups));
    }

    /** Jingle contents (audio, video) with descriptions holding only these sources, each with {@code owner}. */
    public List<Content> toContents(String owner) {
        List<Content> out = new ArrayList<>(2);
        if (!audio.isEmpty() || !audioGroups.isEmpty()) {
            out.add(new Content(null, AUDIO, null, RtpDescription.ofSources(AUDIO, owned(audio, owner), audioGroups), null));
        }
        if (!video.isEmpty() || !videoGroups.isEmpty()) {
            out.add(new Content(null, VIDEO, null, RtpDescription.ofSources(VIDEO, owned(video, owner), videoGroups), null));
        }
        return out;
    }

    /**
     * COLIBRI2 sources for {@code endpointId}: one media-source per source name (sources without a name get Jitsi's
     * {@code <endpoint>-a0} / {@code -v0}), each with the groups whose first SSRC is one of its sources.
     */
    public Sources toColibri(String endpointId) {
        List<MediaSource> out = new ArrayList<>();
        addMediaSources(out, AUDIO, audio, audioGroups, endpointId + "-a0");
        addMediaSources(out, VIDEO, video, videoGroups, endpointId + "-v0");
        return new Sources(out);
    }

    private static void addMediaSources(List<MediaSource> out, String media, List<Source> sources,
                                        List<SourceGroup> groups, String defaultName) {
        Map<String, List<Source>> byName = new java.util.LinkedHashMap<>();
        for (Source s : sources) byName.computeIfAbsent(s.name() == null ? defaultName : s.name(), k -> new ArrayList<>()).add(s);
        for (var e : byName.entrySet()) {
            Set<Long> mine = new java.util.HashSet<>();
            for (Source s : e.getValue()) mine.add(s.ssrc());
            List<SourceGroup> gs = new ArrayList<>();
            for (SourceGroup g : groups) if (!g.ssrcs().isEmpty() && mine.contains(g.ssrcs().get(0))) gs.add(g);
            out.add(new MediaSource(media, e.getKey(), e.getValue(), gs, List.of()));
        }
    }

    private static List<Source> owned(List<Source> sources, String owner) {
        if (owner == null) return sources;
        List<Source> out = new ArrayList<>(sources.size());
        for (Source s : sources) out.add(s.withOwner(owner));
        return out;
    }

    private static List<Source> union(List<Source> a, List<Source> b) {
        if (b.isEmpty()) return a;
        Set<Long> have = new java.util.HashSet<>();
        for (Source s : a) have.add(s.ssrc());
        List<Source> out = new ArrayList<>(a);
        for (Source s : b) if (have.add(s.ssrc())) out.add(s);
        return out;
    }

    private static List<SourceGroup> unionGroups(List<SourceGroup> a, List<SourceGroup> b) {
        if (b.isEmpty()) return a;
        List<SourceGroup> out = new ArrayList<>(a);
        for (SourceGroup g : b) if (!out.contains(g)) out.add(g);
        return out;
    }

    private static List<Source> without(List<Source> a, Set<Long> gone) {
        List<Source> out = new ArrayList<>(a.size());
        for (Source s : a) if (!gone.contains(s.ssrc())) out.add(s);
        return out;
    }

    private static List<SourceGroup> withoutGroups(List<SourceGroup> a, List<SourceGroup> gone) {
        List<SourceGroup> out = new ArrayList<>(a.size());
        for (SourceGroup g : a) if (!gone.contains(g)) out.add(g);
        return out;
    }
}
