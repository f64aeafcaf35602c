package org.parley.bench.load;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Puts the sessions of a {@link SessionGroup} into MUC rooms the same way on every server: the first occupant of
 * each room creates it and submits an instant-room configuration (XEP-0045 10.1.2, so servers that lock new rooms
 * open them), then the others join, {@code inFlight} at a time; a join counts when the joiner's own presence
 * (status 110) comes back. Join presences carry what lib-jitsi-meet puts into its MUC presence, and ask for
 * no history.
 */
final class MucRooms {
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
}
