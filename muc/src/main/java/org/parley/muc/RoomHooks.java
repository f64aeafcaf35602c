package org.parley.muc;

import java.util.Arrays;
import org.dom4j.Element;
import org.xmpp.packet.JID;
import org.xmpp.packet.Message;
import org.xmpp.packet.Packet;
import org.xmpp.packet.PacketError;
import org.xmpp.packet.Presence;

/**
 * The {@link RoomModule}s of one MUC service and the calls the room makes into them. Immutable: adding a module
 * replaces the service's instance, so a room step reads one consistent set. With no modules every call is a test of
 * an empty array, which keeps the fan-out path as it was.
 */
final class RoomHooks {
    static final RoomHooks NONE = new RoomHooks(new RoomModule[0]);
    private final RoomModule[] modules;
    /** The modules that override {@link RoomModule#hides}: only their services' rooms filter their output. */
    private final RoomModule[] hiders;

    private RoomHooks(RoomModule[] modules) {
        this.modules = modules;
        this.hiders = Arrays.stream(modules).filter(RoomHooks::overridesHides).toArray(RoomModule[]::new);
    }

    private static boolean overridesHides(RoomModule m) {
        try {
            return m.getClass().getMethod("hides", MucRoom.class, RoomOccupant.class, RoomOccupant.class, Element.class)
                    .getDeclaringClass() != RoomModule.class;
        } catch (NoSuchMethodException e) {
            return false;
        }
    }

    RoomHooks with(RoomModule m) {
        RoomModule[] next = Arrays.copyOf(modules, modules.length + 1);
        next[modules.length] = m;
        return new RoomHooks(next);
    }

    boolean isEmpty() { return modules.length == 0; }

    void created(Room room) {
        for (RoomModule m : modules) m.created(room.handle());
    }

    PacketError joining(Room room, JID user, String nick, Presence presence) {
        for (RoomModule m : modules) {
            PacketError e = m.joining(room.handle(), user, nick, presence);
            if (e != null) return e;
        }
        return null;
    }

    Packet entering(Room room, JID user, Presence presence) {
        for (RoomModule m : modules) {
            Packet refusal = m.entering(room.handle(), user, presence);
            if (refusal != null) return refusal;
        }
        return null;
    }

    boolean hiding() { return hiders.length > 0; }

    boolean hides(Room room, Occupant sender, Occupant recipient, Element stanza) {
        for (RoomModule m : hiders) if (m.hides(room.handle(), sender, recipient, stanza)) return true;
        return false;
    }

    void joined(Room room, Occupant o) {
        for (RoomModule m : modules) m.joined(room.handle(), o);
    }

    void presence(Room room, Occupant o) {
        for (RoomModule m : modules) m.presence(room.handle(), o, o.payload);
    }

    void left(Room room, Occupant o) {
        for (RoomModule m : modules) m.left(room.handle(), o);
    }

    boolean message(Room room, Occupant sender, Message message) {
        for (RoomModule m : modules) if (m.message(room.handle(), sender, message)) return true;
        return false;
    }

    void configured(Room room) {
        for (RoomModule m : modules) m.configured(room.handle());
    }

    void roomInfo(Room room, Element form) {
        for (RoomModule m : modules) m.roomInfo(room.handle(), form);
    }

    void configForm(Room room, Element form) {
        for (RoomModule m : modules) m.configForm(room.handle(), form);
    }

    boolean keepEmpty(Room room) {
        for (RoomModule m : modules) if (m.keepEmpty(room.handle())) return true;
        return false;
    }

    void destroyed(Room room) {
        for (RoomModule m : modules) m.destroyed(room.handle());
    }

    /** Each module's state of {@code room}, as a {@code <module key=...>} child of {@code into}. */
    void handOver(Room room, Element into) {
        for (int i = 0; i < modules.length; i++) {
            Element state = into.addElement("module").addAttribute("key", key(i));
            modules[i].handOver(room.handle(), state);
        }
    }

    /** The modules' states written by {@link #handOver} (by key; an empty element for a module without one). */
    void restored(Room room, Element from) {
        for (int i = 0; i < modules.length; i++) {
            Element state = null;
            for (Element e : from.elements("module")) if (key(i).equals(e.attributeValue("key"))) state = e;
            modules[i].restored(room.handle(), state != null ? state : org.dom4j.DocumentHelper.createElement("module"));
        }
    }

    /** A module's stable name across builds: its class, numbered when a service has several of one class. */
    private String key(int index) {
        String name = modules[index].getClass().getName();
        int same = 0;
        for (int i = 0; i < index; i++) if (modules[i].getClass() == modules[index].getClass()) same++;
        return same == 0 ? name : name + "#" + same;
    }

    void roleChanged(Room room, Occupant o, Role previous) {
        for (RoomModule m : modules) m.roleChanged(room.handle(), o, previous);
    }

    void affiliationChanged(Room room, String user, Affiliation previous, Affiliation now) {
        if (modules.length == 0) return;
        JID jid = new JID(user);
        for (RoomModule m : modules) m.affiliationChanged(room.handle(), jid, previous, now);
    }
}
