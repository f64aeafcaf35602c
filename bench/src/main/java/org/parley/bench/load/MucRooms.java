package org.parley.bench.load;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Puts the sessions of a {@link SessionGroup} into MUC rooms the same way on every server: the first occupant of
 * each room creates it and submits an instant-room configuration (XEP-0045 10.1.2, so servers that lock new rooms
 * open them), then the others join, {@code inFlight} at a time; a join counts when the joiner's own presence
 * (status 110) comes back. Join presences carry what lib-jitsi-meet puts into its MUC presence, and ask for
 * no history.
 */
final class MucRooms {
    /** What fan-out messages carry after their time stamp, so that a delivery is about a chat line's size. */
    static final String PADDING = " The quick brown fox jumps over the lazy dog; pack my box with five dozen liquor jugs.";

    private MucRooms() {}

    static String roomJid(String name, Target t) {
        return name + "@" + t.mucHost();
    }

    /** What lib-jitsi-meet puts into its MUC presence, give or take (about 600 bytes). */
    static String jitsiPresence(String nick) {
        return "<stats-id>Kirsten-Ys8</stats-id>"
                + "<c xmlns='http://jabber.org/protocol/caps' hash='sha-1' node='https://jitsi.org/jitsi-meet' ver='cvjWXufsg4xT62Ec2mlATkFZ9lk='/>"
                + "<jitsi_participant_region>eu-central-1</jitsi_participant_region>"
                + "<jitsi_participant_codecList>vp9,vp8,h264,av1</jitsi_participant_codecList>"
                + "<nick xmlns='http://jabber.org/protocol/nick'>" + nick + "</nick>"
                + "<audiomuted xmlns='http://jitsi.org/jitmeet/audio'>true</audiomuted>"
                + "<videomuted xmlns='http://jitsi.org/jitmeet/video'>true</videomuted>"
                + "<features><feature var='https://jitsi.org/meet/e2ee'/><feature var='https://jitsi.org/meet/jvb-ice'/>"
                + "<feature var='http://jitsi.org/json-encoded-sources'/></features>";
    }

    static String join(String room, String nick) {
        return "<presence to='" + room + "/" + nick + "'><x xmlns='http://jabber.org/protocol/muc'><history maxstanzas='0'/></x>"
                + jitsiPresence(nick) + "</presence>";
    }

    static String instantRoom(String room) {
        return "<iq type='set' id='create' to='" + room + "'><query xmlns='http://jabber.org/protocol/muc#owner'>"
                + "<x xmlns='jabber:x:data' type='submit'/></query></iq>";
    }

    static boolean isSelfPresence(String xml) {
        return xml.startsWith("<presence") && (xml.contains("code='110'") || xml.contains("code=\"110\""));
    }

    /** Creates the room with {@code creator} and waits for the owner form's answer; null or what failed. */
    static String create(SessionGroup g, XmppClientHandler creator, String room, String nick) throws InterruptedException {
        CountDownLatch joined = new CountDownLatch(1);
        CountDownLatch configured = new CountDownLatch(1);
        String[] error = new String[1];
        g.sink((c, xml) -> {
            if (c != creator) return;
            if (isSelfPresence(xml)) {
                joined.countDown();
            } else if (xml.startsWith("<presence") && "error".equals(Xml.attr(xml, "type"))) {
                error[0] = "join refused: " + XmppClientHandler.abbreviate(xml);
                joined.countDown();
            } else if (xml.startsWith("<iq") && "create".equals(Xml.attr(xml, "id"))) {
                if (!"result".equals(Xml.attr(xml, "type"))) error[0] = "instant room refused: " + XmppClientHandler.abbreviate(xml);
                configured.countDown();
            }
        });
        creator.send(join(room, nick));
        if (!joined.await(30, TimeUnit.SECONDS)) return "no self-presence from " + room + " within 30 s";
        if (error[0] != null) return error[0];
        creator.send(instantRoom(room));
        if (!configured.await(30, TimeUnit.SECONDS)) return "no answer to the instant-room form of " + room;
        return error[0];
    }

    /**
     * Occupants 1..K-1 of every room join (client r*K+j is occupant j of room r, nick "oj"; occupant 0 created it),
     * {@code inFlight} at a time; null or what went wrong.
     */
    static String joinRest(SessionGroup g, XmppClientHandler[] c, String[] rooms, int k, int inFlight) throws InterruptedException {
        int total = rooms.length * (k - 1);
        if (total == 0) return null;
        CountDownLatch all = new CountDownLatch(total);
        Semaphore permits = new Semaphore(inFlight);
        AtomicInteger refused = new AtomicInteger();
        String[] first = new String[1];
        g.sink((client, xml) -> {
            if (MucRooms.isSelfPresence(xml)) {
                permits.release();
                all.countDown();
            } else if (xml.startsWith("<presence") && "error".equals(Xml.attr(xml, "type"))) {
                if (refused.getAndIncrement() == 0) first[0] = XmppClientHandler.abbreviate(xml);
                permits.release();
                all.countDown();
            }
        });
        for (int r = 0; r < rooms.length; r++) {
            for (int j = 1; j < k; j++) {
                permits.acquire();
                c[r * k + j].send(MucRooms.join(rooms[r], "o" + j));
            }
        }
        if (!all.await(120 + total / 20, TimeUnit.SECONDS)) return (all.getCount()) + " of " + total + " joins unanswered after 120 s";
        return refused.get() == 0 ? null : refused.get() + " joins refused; first: " + first[0];
    }
}
