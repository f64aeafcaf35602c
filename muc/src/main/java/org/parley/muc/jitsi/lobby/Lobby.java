package org.parley.muc.jitsi.lobby;

import com.nimbusds.jose.util.JSONObjectUtils;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.dom4j.DocumentHelper;
import org.dom4j.Element;
import org.dom4j.QName;
import org.parley.muc.Affiliation;
import org.parley.muc.MucRoom;
import org.parley.muc.MucService;
import org.parley.muc.RoomConfig;
import org.parley.muc.RoomModule;
import org.parley.muc.RoomOccupant;
import org.parley.muc.jitsi.JsonMessages;
import org.parley.xmpp.router.Stanzas;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.xmpp.packet.JID;
import org.xmpp.packet.Packet;
import org.xmpp.packet.PacketError;
import org.xmpp.packet.Presence;

/**
 * The Jitsi Meet lobby (Prosody's mod_muc_lobby_rooms). A moderator turns it on by making the meeting members-only
 * (lib-jitsi-meet's owner form); the module then opens the lobby room, same name on the lobby service, and lists it
 * in the meeting's disco#info ({@code muc#roominfo_lobbyroom}). A joiner who is not a member is refused with
 * {@code registration-required} carrying that address; it waits in the lobby room, where only the meeting's owners
 * and admins (its moderators, owners there too) see it and chat with it. A moderator admits it with a mediated
 * invitation to the meeting (the room makes the invitee a member and passes the invitation on) or turns it away by
 * kicking it from the lobby room. The room's password, a whitelisted domain or JID, and the service's admins skip
 * the lobby. The lobby room ends with the meeting, and when the lobby is turned off (then with the meeting as the
 * alternate venue, which lib-jitsi-meet joins).
 *
 * <p>This module runs on the meeting services; {@link LobbyRooms}, its other half, on the lobby service (so that
 * only the lobby rooms' output is filtered). What both share (which lobby room belongs to which meeting, who
 * moderates it) is in {@link #links}, written on the meeting's thread and read on the lobby room's.
 */
public final class Lobby implements RoomModule {
    private static final Logger log = LoggerFactory.getLogger(Lobby.class);
    /** Prosody's reason when it closes a lobby room. */
    public static final String CLOSED = "Lobby room closed.";
    static final String ROOMINFO_FIELD = "muc#roominfo_lobbyroom";
    private static final String MUC = "http://jabber.org/protocol/muc";

    private final MucService muc;
    private final String lobbyDomain;
    private final Set<String> whitelist;
    /** By lobby room JID. */
    private final ConcurrentHashMap<JID, Link> links = new ConcurrentHashMap<>();
    private final LobbyRooms rooms = new LobbyRooms(this);

    /**
     * A meeting and its lobby room; {@code moderators}: bare JIDs of the meeting's owners and admins; {@code waiting}:
     * who waits in the lobby room, by real JID (kept by {@link LobbyRooms}, bounded by the lobby room's occupants).
     */
    record Link(JID meeting, JID lobby, Set<String> moderators, Map<JID, Waiting> waiting) {
        Link(JID meeting, JID lobby) {
            this(meeting, lobby, ConcurrentHashMap.newKeySet(), new ConcurrentHashMap<>());
        }
    }

    /** A waiting user as the notifications name it: its occupant JID in the lobby room and its display name. */
    record Waiting(JID occupantJid, String displayName) {}

    /**
     * @param lobbyDomain the MUC service of the lobby rooms
     * @param whitelist domains and bare JIDs that enter without knocking (Prosody's muc_lobby_whitelist)
     */
    public Lobby(MucService muc, String lobbyDomain, Set<String> whitelist) {
        this.muc = muc;
        this.lobbyDomain = lobbyDomain;
        this.whitelist = Set.copyOf(whitelist);
    }

    /** The module for the lobby service. */
    public RoomModule lobbyRooms() { return rooms; }

    /** The link of a lobby room, or null when its lobby is off. */
    Link link(JID lobbyRoom) { return links.get(lobbyRoom); }

    private JID lobbyOf(MucRoom meeting) { return new JID(meeting.jid().getNode(), lobbyDomain, null, true); }

    /** The meeting's link, or null when its lobby is off. */
    private Link linkOf(MucRoom meeting) {
        Link link = links.get(lobbyOf(meeting));
        return link != null && link.meeting().equals(meeting.jid()) ? link : null;
    }

    @Override
    public void configured(MucRoom room) {
        Link link = linkOf(room);
        if (room.config().membersOnly()) {
            if (link == null && attach(room)) notify(room, room.actor(), Map.of("event", "LOBBY-ENABLED", "value", true));
        } else if (link != null) {
            // Turned off: the waiting users are sent to the meeting, which lets them in now.
            detach(link, room.jid());
            notify(room, room.actor(), Map.of("event", "LOBBY-ENABLED", "value", false));
        }
    }

    /**
     * Tells the meeting what a moderator did with the lobby ({@code lobby-notify}, the web app's notifications), as
     * a message from that moderator's occupant JID; nothing when it is not in the meeting (Prosody does the same).
     */
    static void notify(MucRoom meeting, JID actor, Map<String, Object> what) {
        RoomOccupant from = actor == null ? null : meeting.occupant(actor);
        if (from == null) return;
        Map<String, Object> json = new LinkedHashMap<>(what);
        json.put("type", "lobby-notify");
        Element m = DocumentHelper.createElement(QName.get("message", "jabber:client"));
        m.addAttribute("type", "groupchat");
        m.addAttribute("from", from.occupantJid().toString());
        m.addElement(QName.get("json-message", JsonMessages.NS)).setText(JSONObjectUtils.toJSONString(json));
        meeting.broadcast(m);
    }

    /** The waiting user's occupant JID and display name for LOBBY-ACCESS-GRANTED/DENIED. */
    static Map<String, Object> access(String event, Waiting w) {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("event", event);
        json.put("value", w.occupantJid().toString());
        if (w.displayName() != null) json.put("name", w.displayName());
        return json;
    }

    /** A meeting with its lobby on: the moderators it follows and who waits (the lobby room goes on its own). */
    @Override
    public void handOver(MucRoom room, Element state) {
        Link link = linkOf(room);
        if (link == null) return;
        Element lobby = state.addElement("lobby");
        for (String m : link.moderators()) lobby.addElement("moderator").addAttribute("jid", m);
        for (var w : link.waiting().entrySet()) {
            Element e = lobby.addElement("waiting").addAttribute("jid", w.getKey().toString())
                    .addAttribute("occupant", w.getValue().occupantJid().toString());
            if (w.getValue().displayName() != null) e.addAttribute("name", w.getValue().displayName());
        }
    }

    /** The meeting's lobby as it was; its lobby room (on the lobby service) was restored with its occupants. */
    @Override
    public void restored(MucRoom room, Element state) {
        Element lobby = state.element("lobby");
        if (lobby == null) return;
        Link link = new Link(room.jid(), lobbyOf(room));
        for (Element m : lobby.elements("moderator")) link.moderators().add(m.attributeValue("jid"));
        for (Element w : lobby.elements("waiting")) {
            link.waiting().put(new JID(w.attributeValue("jid")), new Waiting(new JID(w.attributeValue("occupant")), w.attributeValue("name")));
        }
        links.put(link.lobby(), link);
    }

    private boolean attach(MucRoom meeting) {
        Link link = new Link(meeting.jid(), lobbyOf(meeting));
        for (RoomOccupant o : meeting.occupants()) {
            if (o.affiliation().atLeast(Affiliation.ADMIN)) link.moderators().add(o.realJid().toBareJID());
        }
        Link other = links.putIfAbsent(link.lobby(), link);
        if (other != null) {
            log.warn("{}: lobby room {} already belongs to {}; no lobby", meeting.jid(), link.lobby(), other.meeting());
            return false;
        }
        open(link);
        log.info("{}: lobby on ({})", meeting.jid(), link.lobby());
        return true;
    }

    /** Runs {@code step} in the link's meeting, if it is still there. */
    void inMeeting(Link link, java.util.function.Consumer<MucRoom> step) {
        muc.inRoom(link.meeting(), r -> {
            if (r != null) step.accept(r);
        });
    }

    /** Opens the link's lobby room (again, when it emptied while the lobby is on). */
    void open(Link link) {
        muc.createRoom(link.lobby(), r -> {
            if (r == null) {
                links.remove(link.lobby(), link);
                log.warn("{}: cannot open lobby room {} (is {} a MUC service?)", link.meeting(), link.lobby(), lobbyDomain);
                return;
            }
            if (links.get(link.lobby()) != link) {
                // Turned off (or the meeting ended) while this was on its way: no lobby room is left behind.
                r.destroy(CLOSED, null);
                return;
            }
            // No history: a newcomer must not read what earlier waiting users said.
            r.reconfigure(c -> new RoomConfig(c.name(), c.description(), false, false, false, false, false, "", c.whois(),
                    c.maxUsers(), c.allowPm(), false, false, false, 0));
        });
    }

    private void detach(Link link, JID alternate) {
        if (!links.remove(link.lobby(), link)) return;
        muc.inRoom(link.lobby(), r -> {
            if (r != null) r.destroy(CLOSED, alternate);
        });
        log.info("{}: lobby off", link.meeting());
    }

    @Override
    public void roomInfo(MucRoom room, Element form) {
        if (!room.config().membersOnly()) return;
        Link link = linkOf(room);
        if (link == null) return;
        Element field = form.addElement(QName.get("field", form.getNamespace()));
        field.addAttribute("var", ROOMINFO_FIELD);
        field.addAttribute("type", "text-single");
        field.addAttribute("label", "Lobby room jid");
        field.addElement(QName.get("value", form.getNamespace())).setText(link.lobby().toString());
    }

    @Override
    public Packet entering(MucRoom room, JID user, Presence presence) {
        RoomConfig config = room.config();
        Link link = config.membersOnly() ? linkOf(room) : null;
        if (link == null || room.serviceAdmin(user)) return null;
        Element join = presence.getElement().element(QName.get("x", MUC));
        if (join == null) return null;
        String password = join.elementText("password");
        boolean whitelisted = whitelist.contains(user.getDomain()) || whitelist.contains(user.toBareJID());
        boolean knowsPassword = config.passwordProtected() && !config.password().isEmpty() && config.password().equals(password);
        Affiliation affiliation = room.affiliation(user);
        if ((whitelisted || knowsPassword) && (affiliation == Affiliation.NONE || affiliation == Affiliation.MEMBER)) {
            if (affiliation == Affiliation.NONE) room.setAffiliation(user, Affiliation.MEMBER);
            return null;
        }
        // Prosody answers a joiner without a display name not-acceptable/displayname-required here; lib-jitsi-meet
        // before 2022 (stable 6726) takes that for a connection error and never reaches the lobby, while every
        // version's lobby screen asks for the name before knocking. So it goes to the lobby like anyone.
        if (affiliation != Affiliation.NONE) return null;
        Packet reply = Stanzas.errorReply(presence, new PacketError(PacketError.Condition.registration_required, PacketError.Type.auth));
        Element root = reply.getElement();
        Element error = root.element("error");
        error.addAttribute("code", "407");
        error.addElement(QName.get("lobbyroom", JsonMessages.NS)).setText(link.lobby().toString());
        // Where lib-jitsi-meet before 2022 looks for it (Prosody still sends both).
        root.addElement(QName.get("lobbyroom", root.getNamespace())).setText(link.lobby().toString());
        return reply;
    }

    @Override
    public void joined(MucRoom room, RoomOccupant occupant) {
        if (!occupant.affiliation().atLeast(Affiliation.ADMIN)) return;
        Link link = linkOf(room);
        if (link != null) link.moderators().add(occupant.realJid().toBareJID());
    }

    @Override
    public void affiliationChanged(MucRoom room, JID user, Affiliation previous, Affiliation now) {
        if (user.getNode() == null) return;
        Link link = linkOf(room);
        if (link == null) return;
        JID actor = room.actor();
        if (now == Affiliation.MEMBER && actor != null && !actor.toBareJID().equals(user.toBareJID())) {
            // Admitted by a moderator (lib-jitsi-meet's invitation makes the invitee a member).
            for (var w : link.waiting().entrySet()) {
                if (w.getKey().toBareJID().equals(user.toBareJID())) notify(room, actor, access("LOBBY-ACCESS-GRANTED", w.getValue()));
            }
        }
        boolean moderator = now.atLeast(Affiliation.ADMIN);
        String bare = user.toBareJID();
        if (moderator ? !link.moderators().add(bare) : !link.moderators().remove(bare)) return;
        // A moderator waiting in the lobby or one demoted while there: its role in the lobby room follows.
        muc.inRoom(link.lobby(), r -> {
            if (r != null) LobbyRooms.moderator(r, user, moderator);
        });
    }

    @Override
    public void destroyed(MucRoom room) {
        Link link = linkOf(room);
        if (link != null) detach(link, null);
    }
}
