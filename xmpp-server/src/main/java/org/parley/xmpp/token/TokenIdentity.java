package org.parley.xmpp.token;

import java.time.Instant;

/**
 * What a verified Jitsi token says about its holder.
 *
 * @param room the {@code room} claim: the one room (its name, not the MUC JID) the holder may enter, {@code *} for
 *        any, null when the token names none (then only rooms of services without token verification)
 * @param userId {@code context.user.id}; {@code name}, {@code email}, {@code avatar} likewise (all may be null)
 * @param moderator {@code context.user.moderator} or a top-level {@code moderator} claim: the holder is made an
 *        owner of the rooms it enters
 */
public record TokenIdentity(String issuer, String subject, String room, String userId, String name, String email,
                            String avatar, String group, boolean moderator, Instant expires) {

    /** Whether the token lets its holder into room {@code roomName} (compared without case, as Prosody does). */
    public boolean allowsRoom(String roomName) {
        return room != null && (room.equals("*") || room.equalsIgnoreCase(roomName));
    }
}
