package org.parley.muc;

import org.dom4j.Element;
import org.xmpp.packet.JID;

/** An occupant as a {@link RoomModule} sees it. */
public interface RoomOccupant {
    String nick();

    /** The occupant's full real JID. */
    JID realJid();

    /** room@service/nick. */
    JID occupantJid();

    /** The stable occupant id (XEP-0421). */
    String occupantId();

    Role role();

    Affiliation affiliation();

    /** The client's own presence content (no MUC elements); read only outside {@link RoomModule#presence}. */
    Element payload();
}
