package org.parley.focus.source;

import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import org.parley.jingle.rtp.Source;
import org.parley.jingle.rtp.SourceGroup;

/**
 * The sources of every participant of a conference by endpoint id, with the checks Jicofo's validating source map
 * makes: nobody claims an SSRC or a source name that another endpoint (or a bridge) owns, at most {@code maxSources}
 * SSRCs and {@code maxGroups} groups per endpoint, groups only of the endpoint's own SSRCs with known semantics.
 * Mutable; confined to its conference's actor.
 */
public final class ConferenceSources {
    private final int maxSources;
    private final int maxGroups;
    private final Map<String, EndpointSources> byEndpoint = new LinkedHashMap<>();
    private final Map<Long, String> ssrcOwner = new HashMap<>();
    private final Map<String, String> nameOwner = new HashMap<>();
    /** SSRCs of the bridges' feedback sources (jvb-a0/jvb-v0), which no participant may claim. */
    private final Set<Long> reserved = new HashSet<>();

    public ConferenceSources(int maxSources, int maxGroups) {
        this.maxSources = maxSources;
        this.maxGroups = maxGroups;
    }

    public EndpointSources get(String endpoint) {
        return byEndpoint.getOrDefault(endpoint, EndpointSources.EMPTY);
    }

    public Map<String, EndpointSources> all() {
        return Collections.unmodifiableMap(byEndpoint);
    }

    /** The endpoint that owns {@code ssrc}, or null. */
    public String ownerOf(long ssrc) {
        return ssrcOwner.get(ssrc);
    }

    public void reserve(EndpointSources bridgeSources) {
        reserved.addAll(bridgeSources.ssrcs());
    }

    /**
     * Checks {@code added} for {@code endpoint} and returns what is really new (sources it already has are not
     * repeated); the caller then {@link #add}s it.
     */
    public EndpointSources validateAdd(String endpoint, EndpointSources added) throws SourceException {
        return validate(endpoint, get(endpoint), added);
    }

    /** What a full replacement of an endpoint's sources adds and removes. */
    public record Change(EndpointSources added, EndpointSources removed) {
        public boolean isEmpty() { return added.isEmpty() && removed.isEmpty(); }
    }

    /**
     * Checks {@code claimed} as the endpoint's complete source set (a session-accept: a new session may bring new
     * SSRCs) and returns what it adds and what of the current set it drops; the caller then {@link #remove}s and
     * {@link #add}s those.
     */
    public Change validateReplace(String endpoint, EndpointSources claimed) throws SourceException {
        validate(endpoint, EndpointSources.EMPTY, claimed);
        EndpointSources current = get(endpoint);
        return new Change(claimed.minus(current), current.minus(claimed));
    }

    private EndpointSources validate(String endpoint, EndpointSources current, EndpointSources added) throws SourceException {
        Map<Long, String> mediaOf = new HashMap<>();
        for (Source s : current.audio()) mediaOf.put(s.ssrc(), EndpointSources.AUDIO);
        for (Source s : current.video()) mediaOf.put(s.ssrc(), EndpointSources.VIDEO);
        for (String media : new String[] {EndpointSources.AUDIO, EndpointSources.VIDEO}) {
            for (Source s : added.sources(media)) {
                long ssrc = s.ssrc();
                if (ssrc == 0) throw new SourceException("SSRC 0 is not valid");
                if (reserved.contains(ssrc)) throw new SourceException("SSRC " + ssrc + " belongs to the bridge");
                String owner = ssrcOwner.get(ssrc);
                if (owner != null && !owner.equals(endpoint)) {
                    throw new SourceException("SSRC " + ssrc + " is already used by another endpoint");
                }
                String m = mediaOf.putIfAbsent(ssrc, media);
                if (m != null && !m.equals(media)) {
                    throw new SourceException("SSRC " + ssrc + " is signalled for both audio and video");
                }
                if (s.name() != null) {
                    String nameUser = nameOwner.get(s.name());
                    if (nameUser != null && !nameUser.equals(endpoint)) {
                        throw new SourceException("source name " + s.name() + " is already used by another endpoint");
                    }
                }
            }
        }
        EndpointSources fresh = added.minus(current);
        EndpointSources merged = current.plus(added);
        if (merged.sourceCount() > maxSources) {
            throw new SourceException("too many sources: " + merged.sourceCount() + " (at most " + maxSources + ")");
        }
        if (merged.groupCount() > maxGroups) {
            throw new SourceException("too many SSRC groups: " + merged.groupCount() + " (at most " + maxGroups + ")");
        }
        Set<Long> all = merged.ssrcs();
        for (String media : new String[] {EndpointSources.AUDIO, EndpointSources.VIDEO}) {
            Set<Long> ofMedia = new HashSet<>();
            for (Source s : merged.sources(media)) ofMedia.add(s.ssrc());
            for (SourceGroup g : added.groups(media)) {
                String sem = g.semantics();
                if (!SourceGroup.SIM.equals(sem) && !SourceGroup.FID.equals(sem)) {
                    throw new SourceException("unsupported SSRC group semantics '" + sem + "'");
                }
                if (SourceGroup.FID.equals(sem) && g.ssrcs().size() != 2) {
                    throw new SourceException("an FID group needs exactly 2 SSRCs");
                }
                if (g.ssrcs().isEmpty()) throw new SourceException("an empty SSRC group");
                for (Long ssrc : g.ssrcs()) {
                    if (!ofMedia.contains(ssrc)) {
                        throw new SourceException("SSRC group " + sem + " refers to SSRC " + ssrc
                                + (all.contains(ssrc) ? " of another media" : " that the endpoint does not have"));
                    }
                }
            }
        }
        return fresh;
    }

    /**
     * Checks a removal: every SSRC must be the endpoint's. Returns what will really go (the sources as stored, with
     * the groups that lose a member).
     */
    public EndpointSources validateRemove(String endpoint, EndpointSources removed) throws SourceException {
        EndpointSources current = get(endpoint);
        Set<Long> own = current.ssrcs();
        for (Long ssrc : removed.ssrcs()) {
            if (!own.contains(ssrc)) {
                throw new SourceException("SSRC " + ssrc + " is not a source of this endpoint");
            }
        }
        Set<Long> gone = removed.ssrcs();
        java.util.List<Source> a = new java.util.ArrayList<>(), v = new java.util.ArrayList<>();
        for (Source s : current.audio()) if (gone.contains(s.ssrc())) a.add(s);
        for (Source s : current.video()) if (gone.contains(s.ssrc())) v.add(s);
        java.util.List<SourceGroup> ag = new java.util.ArrayList<>(), vg = new java.util.ArrayList<>();
        for (SourceGroup g : current.audioGroups()) if (removed.audioGroups().contains(g) || touches(g, gone)) ag.add(g);
        for (SourceGroup g : current.videoGroups()) if (removed.videoGroups().contains(g) || touches(g, gone)) vg.add(g);
        return new EndpointSources(a, ag, v, vg);
    }

    private static boolean touches(SourceGroup g, Set<Long> ssrcs) {
        for (Long s : g.ssrcs()) if (ssrcs.contains(s)) return true;
        return false;
    }

    public void add(String endpoint, EndpointSources added) {
        EndpointSources merged = get(endpoint).plus(added);
        byEndpoint.put(endpoint, merged);
        for (Long s : added.ssrcs()) ssrcOwner.put(s, endpoint);
        for (Source s : added.audio()) if (s.name() != null) nameOwner.put(s.name(), endpoint);
        for (Source s : added.video()) if (s.name() != null) nameOwner.put(s.name(), endpoint);
    }

    public void remove(String endpoint, EndpointSources removed) {
        EndpointSources left = get(endpoint).minus(removed);
        if (left.isEmpty()) byEndpoint.remove(endpoint);
        else byEndpoint.put(endpoint, left);
        for (Long s : removed.ssrcs()) ssrcOwner.remove(s, endpoint);
        Set<String> stillNamed = new HashSet<>();
        for (Source s : left.audio()) if (s.name() != null) stillNamed.add(s.name());
        for (Source s : left.video()) if (s.name() != null) stillNamed.add(s.name());
        nameOwner.entrySet().removeIf(e -> e.getValue().equals(endpoint) && !stillNamed.contains(e.getKey()));
    }

    /** Drops everything {@code endpoint} had; returns it. */
    public EndpointSources removeEndpoint(String endpoint) {
        EndpointSources had = byEndpoint.remove(endpoint);
        if (had == null) return EndpointSources.EMPTY;
        for (Long s : had.ssrcs()) ssrcOwner.remove(s, endpoint);
        nameOwner.entrySet().removeIf(e -> e.getValue().equals(endpoint));
        return had;
    }
}
