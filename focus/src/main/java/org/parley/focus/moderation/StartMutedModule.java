package org.parley.focus.moderation;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.dom4j.DocumentHelper;
import org.dom4j.Element;
import org.parley.focus.conference.ConferenceHandle;
import org.parley.focus.conference.ConferenceModule;
import org.parley.focus.conference.Member;
import org.parley.focus.xmpp.Stanzas;
import org.parley.jingle.Jingle;
import org.parley.jingle.focus.ConferenceIq;
import org.parley.jingle.xml.OpaqueElement;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.xmpp.packet.Presence;

/**
 * Start muted, as Jicofo does it: a participant is told in its {@code session-initiate} to start with its audio and/or
 * video muted ({@code <startmuted xmlns='http://jitsi.org/jitmeet/start-muted' audio='true' video='false'/>}), and
 * lib-jitsi-meet mutes its tracks. Two policies, each per media: the room's (an owner or admin puts the same
 * {@code <startmuted>} in its presence; it applies to everyone who joins afterwards), and the conference request's
 * {@code startAudioMuted} / {@code startVideoMuted} properties (config.js: the participants after the Nth start
 * muted; they also apply to new sessions of participants already in). Like Jicofo, the SFU is not told: the
 * participant may unmute itself.
 */
public final class StartMutedModule implements ConferenceModule {
    private static final Logger log = LoggerFactory.getLogger(StartMutedModule.class);
    static final String NS = "http://jitsi.org/jitmeet/start-muted";
    static final String ELEMENT = "startmuted";

    private final ConferenceHandle conference;
    private boolean requested;
    /** From the conference request that created the conference: who comes after this many starts muted. */
    private int audioLimit = Integer.MAX_VALUE;
    private int videoLimit = Integer.MAX_VALUE;
    /** The room's policy, from an owner's or admin's presence. */
    private boolean startAudioMuted;
    private boolean startVideoMuted;
    /** Occupants that had their first offer: later ones (session restart, SFU change) are not "just joined". */
    private final Set<String> offered = new HashSet<>();

    public StartMutedModule(ConferenceHandle conference) {
        this.conference = conference;
    }

    @Override
    public void requested(ConferenceIq request) {
        if (requested) return;
        requested = true;
        audioLimit = limit(request.property("startAudioMuted"));
        videoLimit = limit(request.property("startVideoMuted"));
    }

    /** A property's participant count; absent or unreadable means no limit (Jicofo ignores what is not a number). */
    private static int limit(String value) {
        if (value == null) return Integer.MAX_VALUE;
        try {
            return Math.max(0, Integer.parseInt(value.trim()));
        } catch (NumberFormatException e) {
            return Integer.MAX_VALUE;
        }
    }

    @Override
    public void presence(Member member, Presence presence) {
        Element e = Stanzas.child(presence.getElement(), ELEMENT, NS);
        if (e == null) return;
        // Jicofo takes it from owners and admins only (administrator rights), not from every moderator.
        if (!"owner".equals(member.affiliation()) && !"admin".equals(member.affiliation())) return;
        boolean audio = Boolean.parseBoolean(e.attributeValue("audio"));
        boolean video = Boolean.parseBoolean(e.attributeValue("video"));
        if (audio != startAudioMuted || video != startVideoMuted) {
            log.info("{}: {} sets start muted: audio {}, video {}", conference.room(), member.nick(), audio, video);
        }
        startAudioMuted = audio;
        startVideoMuted = video;
    }

    @Override
    public Jingle offering(Member member, Jingle sessionInitiate) {
        boolean justJoined = offered.add(member.nick());
        int count = conference.members().size();
        boolean audio = (startAudioMuted && justJoined) || count > audioLimit;
        boolean video = (startVideoMuted && justJoined) || count > videoLimit;
        return withStartMuted(sessionInitiate, audio, video);
    }

    /**
     * {@code offer} telling the client to start with audio and/or video muted: one {@code <startmuted>}, whose flags
     * are those already there or'ed with these (several modules may ask).
     */
    static Jingle withStartMuted(Jingle offer, boolean audio, boolean video) {
        if (!audio && !video) return offer;
        List<OpaqueElement> extensions = new ArrayList<>();
        for (OpaqueElement x : offer.extensions()) {
            if (x.is(ELEMENT, NS)) {
                audio |= Boolean.parseBoolean(x.attribute("audio"));
                video |= Boolean.parseBoolean(x.attribute("video"));
            } else {
                extensions.add(x);
            }
        }
        Element e = DocumentHelper.createElement(org.dom4j.QName.get(ELEMENT, NS));
        e.addAttribute("audio", Boolean.toString(audio));
        e.addAttribute("video", Boolean.toString(video));
        extensions.add(OpaqueElement.of(e));
        return offer.withExtensions(extensions);
    }

    @Override
    public void left(Member member) {
        offered.remove(member.nick());
    }
}
