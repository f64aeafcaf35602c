package org.parley.focus.source;

import java.util.List;
import java.util.Map;
import org.parley.jingle.JsonMessage;
import org.parley.jingle.rtp.Source;
import org.parley.jingle.rtp.SourceGroup;

/**
 * Jicofo's compact JSON for sources, which lib-jitsi-meet reads from a {@code <json-message>} when it advertises
 * {@code http://jitsi.org/json-encoded-sources}: {@code {"sources":{"<endpoint id>":[[video sources],[video groups],
 * [audio sources],[audio groups]]}}}, a source being {@code {"s":ssrc,"n":"name","m":"msid"}} plus {@code "v":"d"} for
 * a desktop source, a group {@code ["f"|"s",ssrc,...]}. The bridge's own sources are under {@code "jvb"}.
 */
public final class CompactJson {
    public static final String FEATURE = "http://jitsi.org/json-encoded-sources";

    private CompactJson() {}

    /** The {@code <json-message>} for these owners' sources (keys: endpoint ids, or "jvb"). */
    public static JsonMessage message(Map<String, EndpointSources> byOwner) {
        StringBuilder sb = new StringBuilder(64 + 96 * byOwner.size());
        sb.append("{\"sources\":{");
        boolean first = true;
        for (var e : byOwner.entrySet()) {
            if (!first) sb.append(',');
            first = false;
            string(sb, e.getKey());
            sb.append(':');
            endpoint(sb, e.getValue());
        }
        sb.append("}}");
        return new JsonMessage(sb.toString());
    }

    static void endpoint(StringBuilder sb, EndpointSources s) {
        sb.append("[[");
        sources(sb, s.video());
        sb.append("],[");
        groups(sb, s.videoGroups());
        sb.append("],[");
        sources(sb, s.audio());
        sb.append(']');
        if (!s.audioGroups().isEmpty()) {
            sb.append(",[");
            groups(sb, s.audioGroups());
            sb.append(']');
        }
        sb.append(']');
    }

    private static void sources(StringBuilder sb, List<Source> sources) {
        for (int i = 0; i < sources.size(); i++) {
            Source s = sources.get(i);
            if (i > 0) sb.append(',');
            sb.append("{\"s\":").append(s.ssrc());
            if (s.name() != null) {
                sb.append(",\"n\":");
                string(sb, s.name());
            }
            String msid = s.parameter("msid");
            if (msid != null) {
                sb.append(",\"m\":");
                string(sb, msid);
            }
            if ("desktop".equalsIgnoreCase(s.videoType())) sb.append(",\"v\":\"d\"");
            sb.append('}');
        }
    }

    private static void groups(StringBuilder sb, List<SourceGroup> groups) {
        int n = 0;
        for (SourceGroup g : groups) {
            String sem = SourceGroup.SIM.equals(g.semantics()) ? "s" : SourceGroup.FID.equals(g.semantics()) ? "f" : null;
            if (sem == null) continue;
            if (n++ > 0) sb.append(',');
            sb.append("[\"").append(sem).append('"');
            for (Long ssrc : g.ssrcs()) sb.append(',').append(ssrc);
            sb.append(']');
        }
    }

    static void string(StringBuilder sb, String s) {
        sb.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\t' -> sb.append("\\t");
                default -> {
                    if (c < 0x20) sb.append(String.format("\\u%04x", (int) c));
                    else sb.append(c);
                }
            }
        }
        sb.append('"');
    }
}
