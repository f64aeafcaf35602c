package org.parley.muc;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.dom4j.Element;
import org.xmpp.packet.JID;

/** The owner's {@code muc#roomconfig} form (XEP-0045 section 10.2): built from a room, read back into one. */
final class ConfigForm {
    static final String MEETING_ID = "muc#roominfo_meetingId";

    private ConfigForm() {}

    /** What a submitted form asks for; null lists mean "not in the form, leave as is". */
    record Submitted(RoomConfig config, List<String> owners, List<String> admins) {}

    static Element build(RoomConfig c, List<String> owners, List<String> admins, String meetingId, int maxHistory) {
        Element x = Forms.form("form", Ns.ROOMCONFIG);
        x.addElement("title").setText("Configuration of the room");
        Forms.field(x, "muc#roomconfig_roomname", "text-single", "Name", c.name());
        Forms.field(x, "muc#roomconfig_roomdesc", "text-single", "Description", c.description());
        Forms.bool(x, "muc#roomconfig_persistentroom", "Keep the room when the last occupant leaves", c.persistent());
        Forms.bool(x, "muc#roomconfig_publicroom", "List the room in the directory", c.publicRoom());
        Forms.bool(x, "muc#roomconfig_membersonly", "Only members may enter", c.membersOnly());
        Forms.bool(x, "muc#roomconfig_moderatedroom", "Only participants with voice may speak", c.moderated());
        Forms.bool(x, "muc#roomconfig_passwordprotectedroom", "A password is needed to enter", c.passwordProtected());
        Forms.field(x, "muc#roomconfig_roomsecret", "text-private", "Password", c.password());
        Forms.listSingle(x, "muc#roomconfig_whois", "Who may see real JIDs", c.whois().xml(), "moderators", "anyone");
        String max = c.maxUsers() == 0 ? "none" : Integer.toString(c.maxUsers());
        Element maxField = Forms.listSingle(x, "muc#roomconfig_maxusers", "Maximum number of occupants", max,
                "10", "20", "30", "50", "100", "500", "1000", "none");
        if (c.maxUsers() != 0 && !List.of(10, 20, 30, 50, 100, 500, 1000).contains(c.maxUsers())) {
            Element opt = maxField.addElement("option");
            opt.addAttribute("label", max);
            opt.addElement("value").setText(max);
        }
        Forms.listSingle(x, "muc#roomconfig_allowpm", "Who may send private messages", c.allowPm().xml(),
                "anyone", "participants", "moderators", "none");
        Forms.bool(x, "muc#roomconfig_allowinvites", "Occupants may invite others", c.allowInvites());
        Forms.bool(x, "muc#roomconfig_changesubject", "Occupants may change the subject", c.changeSubject());
        Forms.bool(x, "muc#roomconfig_enablelogging", "Log the conversation", c.logging());
        Forms.field(x, "muc#maxhistoryfetch", "text-single", "History messages kept (at most " + maxHistory + ")",
                Integer.toString(c.historyLength()));
        Forms.field(x, "muc#roomconfig_roomadmins", "jid-multi", "Room admins", admins.toArray(String[]::new));
        Forms.field(x, "muc#roomconfig_roomowners", "jid-multi", "Room owners", owners.toArray(String[]::new));
        Forms.field(x, MEETING_ID, "text-single", "The meeting unique id.", meetingId);
        return x;
    }

    /** Reads a submitted form over the current config; throws for a value that is not acceptable. */
    static Submitted parse(Element x, RoomConfig c, int maxHistory) throws MucError {
        Map<String, List<String>> v = Forms.values(x);
        String formType = Forms.single(v, "FORM_TYPE");
        if (formType != null && !formType.equals(Ns.ROOMCONFIG)) throw MucError.badRequest("not a muc#roomconfig form");
        String name = or(Forms.single(v, "muc#roomconfig_roomname"), c.name());
        String desc = or(Forms.single(v, "muc#roomconfig_roomdesc"), c.description());
        boolean persistent = or(Forms.bool(Forms.single(v, "muc#roomconfig_persistentroom")), c.persistent());
        boolean pub = or(Forms.bool(Forms.single(v, "muc#roomconfig_publicroom")), c.publicRoom());
        boolean membersOnly = or(Forms.bool(Forms.single(v, "muc#roomconfig_membersonly")), c.membersOnly());
        boolean moderated = or(Forms.bool(Forms.single(v, "muc#roomconfig_moderatedroom")), c.moderated());
        boolean passwordProtected = or(Forms.bool(Forms.single(v, "muc#roomconfig_passwordprotectedroom")), c.passwordProtected());
        String password = or(Forms.single(v, "muc#roomconfig_roomsecret"), c.password());
        if (passwordProtected && password.isEmpty()) {
            throw MucError.notAcceptable("a password-protected room needs muc#roomconfig_roomsecret");
        }
        String whoisValue = Forms.single(v, "muc#roomconfig_whois");
        RoomConfig.Whois whois = whoisValue == null ? c.whois() : RoomConfig.Whois.parse(whoisValue);
        if (whois == null) throw MucError.badRequest("muc#roomconfig_whois must be moderators or anyone");
        String pmValue = Forms.single(v, "muc#roomconfig_allowpm");
        RoomConfig.AllowPm allowPm = pmValue == null ? c.allowPm() : RoomConfig.AllowPm.parse(pmValue);
        if (allowPm == null) throw MucError.badRequest("muc#roomconfig_allowpm must be anyone, participants, moderators or none");
        int maxUsers = c.maxUsers();
        String maxValue = Forms.single(v, "muc#roomconfig_maxusers");
        if (maxValue != null) {
            String m = maxValue.trim();
            if (m.isEmpty() || m.equals("none") || m.equals("0")) {
                maxUsers = 0;
            } else {
                maxUsers = number(m, "muc#roomconfig_maxusers");
                if (maxUsers < 1) throw MucError.badRequest("muc#roomconfig_maxusers must be positive or none");
            }
        }
        int history = c.historyLength();
        String historyValue = Forms.single(v, "muc#maxhistoryfetch");
        if (historyValue == null) historyValue = Forms.single(v, "muc#roomconfig_historylength");
        if (historyValue != null && !historyValue.isBlank()) {
            history = number(historyValue.trim(), "muc#maxhistoryfetch");
            if (history < 0) throw MucError.badRequest("muc#maxhistoryfetch must not be negative");
            history = Math.min(history, maxHistory);
        }
        boolean invites = or(Forms.bool(Forms.single(v, "muc#roomconfig_allowinvites")), c.allowInvites());
        boolean subject = or(Forms.bool(Forms.single(v, "muc#roomconfig_changesubject")), c.changeSubject());
        boolean logging = or(Forms.bool(Forms.single(v, "muc#roomconfig_enablelogging")), c.logging());
        RoomConfig next = new RoomConfig(name, desc, persistent, pub, membersOnly, moderated, passwordProtected,
                passwordProtected ? password : "", whois, maxUsers, allowPm, invites, subject, logging, history);
        return new Submitted(next, jids(v.get("muc#roomconfig_roomowners")), jids(v.get("muc#roomconfig_roomadmins")));
    }

    private static List<String> jids(List<String> values) throws MucError {
        if (values == null) return null;
        List<String> out = new ArrayList<>();
        for (String s : values) {
            if (s == null || s.isBlank()) continue;
            try {
                out.add(new JID(s.trim()).toBareJID());
            } catch (IllegalArgumentException e) {
                throw MucError.badRequest("not a JID: " + s);
            }
        }
        return out;
    }

    private static int number(String s, String var) throws MucError {
        try {
            return Integer.parseInt(s);
        } catch (NumberFormatException e) {
            throw MucError.badRequest(var + " is not a number: " + s);
        }
    }

    private static String or(String s, String fallback) { return s == null ? fallback : s; }

    private static boolean or(Boolean b, boolean fallback) { return b == null ? fallback : b; }
}
