package org.parley.muc.jitsi.endconference;

import org.parley.muc.MucRoom;
import org.parley.muc.MucService;
import org.parley.muc.RoomModule;
import org.parley.muc.RoomOccupant;
import org.parley.muc.Role;
import org.parley.muc.jitsi.JitsiComponent;
import org.parley.muc.jitsi.OccupantIndex;
import org.parley.xmpp.router.Stanzas;
import org.xmpp.packet.JID;
import org.xmpp.packet.Message;
import org.xmpp.packet.Packet;
import org.xmpp.packet.PacketError;

/**
 * End the meeting for everyone (Jitsi's mod_end_conference): a moderator of a room sends
 * {@code <message to='endconference.<domain>'><end_conference/></message>}; the room is destroyed with the reason
 * the web app shows, so every occupant leaves, the focus among them (which then ends the conference on its SFUs).
 * Anyone else is refused ({@code forbidden} for a non-moderator, {@code not-acceptable} outside any room).
 */
public final class EndConference implements RoomModule {
    /** Prosody's text, which the web app shows. */
    public static final String REASON = "The meeting has been terminated";
    private final MucService muc;
    private final OccupantIndex index = new OccupantIndex();
    private volatile JitsiComponent address;

    public EndConference(MucService muc) {
        this.muc = muc;
    }

    public void address(JitsiComponent c) { this.address = c; }

    @Override public void joined(MucRoom room, RoomOccupant o) { index.joined(room, o); }

    @Override public void restored(MucRoom room, org.dom4j.Element state) { index.restored(room); }

    @Override public void left(MucRoom room, RoomOccupant o) { index.left(room, o); }

    @Override public void destroyed(MucRoom room) { index.destroyed(room); }

    /** A stanza to the component, on the sender's event loop. */
    public void onStanza(Packet p) {
        if (!(p instanceof Message m) || m.getFrom() == null || m.getType() == Message.Type.error) return;
        if (m.getElement().element("end_conference") == null) {
            refuse(m, PacketError.Condition.bad_request, "Expected <end_conference/>");
            return;
        }
        JID room = index.room(m.getFrom());
        if (room == null) {
            refuse(m, PacketError.Condition.not_acceptable, "You are not in a room");
            return;
        }
        muc.inRoom(room, r -> {
            RoomOccupant o = r == null ? null : r.occupant(m.getFrom());
            if (o == null) refuse(m, PacketError.Condition.not_acceptable, "You are not in a room");
            else if (o.role() != Role.MODERATOR) refuse(m, PacketError.Condition.forbidden, "Only moderators end the meeting");
            else r.destroy(REASON);
        });
    }

    private void refuse(Message m, PacketError.Condition condition, String text) {
        JitsiComponent c = address;
        PacketError.Type type = condition == PacketError.Condition.forbidden ? PacketError.Type.auth : PacketError.Type.cancel;
        if (c != null) c.send(Stanzas.errorReply(m, new PacketError(condition, type, text)));
    }
}
