package org.parley.muc.jitsi.duration;

import java.time.Clock;
import org.dom4j.Element;
import org.parley.muc.MucRoom;
import org.parley.muc.RoomModule;
import org.parley.muc.RoomOccupant;
import org.parley.muc.jitsi.JsonMessages;
import org.xmpp.packet.JID;

/**
 * When the meeting started, for every joiner (Jitsi's mod_conference_duration). The meeting starts when a second
 * occupant enters (the focus alone is no meeting); from then on the room's disco#info carries it as
 * {@code muc#roominfo_created_timestamp} (milliseconds, what lib-jitsi-meet reads after joining), empty before.
 * With a component address, each joiner from then on also gets the older clients' message
 * {@code {"type":"conference_duration","created_timestamp":N}} from that address (mod_conference_duration_component).
 */
public final class ConferenceDuration implements RoomModule {
    static final String FIELD = "muc#roominfo_created_timestamp";
    private final JID component;
    private final Clock clock;

    /** {@code component} null: only the disco#info field. */
    public ConferenceDuration(JID component, Clock clock) {
        this.component = component;
        this.clock = clock;
    }

    /** The start of a room's meeting; a mutable box, as module state lives with the room. */
    private static final class Started {
        long millis;
    }

    @Override
    public void joined(MucRoom room, RoomOccupant occupant) {
        if (room.occupants().size() < 2) return;
        Started started = room.state(this, Started::new);
        if (started.millis == 0) started.millis = clock.millis();
        if (component != null) {
            room.send(JsonMessages.of(component, occupant.realJid(),
                    "{\"type\":\"conference_duration\",\"created_timestamp\":" + started.millis + "}"));
        }
    }

    @Override
    public void handOver(MucRoom room, Element state) {
        Started started = room.state(this);
        if (started != null) state.addAttribute("started", Long.toString(started.millis));
    }

    @Override
    public void restored(MucRoom room, Element state) {
        String millis = state.attributeValue("started");
        if (millis != null) room.state(this, Started::new).millis = Long.parseLong(millis);
    }

    @Override
    public void roomInfo(MucRoom room, Element form) {
        Started started = room.state(this);
        Element field = form.addElement("field");
        field.addAttribute("var", FIELD);
        field.addAttribute("type", "text-single");
        field.addAttribute("label", "The meeting created_timestamp.");
        field.addElement("value").setText(started == null ? "" : Long.toString(started.millis));
    }
}
