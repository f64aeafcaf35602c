package org.parley.focus.moderation;

import com.nimbusds.jose.util.JSONObjectUtils;
import java.text.ParseException;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.dom4j.Element;
import org.parley.focus.conference.Member;
import org.parley.focus.moderation.MuteIq.Media;
import org.parley.focus.xmpp.Stanzas;
import org.xmpp.packet.Message;

/**
 * Audio/video moderation as the focus enforces it (Jicofo's AvModerationHandler). The room's moderation state lives
 * in the {@code avmoderation.<domain>} component ({@code mod_av_moderation_component}), which tells the focus with a
 * message to its JID: {@code <json-message xmlns='http://jitsi.org/jitmeet'>} holding
 * {@code {"type":"av_moderation","room":"room@conference.D","enabled":true,"mediaType":"audio","actor":"…"}} when
 * moderation of a media turns on or off, or {@code {"type":"av_moderation","room":…,"whitelists":{"audio":[occupant
 * JIDs],"video":[…]}}} when the approved participants change. While moderation of a media is on, only moderators and
 * approved participants may unmute it. One per conference, on its actor.
 */
final class AvModeration {
    static final String TYPE = "av_moderation";

    /** A parsed component message: either {@code enabled} (with its media) or {@code whitelists} is set. */
    record Update(String room, Media media, Boolean enabled, Map<Media, Set<String>> whitelists) {}

    private final Map<Media, Boolean> enabled = new EnumMap<>(Media.class);
    private final Map<Media, Set<String>> whitelists = new EnumMap<>(Media.class);

    /**
     * The update in {@code message}, or null when it is not an AV moderation message. Throws IllegalArgumentException
     * when it is one but malformed. Media other than audio, video and desktop are ignored.
     */
    static Update parse(Message message) {
        Element json = Stanzas.child(message.getElement(), "json-message", Stanzas.JITMEET);
        if (json == null) return null;
        Map<String, Object> o;
        try {
            o = JSONObjectUtils.parse(json.getText());
        } catch (ParseException e) {
            throw new IllegalArgumentException("not a JSON object: " + e.getMessage());
        }
        if (!TYPE.equals(o.get("type"))) return null;
        if (!(o.get("room") instanceof String room)) throw new IllegalArgumentException("no room");
        if (o.get("enabled") instanceof Boolean on) {
            if (!(o.get("mediaType") instanceof String media)) throw new IllegalArgumentException("no mediaType");
            return new Update(room, media(media), on, null);
        }
        if (!(o.get("whitelists") instanceof Map<?, ?> lists)) throw new IllegalArgumentException("neither enabled nor whitelists");
        Map<Media, Set<String>> out = new EnumMap<>(Media.class);
        for (Map.Entry<?, ?> e : lists.entrySet()) {
            Media m = media(String.valueOf(e.getKey()));
            if (!(e.getValue() instanceof List<?> jids)) throw new IllegalArgumentException("whitelist is not a list");
            if (m == null) continue;
            Set<String> set = new HashSet<>();
            for (Object jid : jids) set.add(String.valueOf(jid));
            out.put(m, set);
        }
        return new Update(room, null, null, out);
    }

    private static Media media(String name) {
        return switch (name) {
            case "audio" -> Media.AUDIO;
            case "video" -> Media.VIDEO;
            case "desktop" -> Media.DESKTOP;
            default -> null;
        };
    }

    /** Applies {@code u}; returns true when it turned moderation of its media on. */
    boolean apply(Update u) {
        if (u.enabled() != null) {
            if (u.media() == null) return false;
            boolean was = isEnabled(u.media());
            enabled.put(u.media(), u.enabled());
            return u.enabled() && !was;
        }
        for (Map.Entry<Media, Set<String>> e : u.whitelists().entrySet()) whitelists.put(e.getKey(), Set.copyOf(e.getValue()));
        return false;
    }

    boolean isEnabled(Media media) {
        return enabled.getOrDefault(media, false);
    }

    /** Jicofo's rule: with moderation off anyone may unmute; with it on, moderators and approved participants. */
    boolean mayUnmute(Member member, Media media) {
        return !isEnabled(media) || member.isModerator()
                || whitelists.getOrDefault(media, Set.of()).contains(member.occupantJid().toString());
    }
}
