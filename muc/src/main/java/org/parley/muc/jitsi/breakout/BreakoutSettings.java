package org.parley.muc.jitsi.breakout;

import java.time.Duration;
import java.util.List;

/**
 * {@code parley.muc.jitsi.breakout-rooms}: the MUC services whose rooms may have breakout rooms, the service the
 * breakout rooms live on, and the bounds on what moderators may ask for.
 *
 * @param mainDomains      the meetings' MUC services (Prosody's {@code main_muc})
 * @param breakoutDomain   the breakout rooms' MUC service (Prosody's {@code breakout_rooms_muc}); it is also the
 *                         address lib-jitsi-meet sends its requests to
 * @param maxRooms         breakout rooms one meeting may have at once
 * @param maxNameLength    characters in a breakout room's name
 * @param broadcastInterval at most one room-list update per meeting this often (Prosody: 0.3 s)
 * @param closeAfter       how long a meeting with breakout rooms stays once nobody is in any of its rooms (Prosody: 5 s)
 */
public record BreakoutSettings(List<String> mainDomains, String breakoutDomain, int maxRooms, int maxNameLength,
                               Duration broadcastInterval, Duration closeAfter) {
    public BreakoutSettings {
        mainDomains = List.copyOf(mainDomains);
    }
}
