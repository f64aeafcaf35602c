package org.parley.muc.jitsi.polls;

import com.nimbusds.jose.util.JSONObjectUtils;
import java.text.ParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.dom4j.Element;
import org.dom4j.QName;
import org.parley.muc.MucRoom;
import org.parley.muc.MucService;
import org.parley.muc.RoomModule;
import org.parley.muc.RoomOccupant;
import org.parley.muc.jitsi.JitsiComponent;
import org.parley.muc.jitsi.JsonMessages;
import org.parley.muc.jitsi.OccupantIndex;
import org.parley.xmpp.router.Stanzas;
import org.xmpp.packet.JID;
import org.xmpp.packet.Message;
import org.xmpp.packet.Packet;
import org.xmpp.packet.PacketError;

/**
 * Polls (Jitsi's mod_polls_component). The web app sends {@code new-poll} and {@code answer-poll} commands as a
 * json-message to {@code polls.<domain>}; the poll goes to the room the sender is in, everyone there gets the
 * command (with the sender's id and name) from that address, and every joiner gets the polls so far
 * ({@code old-polls}). Bounded: {@value #MAX_POLLS} polls per room, payloads under {@value #MAX_PAYLOAD} characters,
 * {@value #MAX_ANSWERS} answers per poll; a voter's new answer replaces its previous one.
 */
public final class Polls implements RoomModule {
    static final int MAX_POLLS = 128;
    static final int MAX_PAYLOAD = 1024;
    static final int MAX_ANSWERS = 32;
    private static final String NICK_NS = "http://jabber.org/protocol/nick";
    private final JID component;
    private final MucService muc;
    /** A poll names no room: its sender's room is meant. */
    private final OccupantIndex index = new OccupantIndex();
    private volatile JitsiComponent address;

    public Polls(JID component, MucService muc) {
        this.component = component;
        this.muc = muc;
    }

    /** The component polls are sent to, for refusals that concern no room. */
    public void address(JitsiComponent c) { this.address = c; }

    private static final class Poll {
        final String id;
        final String senderId;
        final String senderName;
        final String question;
        final List<String> answers;
        final List<LinkedHashMap<String, String>> voters = new ArrayList<>();

        Poll(String id, String senderId, String senderName, String question, List<String> answers) {
            this.id = id;
            this.senderId = senderId;
            this.senderName = senderName;
            this.question = question;
            this.answers = answers;
            for (int i = 0; i < answers.size(); i++) voters.add(new LinkedHashMap<>());
        }

        Map<String, Object> json() {
            List<Map<String, Object>> as = new ArrayList<>();
            for (int i = 0; i < answers.size(); i++) {
                Map<String, Object> a = new LinkedHashMap<>();
                a.put("name", answers.get(i));
                if (!voters.get(i).isEmpty()) {
                    List<Map<String, Object>> vs = new ArrayList<>();
                    for (var v : voters.get(i).entrySet()) {
                        Map<String, Object> vo = new LinkedHashMap<>();
                        vo.put("id", v.getKey());
                        if (v.getValue() != null) vo.put("name", v.getValue());
                        vs.add(vo);
                    }
                    a.put("voters", vs);
                }
                as.add(a);
            }
            Map<String, Object> p = new LinkedHashMap<>();
            p.put("pollId", id);
            p.put("senderId", senderId);
            if (senderName != null) p.put("senderName", senderName);
            p.put("question", question);
            p.put("answers", as);
            return p;
        }
    }

    private static final class RoomPolls {
        final LinkedHashMap<String, Poll> byId = new LinkedHashMap<>();
    }

    /** The polls and their votes, in order. */
    @Override
    public void handOver(MucRoom room, Element state) {
        RoomPolls polls = room.state(this);
        if (polls == null) return;
        for (Poll p : polls.byId.values()) {
            Element e = state.addElement("poll").addAttribute("id", p.id).addAttribute("sender-id", p.senderId);
            if (p.senderName != null) e.addAttribute("sender-name", p.senderName);
            e.addElement("question").setText(p.question);
            for (int i = 0; i < p.answers.size(); i++) {
                Element a = e.addElement("answer").addAttribute("name", p.answers.get(i));
                for (var v : p.voters.get(i).entrySet()) {
                    Element voter = a.addElement("voter").addAttribute("id", v.getKey());
                    if (v.getValue() != null) voter.addAttribute("name", v.getValue());
                }
            }
        }
    }

    @Override
    public void restored(MucRoom room, Element state) {
        index.restored(room);
        for (Element e : state.elements("poll")) {
            List<String> answers = new ArrayList<>();
            for (Element a : e.elements("answer")) answers.add(a.attributeValue("name"));
            Poll p = new Poll(e.attributeValue("id"), e.attributeValue("sender-id"), e.attributeValue("sender-name"),
                    e.elementText("question"), answers);
            List<Element> as = e.elements("answer");
            for (int i = 0; i < as.size(); i++) {
                for (Element v : as.get(i).elements("voter")) p.voters.get(i).put(v.attributeValue("id"), v.attributeValue("name"));
            }
            room.state(this, RoomPolls::new).byId.put(p.id, p);
        }
    }

    @Override
    public void joined(MucRoom room, RoomOccupant occupant) {
        index.joined(room, occupant);
        RoomPolls polls = room.state(this);
        if (polls == null || polls.byId.isEmpty()) return;
        List<Object> list = new ArrayList<>();
        for (Poll p : polls.byId.values()) list.add(p.json());
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("command", "old-polls");
        body.put("polls", list);
        body.put("type", "polls");
        room.send(JsonMessages.of(component, occupant.realJid(), JSONObjectUtils.toJSONString(body)));
    }

    @Override
    public void left(MucRoom room, RoomOccupant occupant) {
        index.left(room, occupant);
    }

    @Override
    public void destroyed(MucRoom room) {
        index.destroyed(room);
    }

    /** A stanza to the component, on the sender's event loop: checked here, applied on the room's thread. */
    public void onStanza(Packet p) {
        if (!(p instanceof Message m) || m.getFrom() == null || m.getType() == Message.Type.error
                || m.getType() == Message.Type.groupchat || m.getBody() != null) {
            return;
        }
        String text = JsonMessages.text(m.getElement());
        if (text == null) text = m.getElement().elementText("json-message");
        if (text == null) return;
        if (text.length() >= MAX_PAYLOAD) {
            refuse(m, PacketError.Condition.not_acceptable, "Poll payload too large");
            return;
        }
        Map<String, Object> data;
        try {
            data = JSONObjectUtils.parse(text);
        } catch (ParseException e) {
            refuse(m, PacketError.Condition.bad_request, "Not JSON");
            return;
        }
        Command c = Command.of(data);
        if (c == null) {
            refuse(m, PacketError.Condition.bad_request, "Not a valid poll command");
            return;
        }
        JID room = index.room(m.getFrom());
        if (room == null) {
            refuse(m, PacketError.Condition.not_acceptable, "You are not in a room with polls");
            return;
        }
        muc.inRoom(room, r -> {
            RoomOccupant o = r == null ? null : r.occupant(m.getFrom());
            if (o == null) {
                refuse(m, PacketError.Condition.not_acceptable, "You are not in a room with polls");
                return;
            }
            apply(r, o, c, m);
        });
    }

    /** A checked command: new-poll with question and answer names, or answer-poll with one flag per answer. */
    private record Command(boolean create, String pollId, String question, List<String> names, List<Boolean> flags,
                           Map<String, Object> data) {
        static Command of(Map<String, Object> d) {
            if (!"polls".equals(d.get("type")) || !(d.get("pollId") instanceof String id) || id.isEmpty()) return null;
            if (!(d.get("answers") instanceof List<?> answers) || answers.isEmpty() || answers.size() > MAX_ANSWERS) return null;
            if ("new-poll".equals(d.get("command"))) {
                if (!(d.get("question") instanceof String q)) return null;
                List<String> names = new ArrayList<>();
                for (Object a : answers) {
                    if (!(a instanceof Map<?, ?> am) || !(am.get("name") instanceof String n)) return null;
                    names.add(n);
                }
                return new Command(true, id, q, names, null, d);
            }
            if ("answer-poll".equals(d.get("command"))) {
                List<Boolean> flags = new ArrayList<>();
                for (Object a : answers) {
                    if (!(a instanceof Boolean b)) return null;
                    flags.add(b);
                }
                return new Command(false, id, null, null, flags, d);
            }
            return null;
        }
    }

    private void apply(MucRoom room, RoomOccupant o, Command c, Message m) {
        RoomPolls polls = room.state(this, RoomPolls::new);
        String id = o.nick();
        Element nick = o.payload() == null ? null : o.payload().element(QName.get("nick", NICK_NS));
        String name = nick == null ? null : nick.getTextTrim();
        Map<String, Object> out = new LinkedHashMap<>(c.data());
        if (c.create()) {
            if (polls.byId.size() >= MAX_POLLS) {
                refuse(room, m, PacketError.Condition.resource_constraint, "Too many polls in this room");
                return;
            }
            if (polls.byId.containsKey(c.pollId())) {
                refuse(room, m, PacketError.Condition.not_allowed, "Poll already exists");
                return;
            }
            polls.byId.put(c.pollId(), new Poll(c.pollId(), id, name, c.question(), c.names()));
            out.put("senderId", id);
        } else {
            Poll poll = polls.byId.get(c.pollId());
            if (poll == null || poll.answers.size() != c.flags().size()) {
                refuse(room, m, PacketError.Condition.item_not_found, "No such poll, or not its answers");
                return;
            }
            for (int i = 0; i < c.flags().size(); i++) {
                // A voter's new answer replaces the old one, so answers stay bounded by the occupants who voted.
                poll.voters.get(i).remove(id);
                if (c.flags().get(i)) poll.voters.get(i).put(id, name);
            }
            out.put("senderId", id);
            if (name != null) out.put("senderName", name);
        }
        out.put("type", "polls");
        String json = JSONObjectUtils.toJSONString(out);
        for (RoomOccupant r : room.occupants()) room.send(JsonMessages.of(component, r.realJid(), json));
    }

    private void refuse(MucRoom room, Message m, PacketError.Condition condition, String text) {
        Packet reply = Stanzas.errorReply(m, new PacketError(condition, PacketError.Type.cancel, text));
        if (reply != null) room.send(reply);
    }

    private void refuse(Message m, PacketError.Condition condition, String text) {
        JitsiComponent c = address;
        if (c != null) c.send(Stanzas.errorReply(m, new PacketError(condition, PacketError.Type.cancel, text)));
    }
}
