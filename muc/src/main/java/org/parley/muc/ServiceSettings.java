package org.parley.muc;

/**
 * One MUC service's settings (an entry of {@code parley.muc.services} over {@code service-defaults}).
 *
 * @param allowed who may enter rooms at all (the brewery service admits only the bridges and the focus)
 * @param creators who may create rooms; admins always may
 * @param admins who is owner of every room (the focus), without being listed in any room
 * @param historyDefault history messages sent on join when the client does not say how many it wants
 * @param maxHistory the most a room keeps, whatever its {@code muc#maxhistoryfetch}
 */
record ServiceSettings(
        String domain,
        String name,
        JidPatterns allowed,
        JidPatterns creators,
        JidPatterns admins,
        boolean lockNewRooms,
        boolean privateMessages,
        int historyDefault,
        int maxHistory,
        RoomConfig roomDefaults) {

    /** Anyone creates and enters, rooms open at once; what the embedded default and tests use. */
    static ServiceSettings open(String domain) {
        return new ServiceSettings(domain, "Chatrooms", JidPatterns.ANYONE, JidPatterns.ANYONE, JidPatterns.NOBODY,
                false, true, 20, 100, RoomConfig.XEP_DEFAULTS);
    }
}
