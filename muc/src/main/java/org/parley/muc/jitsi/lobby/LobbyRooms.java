package org.parley.muc.jitsi.lobby;

import org.dom4j.Element;
import org.dom4j.QName;
import org.parley.muc.Affiliation;
import org.parley.muc.MucRoom;
import org.parley.muc.RoomModule;
import org.parley.muc.RoomOccupant;
import org.parley.xmpp.router.Stanzas;
import org.xmpp.packet.JID;
import org.xmpp.packet.Packet;
import org.xmpp.packet.PacketError;
import org.xmpp.packet.Presence;

/**
 * The lobby service's side of {@link Lobby}: the meeting's moderators own its lobby room (Prosody bases the lobby's
 * affiliations on the meeting's), everyone else enters as a plain participant, and what occupants see of each other
 * is filtered as Prosody's lobby filter does.
 */
final class LobbyRooms implements RoomModule {
    private static final String NICK = "http://jabber.org/protocol/nick";
    private final Lobby lobby;

    LobbyRooms(Lobby lobby) {
        this.lobby = lobby;
    }

    @Override
    public Packet entering(MucRoom room, JID user, Presence presence) {
        Lobby.Link link = lobby.link(room.jid());
        if (link == null) {
            return Stanzas.errorReply(presence, new PacketError(PacketError.Condition.item_not_found, PacketError.Type.cancel));
        }
        moderator(room, user, link.moderators().contains(user.toBareJID()));
        return null;
    }

    /** Makes {@code user} an owner of {@code lobbyRoom} when it moderates the meeting, nothing otherwise. */
    static void moderator(MucRoom lobbyRoom, JID user, boolean moderator) {
        if (lobbyRoom.serviceAdmin(user)) return;
        Affiliation now = lobbyRoom.affiliation(user);
        if (moderator && now != Affiliation.OWNER) lobbyRoom.setAffiliation(user, Affiliation.OWNER);
        else if (!moderator && now != Affiliation.NONE) lobbyRoom.setAffiliation(user, Affiliation.NONE);
    }

    /**
     * Prosody's filter on the lobby service: waiting users' presence reaches the moderators only, and nobody else's
     * reaches anyone (so waiting users do not see each other, nor the moderators); messages pass to or from a
     * moderator (the lobby chat), not between waiting users.
     */
    @Override
    public boolean hides(MucRoom room, RoomOccupant sender, RoomOccupant recipient, Element stanza) {
        boolean toModerator = recipient.affiliation() == Affiliation.OWNER;
        boolean fromModerator = sender.affiliation() == Affiliation.OWNER;
        if ("presence".equals(stanza.getName())) return !toModerator || fromModerator;
        return !toModerator && !fromModerator;
    }

    @Override
    public void presence(MucRoom room, RoomOccupant occupant, Element payload) {
        Lobby.Link link = lobby.link(room.jid());
        if (link == null || occupant.affiliation() == Affiliation.OWNER) return;
        Element nick = payload.element(QName.get("nick", NICK));
        link.waiting().put(occupant.realJid(), new Lobby.Waiting(occupant.occupantJid(), nick == null ? null : nick.getTextTrim()));
    }

    @Override
    public void left(MucRoom room, RoomOccupant occupant) {
        Lobby.Link link = lobby.link(room.jid());
        Lobby.Waiting waiting = link == null ? null : link.waiting().remove(occupant.realJid());
        JID actor = room.actor();
        if (waiting == null || actor == null || actor.equals(occupant.realJid())) return;
        // Removed by someone else: a moderator turned it away (lib-jitsi-meet's denyAccess kicks it).
        lobby.inMeeting(link, meeting -> Lobby.notify(meeting, actor, Lobby.access("LOBBY-ACCESS-DENIED", waiting)));
    }

    @Override
    public void destroyed(MucRoom room) {
        Lobby.Link link = lobby.link(room.jid());
        // Emptied while the lobby is on: open it again, so the next knock finds it.
        if (link != null) lobby.open(link);
    }
}
