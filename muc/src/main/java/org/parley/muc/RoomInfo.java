package org.parley.muc;

import java.time.Instant;
import java.util.List;

/**
 * A snapshot of one room for the HTTP room-size API (Prosody's {@code mod_muc_size}): {@code /room-size} answers
 * {@link #sizeJson()}, {@code /room} answers {@link #occupantsJson()}.
 *
 * @param jid the room's bare JID
 * @param participants every occupant, in order of arrival
 */
public record RoomInfo(String jid, String name, String meetingId, Instant created, boolean persistent, boolean locked,
                       List<Participant> participants) {

    /**
     * One occupant. {@code displayName} is the XEP-0172 {@code <nick/>} of its presence (what Jitsi clients show),
     * {@code email} its {@code <email/>}; both may be null.
     */
    public record Participant(String occupantJid, String nick, String displayName, String email, String realJid,
                              String role, String affiliation) {
        /** Jitsi's focus joins every meeting as "focus"; mod_muc_size does not count it. */
        public boolean focus() { return "focus".equals(nick); }
    }

    public RoomInfo {
        participants = List.copyOf(participants);
    }

    /** Occupants other than the focus. */
    public int participantCount() {
        int n = 0;
        for (Participant p : participants) if (!p.focus()) n++;
        return n;
    }

    /** {@code {"participants":N}}, as {@code /room-size} answers. */
    public String sizeJson() {
        return "{\"participants\":" + participantCount() + "}";
    }

    /**
     * {@code [{"jid":"room@conference.example.org/nick","email":"","display_name":""}, ...]} for every occupant but
     * the focus, as {@code /room} answers.
     */
    public String occupantsJson() {
        StringBuilder sb = new StringBuilder("[");
        for (Participant p : participants) {
            if (p.focus()) continue;
            if (sb.length() > 1) sb.append(',');
            sb.append("{\"jid\":");
            json(sb, p.occupantJid());
            sb.append(",\"email\":");
            json(sb, p.email() == null ? "" : p.email());
            sb.append(",\"display_name\":");
            json(sb, p.displayName() == null ? "" : p.displayName());
            sb.append('}');
        }
        return sb.append(']').toString();
    }

    static void json(StringBuilder sb, String s) {
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
                    if (c < 0x20 || c == '<' || c == '>' || c == '&' || c == 0x2028 || c == 0x2029) sb.append(String.format("\\u%04x", (int) c));
                    else sb.append(c);
                }
            }
        }
        sb.append('"');
    }
}
