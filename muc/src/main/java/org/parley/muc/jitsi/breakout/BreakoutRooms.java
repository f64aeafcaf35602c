package org.parley.muc.jitsi.breakout;

import com.nimbusds.jose.util.JSONObjectUtils;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.dom4j.Element;
import org.dom4j.QName;
import org.parley.muc.Affiliation;
import org.parley.muc.MucRoom;
import org.parley.muc.MucService;
import org.parley.muc.Role;
import org.parley.muc.RoomModule;
import org.parley.muc.RoomOccupant;
import org.parley.muc.ServiceModule;
import org.parley.muc.jitsi.JsonMessages;
import org.parley.muc.jitsi.OccupantIndex;
import org.parley.muc.jitsi.endconference.EndConference;
import org.parley.xmpp.router.Stanzas;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.xmpp.packet.IQ;
import org.xmpp.packet.JID;
import org.xmpp.packet.Message;
import org.xmpp.packet.Packet;
import org.xmpp.packet.PacketError;
import org.xmpp.packet.Presence;

/**
 * Breakout rooms (Jitsi's mod_muc_breakout_rooms). A moderator of a meeting sends lib-jitsi-meet's requests to the
 * breakout service's own address ({@code breakout.<domain>}, advertised in the host's disco#info as identity
 * {@code component/breakout_rooms}): add, rename and remove breakout rooms (random names on that service), and move a
 * participant, who is told the room to go to ({@code move-to-room} json-message) and then leaves its conference
 * and asks the focus for the other room's. Everyone in the meeting's rooms gets the room list with its participants
 * ({@code update}) as it changes, at most once per broadcast interval.
 *
 * <p>The main room owns the list ({@link MainRoomState}, on its thread); each breakout room reports its
 * participants to it from its own thread. A main room with breakout rooms is kept when it empties (people may be in
 * breakout rooms; its conference goes, a returning participant asks the focus again), and goes once nobody is in any
 * of the meeting's rooms for {@code close-after}; its breakout rooms go with it. A breakout room nobody added cannot
 * be entered, so the focus cannot be made to open rooms there. Requests that are not a moderator's, or that name
 * rooms or participants outside the sender's meeting, get what Prosody answers: {@code service-unavailable}.
 */
public final class BreakoutRooms implements RoomModule, ServiceModule {
    private static final Logger log = LoggerFactory.getLogger(BreakoutRooms.class);
    static final String IDENTITY_TYPE = "breakout_rooms";
    static final String RENAME_FEATURE = "http://jitsi.org/protocol/breakout_rooms#rename";
    private static final String DISCO_INFO = "http://jabber.org/protocol/disco#info";
    static final String REMOVED = "Breakout room removed.";
    static final String ALL_LEFT = "All occupants left.";

    private final BreakoutSettings settings;
    private final MucService muc;
    private final JID service;
    private final OccupantIndex index = new OccupantIndex();
    /**
     * What a live breakout room's own thread needs to know of it (Prosody's main_rooms_map): its main room, the main
     * room's meeting id and its name. Written by the main room, replaced whole on rename; bounded by max-rooms per
     * main room.
     */
    private record Link(JID main, String mainMeetingId, String name) {}

    private final Map<JID, Link> links = new ConcurrentHashMap<>();

    public BreakoutRooms(BreakoutSettings settings, MucService muc) {
        this.settings = settings;
        this.muc = muc;
        this.service = new JID(settings.breakoutDomain());
    }

    private boolean isBreakout(MucRoom room) {
        return settings.breakoutDomain().equals(room.jid().getDomain());
    }

    // ---- requests to breakout.<domain>, on the service's thread for the sender ----

    @Override
    public boolean stanza(Packet p, Consumer<Packet> reply) {
        if (p instanceof IQ iq) return disco(iq, reply);
        if (!(p instanceof Message m) || m.getType() == Message.Type.error || m.getFrom() == null) return false;
        BreakoutRequest request = BreakoutRequest.of(m.getElement());
        if (request == null) return false;
        JID in = index.room(m.getFrom());
        JID main = in == null ? null : mainOf(in);
        if (main == null && in != null && settings.mainDomains().contains(in.getDomain())) main = in;
        if (main == null) {
            log.debug("breakout request from {} outside any meeting", m.getFrom());
            return false;
        }
        JID meeting = main;
        // reply is this step's output, gone once it returns: answers from the main room's step go out through the room.
        muc.inRoom(meeting, r -> {
            if (r != null) handle(r, m, request);
            else log.debug("breakout request from {}: {} ended meanwhile", m.getFrom(), meeting);
        });
        return true;
    }

    /** lib-jitsi-meet asks for the features of node breakout_rooms (whether rooms can be renamed). */
    private boolean disco(IQ iq, Consumer<Packet> reply) {
        Element q = iq.getChildElement();
        if (iq.getType() != IQ.Type.get || q == null || !DISCO_INFO.equals(q.getNamespaceURI())
                || !IDENTITY_TYPE.equals(q.attributeValue("node"))) {
            return false;
        }
        IQ result = IQ.createResultIQ(iq);
        Element r = result.setChildElement("query", DISCO_INFO);
        r.addAttribute("node", IDENTITY_TYPE);
        r.addElement("identity").addAttribute("category", "component").addAttribute("type", IDENTITY_TYPE)
                .addAttribute("name", settings.breakoutDomain());
        r.addElement("feature").addAttribute("var", RENAME_FEATURE);
        reply.accept(result);
        return true;
    }

    /** On the main room's thread. */
    private void handle(MucRoom main, Message m, BreakoutRequest request) {
        MainRoomState st = main.state(this);
        RoomOccupant o = main.occupant(m.getFrom());
        String role = o != null ? o.role().xml() : null;
        if (role == null && st != null) {
            Participant p = st.inBreakout(m.getFrom().toString());
            role = p == null ? null : p.role();
        }
        if (!Role.MODERATOR.xml().equals(role)) {
            log.debug("{}: breakout request {} from {}, not a moderator", main.jid(), request.type(), m.getFrom());
            main.send(refusal(m, "Only moderators manage breakout rooms"));
            return;
        }
        String type = request.type() == null ? "" : request.type();
        switch (type) {
            case BreakoutRequest.ADD -> add(main, m, request.subject());
            case BreakoutRequest.REMOVE -> remove(main, m, st, BreakoutRequest.jid(request.breakoutRoomJid(), true));
            case BreakoutRequest.RENAME -> rename(main, m, st, BreakoutRequest.jid(request.breakoutRoomJid(), true), request.subject());
            case BreakoutRequest.MOVE -> move(main, m, st, BreakoutRequest.jid(request.participantJid(), false),
                    BreakoutRequest.jid(request.roomJid(), true));
            default -> main.send(refusal(m, "Unknown breakout request"));
        }
    }

    private void add(MucRoom main, Message m, String name) {
        if (name != null && name.length() > settings.maxNameLength()) {
            main.send(Stanzas.errorReply(m, new PacketError(PacketError.Condition.not_acceptable, PacketError.Type.modify,
                    "A breakout room's name has at most " + settings.maxNameLength() + " characters")));
            return;
        }
        MainRoomState st = main.state(this, MainRoomState::new);
        if (st.rooms.size() >= settings.maxRooms()) {
            main.send(Stanzas.errorReply(m, new PacketError(PacketError.Condition.resource_constraint, PacketError.Type.wait,
                    "A meeting has at most " + settings.maxRooms() + " breakout rooms")));
            return;
        }
        JID room = new JID(UUID.randomUUID().toString(), settings.breakoutDomain(), null);
        st.counter++;
        st.rooms.put(room.toBareJID(), new MainRoomState.Breakout(name));
        links.put(room, new Link(main.jid(), main.meetingId(), name));
        log.debug("{}: breakout room {} added", main.jid(), room);
        scheduleBroadcast(main, st);
    }

    private void remove(MucRoom main, Message m, MainRoomState st, JID room) {
        if (st == null || room == null || st.rooms.remove(room.toBareJID()) == null) {
            main.send(refusal(m, "No such breakout room"));
            return;
        }
        forget(room);
        JID alternate = main.jid();
        muc.inRoom(room, br -> {
            if (br != null) br.destroy(REMOVED, alternate);
        });
        log.debug("{}: breakout room {} removed", main.jid(), room);
        scheduleBroadcast(main, st);
    }

    private void rename(MucRoom main, Message m, MainRoomState st, JID room, String name) {
        MainRoomState.Breakout b = st == null || room == null ? null : st.rooms.get(room.toBareJID());
        if (b == null) {
            main.send(refusal(m, "No such breakout room"));
        } else if (name != null && name.length() > settings.maxNameLength()) {
            main.send(Stanzas.errorReply(m, new PacketError(PacketError.Condition.not_acceptable, PacketError.Type.modify,
                    "A breakout room's name has at most " + settings.maxNameLength() + " characters")));
        } else {
            b.name = name;
            links.computeIfPresent(room, (k, l) -> new Link(l.main(), l.mainMeetingId(), name));
            muc.inRoom(room, br -> {
                if (br != null) br.subject(name);
            });
            scheduleBroadcast(main, st);
        }
    }

    /**
     * Tells the participant where to go. Unlike Prosody, which sends to any address it is given, the participant
     * must be in this meeting: a moderator cannot make the service message strangers.
     */
    private void move(MucRoom main, Message m, MainRoomState st, JID participant, JID target) {
        boolean known = target != null && st != null
                && (target.equals(main.jid()) || st.rooms.containsKey(target.toBareJID()));
        boolean member = participant != null && (main.occupant(participant) != null
                || (st != null && st.inBreakout(participant.toString()) != null));
        if (!known || !member) {
            main.send(refusal(m, known ? "Not a participant of this meeting" : "No such room in this meeting"));
            return;
        }
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("type", IDENTITY_TYPE);
        json.put("event", BreakoutRequest.MOVE);
        json.put("roomJid", target.toBareJID());
        main.send(JsonMessages.of(service, participant, JSONObjectUtils.toJSONString(json)));
    }

    private static Packet refusal(Message m, String text) {
        return Stanzas.errorReply(m, new PacketError(PacketError.Condition.service_unavailable, PacketError.Type.cancel, text));
    }

    // ---- room hooks (main rooms and breakout rooms, each on its own thread) ----

    /** A breakout room opens (the focus enters first) with its name as its subject, as Prosody sets it. */
    @Override
    public void created(MucRoom room) {
        Link link = isBreakout(room) ? links.get(room.jid()) : null;
        if (link != null && link.name() != null) room.subject(link.name());
    }

    @Override
    public PacketError joining(MucRoom room, JID user, String nick, Presence presence) {
        if (isBreakout(room) && !links.containsKey(room.jid())) {
            return new PacketError(PacketError.Condition.item_not_found, PacketError.Type.cancel, "Breakout room is invalid.");
        }
        return null;
    }

    /** A main room's breakout rooms: their names and who was in each. */
    @Override
    public void handOver(MucRoom room, Element state) {
        MainRoomState st = isBreakout(room) ? null : room.state(this);
        if (st == null) return;
        Element e = state.addElement("breakout-rooms").addAttribute("counter", Integer.toString(st.counter));
        for (var b : st.rooms.entrySet()) {
            Element r = e.addElement("room").addAttribute("jid", b.getKey());
            if (b.getValue().name != null) r.addAttribute("name", b.getValue().name);
            for (Participant p : b.getValue().participants.values()) {
                Element x = r.addElement("participant").addAttribute("occupant", p.occupantJid()).addAttribute("jid", p.jid())
                        .addAttribute("role", p.role());
                if (p.displayName() != null) x.addAttribute("name", p.displayName());
            }
        }
    }

    /** The occupants are indexed again; a main room takes back its breakout rooms (and links them to itself). */
    @Override
    public void restored(MucRoom room, Element state) {
        index.restored(room);
        Element e = state.element("breakout-rooms");
        if (e == null || isBreakout(room)) return;
        MainRoomState st = room.state(this, MainRoomState::new);
        st.counter = Integer.parseInt(e.attributeValue("counter", "0"));
        for (Element r : e.elements("room")) {
            MainRoomState.Breakout b = new MainRoomState.Breakout(r.attributeValue("name"));
            Map<String, Participant> ps = new LinkedHashMap<>();
            for (Element x : r.elements("participant")) {
                ps.put(x.attributeValue("occupant"), new Participant(x.attributeValue("occupant"), x.attributeValue("jid"),
                        x.attributeValue("role"), x.attributeValue("name")));
            }
            b.participants = ps;
            st.rooms.put(r.attributeValue("jid"), b);
            links.put(new JID(r.attributeValue("jid")), new Link(room.jid(), room.meetingId(), b.name));
        }
    }

    @Override
    public void joined(MucRoom room, RoomOccupant o) {
        index.joined(room, o);
        changed(room);
        if (isBreakout(room) && !room.serviceAdmin(o.realJid())) mirrorAffiliation(room.jid(), o.realJid());
    }

    /**
     * Owners and admins of the main room are so in its breakout rooms too (Prosody bases a breakout room's
     * affiliations on the main room's), so a moderator who visits a breakout room keeps managing it there.
     */
    private void mirrorAffiliation(JID breakout, JID user) {
        JID main = mainOf(breakout);
        if (main == null) return;
        muc.inRoom(main, r -> {
            Affiliation a = r == null ? null : r.affiliation(user);
            if (a == null || !a.atLeast(Affiliation.ADMIN)) return;
            muc.inRoom(breakout, br -> {
                if (br != null && br.occupant(user) != null && !br.affiliation(user).atLeast(a)) br.setAffiliation(user, a);
            });
        });
    }

    @Override
    public void presence(MucRoom room, RoomOccupant o, Element payload) {
        // Meetings without breakout rooms pay nothing here (every presence of every meeting passes).
        if (!isBreakout(room) && room.state(this) == null) return;
        // A display name change of someone already in (on join, joined() follows).
        if (room.occupant(o.realJid()) != null) changed(room);
    }

    @Override
    public void left(MucRoom room, RoomOccupant o) {
        index.left(room, o);
        changed(room);
    }

    @Override
    public void roleChanged(MucRoom room, RoomOccupant o, Role previous) {
        // The focus makes someone a moderator in a breakout room: from then on it may manage the meeting.
        changed(room);
    }

    @Override
    public boolean keepEmpty(MucRoom room) {
        return !isBreakout(room) && room.state(this) != null;
    }

    /** Jicofo reads whether a room is a breakout room, and its main room, from the owner's configuration form. */
    @Override
    public void configForm(MucRoom room, Element form) {
        roomInfo(room, form);
    }

    @Override
    public void roomInfo(MucRoom room, Element form) {
        if (!isBreakout(room)) return;
        Link link = links.get(room.jid());
        JID main = link == null ? null : link.main();
        field(form, "muc#roominfo_isbreakout", "boolean", "Is this a breakout room?", "1");
        field(form, "muc#roominfo_breakout_main_room", "text-single", "The main room associated with this breakout room",
                main == null ? "" : main.toBareJID());
        // Parley's own: the meeting id the breakout room's conference belongs to (its own meetingId stays its own,
        // the COLIBRI2 conference of its call).
        field(form, "muc#roominfo_breakout_main_meetingId", "text-single", "The meeting id of the main room",
                link == null ? "" : link.mainMeetingId());
    }

    private void forget(JID breakout) {
        links.remove(breakout);
    }

    private JID mainOf(JID breakout) {
        Link link = links.get(breakout);
        return link == null ? null : link.main();
    }

    @Override
    public void destroyed(MucRoom room) {
        index.destroyed(room);
        if (isBreakout(room)) {
            JID main = mainOf(room.jid());
            if (main != null) report(main, room.jid(), Map.of());
            return;
        }
        MainRoomState st = room.state(this);
        if (st == null) return;
        endBreakouts(st, EndConference.REASON);
        log.debug("{}: ended with {} breakout rooms", room.jid(), st.rooms.size());
    }

    private void endBreakouts(MainRoomState st, String reason) {
        for (String b : st.rooms.keySet()) {
            JID jid = new JID(b);
            forget(jid);
            muc.inRoom(jid, br -> {
                if (br != null) br.destroy(reason);
            });
        }
    }

    /** Someone entered, left or changed in {@code room}: the meeting's list changes. */
    private void changed(MucRoom room) {
        if (isBreakout(room)) {
            JID main = mainOf(room.jid());
            if (main != null) report(main, room.jid(), Participant.of(room));
            return;
        }
        MainRoomState st = room.state(this);
        if (st != null) {
            scheduleBroadcast(room, st);
            checkEmpty(room, st);
        }
    }

    /** A breakout room's participants, handed to its main room's thread. */
    private void report(JID main, JID breakout, Map<String, Participant> participants) {
        muc.inRoom(main, r -> {
            MainRoomState st = r == null ? null : r.state(this);
            MainRoomState.Breakout b = st == null ? null : st.rooms.get(breakout.toBareJID());
            if (b == null) return;
            b.participants = participants;
            scheduleBroadcast(r, st);
            checkEmpty(r, st);
        });
    }

    /** Nobody in any of the meeting's rooms: it ends after close-after unless someone comes back. */
    private void checkEmpty(MucRoom main, MainRoomState st) {
        boolean empty = Participant.of(main).isEmpty() && st.breakoutsEmpty();
        if (!empty) {
            if (st.closeScheduled) {
                st.closeScheduled = false;
                st.closeGeneration++;
            }
            return;
        }
        if (st.closeScheduled) return;
        st.closeScheduled = true;
        int generation = ++st.closeGeneration;
        JID jid = main.jid();
        later(settings.closeAfter().toMillis(), () -> muc.inRoom(jid, r -> {
            MainRoomState now = r == null ? null : r.state(this);
            if (now == null || now.closeGeneration != generation || !now.closeScheduled) return;
            if (!r.config().persistent()) {
                log.debug("{}: nobody in the meeting's rooms; it ends", jid);
                r.destroy(ALL_LEFT);
                return;
            }
            // A room its owner made persistent stays; only its breakout rooms go.
            now.closeScheduled = false;
            endBreakouts(now, ALL_LEFT);
            now.rooms.clear();
        }));
    }

    private void scheduleBroadcast(MucRoom main, MainRoomState st) {
        if (st.broadcastPending) return;
        st.broadcastPending = true;
        JID jid = main.jid();
        later(settings.broadcastInterval().toMillis(), () -> muc.inRoom(jid, r -> {
            MainRoomState now = r == null ? null : r.state(this);
            if (now == null) return;
            now.broadcastPending = false;
            broadcast(r, now);
        }));
    }

    /** The room list (lib-jitsi-meet's {@code features/breakout-rooms/update}) to everyone in the meeting's rooms. */
    private void broadcast(MucRoom main, MainRoomState st) {
        Map<String, Object> rooms = new LinkedHashMap<>();
        Map<String, Participant> inMain = Participant.of(main);
        Map<String, Object> mainJson = new LinkedHashMap<>();
        mainJson.put("isMainRoom", true);
        mainJson.put("id", main.jid().getNode());
        mainJson.put("jid", main.jid().toBareJID());
        if (!main.config().name().isEmpty()) mainJson.put("name", main.config().name());
        mainJson.put("participants", participants(inMain));
        rooms.put(main.jid().getNode(), mainJson);
        for (Map.Entry<String, MainRoomState.Breakout> e : st.rooms.entrySet()) {
            String node = new JID(e.getKey()).getNode();
            Map<String, Object> b = new LinkedHashMap<>();
            b.put("id", node);
            b.put("jid", e.getKey());
            if (e.getValue().name != null) b.put("name", e.getValue().name);
            b.put("participants", participants(e.getValue().participants));
            rooms.put(node, b);
        }
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("type", IDENTITY_TYPE);
        json.put("event", BreakoutRequest.UPDATE);
        json.put("roomCounter", st.counter);
        json.put("rooms", rooms);
        String text = JSONObjectUtils.toJSONString(json);
        for (Participant p : inMain.values()) main.send(JsonMessages.of(service, new JID(p.jid()), text));
        for (MainRoomState.Breakout b : st.rooms.values()) {
            for (Participant p : b.participants.values()) main.send(JsonMessages.of(service, new JID(p.jid()), text));
        }
    }

    private static Map<String, Object> participants(Map<String, Participant> ps) {
        Map<String, Object> out = new LinkedHashMap<>();
        for (Participant p : ps.values()) out.put(p.occupantJid(), p.json());
        return out;
    }

    private static void field(Element form, String var, String type, String label, String value) {
        Element f = form.addElement(QName.get("field", form.getNamespace()));
        f.addAttribute("var", var).addAttribute("type", type).addAttribute("label", label);
        f.addElement(QName.get("value", form.getNamespace())).setText(value);
    }

    /** Runs {@code task} after {@code millis} on the JDK's timer thread; it only hands a step to a room. */
    private static void later(long millis, Runnable task) {
        CompletableFuture.runAsync(task, CompletableFuture.delayedExecutor(millis, TimeUnit.MILLISECONDS));
    }
}
