package org.parley.muc;

import java.time.Instant;
import java.util.Collection;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.function.Supplier;
import org.dom4j.Element;
import org.parley.xmpp.session.SharedStanza;
import org.xmpp.packet.JID;
import org.xmpp.packet.Packet;

/** The {@link MucRoom} modules get: a room's view and actions, writing to the room thread's output. */
final class RoomHandle implements MucRoom {
    private final Room room;
    private final Outbox out;
    private Map<RoomModule, Object> states;

    RoomHandle(Room room, Outbox out) {
        this.room = room;
        this.out = out;
    }

    @Override public JID jid() { return room.jid; }

    @Override public String meetingId() { return room.meetingId; }

    @Override public Instant created() { return room.created; }

    @Override public Collection<? extends RoomOccupant> occupants() { return room.occupants(); }

    @Override
    public RoomOccupant occupant(JID realJid) {
        for (Occupant o : room.occupants()) if (o.realJid.equals(realJid)) return o;
        return null;
    }

    @Override public boolean serviceAdmin(JID user) { return room.service.isAdmin(user); }

    @Override public void send(Packet stanza) { out.packet(stanza); }

    @Override
    public void broadcast(Element stanza) {
        SharedStanza s = new SharedStanza(stanza);
        for (Occupant o : room.occupants()) out.shared(o.realJid, s);
    }

    @Override
    public void destroy(String reason) {
        destroy(reason, null);
    }

    @Override
    public void destroy(String reason, JID alternate) {
        if (!room.destroyed()) room.destroy(alternate == null ? null : alternate.toBareJID(), reason, null, out);
    }

    @Override
    @SuppressWarnings("unchecked")
    public <T> T state(RoomModule module, Supplier<T> initial) {
        if (states == null) states = new IdentityHashMap<>(4);
        return (T) states.computeIfAbsent(module, m -> initial.get());
    }

    @Override
    @SuppressWarnings("unchecked")
    public <T> T state(RoomModule module) {
        return states == null ? null : (T) states.get(module);
    }

    @Override public JID actor() { return room.actor(); }
    @Override public void subject(String text) { room.subjectByModule(text, out); }

    @Override public RoomConfig config() { return room.config; }

    @Override
    public void reconfigure(java.util.function.UnaryOperator<RoomConfig> change) {
        room.applyConfig(change.apply(room.config), out);
    }

    @Override public Affiliation affiliation(JID user) { return room.affiliationOf(user); }

    @Override
    public void setAffiliation(JID user, Affiliation affiliation) { room.setAffiliationByModule(user, affiliation, out); }

    @Override public String toString() { return "MucRoom[" + room.jidString + "]"; }
}
