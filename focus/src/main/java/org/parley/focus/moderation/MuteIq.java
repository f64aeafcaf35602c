package org.parley.focus.moderation;

import org.dom4j.Element;
import org.xmpp.packet.IQ;
import org.xmpp.packet.JID;

/**
 * Jitsi Meet's mute IQ, {@code <mute xmlns='http://jitsi.org/jitmeet/audio' jid='room@conference/nick'>true</mute>}
 * ({@code http://jitsi.org/jitmeet/video} for video, {@code http://jitsi.org/jitmeet/desktop} for screen share; the
 * element is {@code mute} in all). lib-jitsi-meet sends it to
 * the focus's occupant JID to mute someone (or to unmute itself); the focus sends it to the participant, with
 * {@code actor} naming the moderator, to tell it it was muted.
 */
record MuteIq(Media media, JID jid, boolean mute) {
    enum Media {
        AUDIO("http://jitsi.org/jitmeet/audio", true),
        VIDEO("http://jitsi.org/jitmeet/video", true),
        /**
         * Screen share (current lib-jitsi-meet and Jicofo). COLIBRI2's force-mute knows only audio and video, and a
         * screen share is one of the participant's video sources, so the SFU is not told: the participant is.
         */
        DESKTOP("http://jitsi.org/jitmeet/desktop", false);

        final String ns;
        /** Whether the SFU can drop this media of an endpoint (COLIBRI2 force-mute). */
        final boolean atSfu;

        Media(String ns, boolean atSfu) {
            this.ns = ns;
            this.atSfu = atSfu;
        }

        static Media of(String ns) {
            for (Media m : values()) if (m.ns.equals(ns)) return m;
            return null;
        }
    }

    static final String ELEMENT = "mute";

    /** Whether {@code child} is a mute element of either namespace. */
    static boolean isMuteIq(Element child) {
        return child != null && ELEMENT.equals(child.getName()) && Media.of(child.getNamespaceURI()) != null;
    }

    /** The request in {@code child}; throws IllegalArgumentException with the reason when it is malformed. */
    static MuteIq parse(Element child) {
        Media media = Media.of(child.getNamespaceURI());
        String jid = child.attributeValue("jid");
        if (jid == null) throw new IllegalArgumentException("Missing 'jid'");
        JID target;
        try {
            target = new JID(jid);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("Not a JID: " + jid);
        }
        String text = child.getTextTrim();
        if (!"true".equals(text) && !"false".equals(text)) throw new IllegalArgumentException("The mute state must be true or false");
        return new MuteIq(media, target, Boolean.parseBoolean(text));
    }

    /**
     * The notification to {@code to} that {@code actor} muted its media (Jicofo's form: actor, no jid); without an
     * actor when moderation muted everyone.
     */
    static IQ notification(Media media, JID to, JID actor, boolean mute) {
        IQ iq = new IQ(IQ.Type.set);
        iq.setTo(to);
        Element e = iq.setChildElement(ELEMENT, media.ns);
        if (actor != null) e.addAttribute("actor", actor.toString());
        e.setText(Boolean.toString(mute));
        return iq;
    }
}
