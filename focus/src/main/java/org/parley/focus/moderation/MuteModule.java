package org.parley.focus.moderation;

import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import org.dom4j.Element;
import org.parley.focus.conference.ConferenceHandle;
import org.parley.focus.conference.ConferenceModule;
import org.parley.focus.conference.Member;
import org.parley.focus.moderation.MuteIq.Media;
import org.parley.focus.xmpp.Stanzas;
import org.parley.jingle.colibri2.Endpoint;
import org.parley.jingle.colibri2.ForceMute;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.parley.jingle.Jingle;
import org.xmpp.packet.IQ;
import org.xmpp.packet.JID;
import org.xmpp.packet.Message;
import org.xmpp.packet.PacketError;
import org.xmpp.packet.Presence;

/**
 * Muting by a moderator, as Jicofo does it: lib-jitsi-meet sends a {@link MuteIq} to the focus's occupant JID. A
 * moderator may mute anyone; anyone may mute or unmute itself; nobody unmutes someone else; everything else is
 * {@code not-allowed} (Jicofo's answer) and changes nothing. A muted participant is told (the same IQ, with
 * {@code actor}) and the SFU drops that media of it (COLIBRI2 {@code <force-mute>} on its endpoint, kept across
 * re-allocations) until it unmutes itself: lib-jitsi-meet then sends the IQ for itself with {@code false}. Muting
 * everyone is one IQ per participant (jitsi-meet's "mute everyone" does exactly that).
 *
 * <p>Audio/video moderation ({@link AvModeration}, state from the {@code avmoderation} component's messages): while
 * it is on for a media, a participant who is neither a moderator nor approved may not unmute itself
 * ({@code not-allowed}), is force-muted on the SFU when moderation turns on (everyone is told to mute), and a newcomer
 * starts force-muted and is told so in its offer ({@code <startmuted>}). Screen share ({@link Media#DESKTOP}) follows
 * the same rules, except that the SFU is not told (COLIBRI2 force-mute has no such media): the participant is.
 */
public final class MuteModule implements ConferenceModule {
    private static final Logger log = LoggerFactory.getLogger(MuteModule.class);

    private final ConferenceHandle conference;
    /** Who is force-muted on the SFU, by nick; only occupants (entries go when they leave). */
    private final Map<String, ForceMute> forced = new HashMap<>();
    private final AvModeration av = new AvModeration();
    /** Occupants with moderator rights as last seen in their presence: losing them under moderation mutes them. */
    private final Set<String> moderators = new HashSet<>();

    public MuteModule(ConferenceHandle conference) {
        this.conference = conference;
    }

    @Override
    public boolean iq(Member from, IQ iq) {
        Element child = iq.getChildElement();
        if (iq.getType() != IQ.Type.set || !MuteIq.isMuteIq(child)) return false;
        MuteIq request;
        try {
            request = MuteIq.parse(child);
        } catch (IllegalArgumentException e) {
            conference.answer(Stanzas.error(iq, PacketError.Condition.bad_request, e.getMessage()));
            return true;
        }
        boolean self = request.jid().equals(from.occupantJid());
        Member target = conference.room().toBareJID().equals(request.jid().toBareJID()) && request.jid().getResource() != null
                ? conference.member(request.jid().getResource()) : null;
        if (target == null) {
            conference.answer(Stanzas.error(iq, PacketError.Condition.item_not_found, "No such participant: " + request.jid()));
            return true;
        }
        if (!self && (!request.mute() || !from.isModerator()) || self && !request.mute() && !av.mayUnmute(target, request.media())) {
            log.info("{}: {} may not {} {} of {}", conference.room(), from.nick(), request.mute() ? "mute" : "unmute",
                    request.media(), target.nick());
            conference.answer(Stanzas.error(iq, PacketError.Condition.not_allowed, null));
            return true;
        }
        log.info("{}: {} {} {} of {}", conference.room(), from.nick(), request.mute() ? "mutes" : "unmutes", request.media(),
                target.nick());
        setForced(target.nick(), request.media(), request.mute());
        conference.answer(IQ.createResultIQ(iq));
        if (!self) conference.notify(MuteIq.notification(request.media(), target.occupantJid(), from.occupantJid(), request.mute()));
        return true;
    }

    private void setForced(String nick, Media media, boolean mute) {
        if (!media.atSfu) return;
        ForceMute was = forced.getOrDefault(nick, new ForceMute(false, false));
        ForceMute now = media == Media.AUDIO ? new ForceMute(mute, was.video()) : new ForceMute(was.audio(), mute);
        if (now.equals(was)) return;
        if (now.audio() || now.video()) forced.put(nick, now);
        else forced.remove(nick);
        conference.updateEndpoint(Endpoint.of(nick).withForceMute(now));
    }

    @Override
    public Endpoint allocating(Member member, Endpoint endpoint) {
        // A newcomer under AV moderation starts force-muted (Jicofo: unless a moderator).
        ForceMute was = forced.getOrDefault(member.nick(), new ForceMute(false, false));
        ForceMute f = new ForceMute(was.audio() || !av.mayUnmute(member, Media.AUDIO), was.video() || !av.mayUnmute(member, Media.VIDEO));
        if (f.audio() || f.video()) forced.put(member.nick(), f);
        return f.audio() || f.video() ? endpoint.withForceMute(f) : endpoint;
    }

    @Override
    public Jingle offering(Member member, Jingle sessionInitiate) {
        // Force-muted by moderation from the start: told in the offer rather than by a mute IQ later (as Jicofo).
        return StartMutedModule.withStartMuted(sessionInitiate, !av.mayUnmute(member, Media.AUDIO),
                !av.mayUnmute(member, Media.VIDEO));
    }

    /** The room an AV moderation component's message is about, or null when it is none (malformed ones logged). */
    public static String avModerationRoom(Message m) {
        try {
            AvModeration.Update u = AvModeration.parse(m);
            return u == null ? null : new JID(u.room()).toBareJID();
        } catch (IllegalArgumentException e) {
            log.info("AV moderation message from {} ignored: {}", m.getFrom(), e.getMessage());
            return null;
        }
    }

    @Override
    public void message(Message m) {
        AvModeration.Update u;
        try {
            u = AvModeration.parse(m);
        } catch (IllegalArgumentException e) {
            return; // logged when it was routed
        }
        if (u == null || !conference.room().toBareJID().equals(new JID(u.room()).toBareJID())) return;
        if (u.enabled() != null) log.info("{}: {} moderation {}", conference.room(), u.media(), u.enabled() ? "on" : "off");
        Set<String> allowedBefore = new HashSet<>();
        for (Member member : conference.members()) {
            for (Media media : Media.values()) if (av.mayUnmute(member, media)) allowedBefore.add(member.nick() + " " + media);
        }
        if (av.apply(u)) {
            muteEveryone(u.media());
            return;
        }
        // A participant the moderators rejected again may no longer speak: the SFU stops its media at once.
        for (Member member : conference.members()) {
            for (Media media : Media.values()) if (allowedBefore.contains(member.nick() + " " + media)) enforce(member, media);
        }
    }

    /**
     * A participant who just lost the right to unmute {@code media} (its moderator rights, or its approval) while
     * moderation is on: force-muted on the SFU and told, as moderation's start does it, unless it is already.
     * Jicofo only refuses its next unmute; but a client that never mutes would keep talking, and moderation is
     * meant to be enforced by the SFU.
     */
    private void enforce(Member m, Media media) {
        if (m.hidden() || av.mayUnmute(m, media)) return;
        if (media.atSfu) {
            ForceMute f = forced.get(m.nick());
            if (f != null && (media == Media.AUDIO ? f.audio() : f.video())) return;
        }
        log.info("{}: {} may no longer unmute {}: force-muted", conference.room(), m.nick(), media);
        setForced(m.nick(), media, true);
        conference.notify(MuteIq.notification(media, m.occupantJid(), null, true));
    }

    @Override
    public void presence(Member member, Presence presence) {
        boolean was = moderators.contains(member.nick());
        if (member.isModerator()) {
            moderators.add(member.nick());
        } else {
            moderators.remove(member.nick());
            if (was) for (Media media : Media.values()) enforce(member, media);
        }
    }

    /**
     * Moderation of {@code media} turned on: like Jicofo's muteAllParticipants, everyone who may not unmute is
     * force-muted on the SFU (moderators and approved participants are not), and everyone is told to mute.
     */
    private void muteEveryone(Media media) {
        for (Member m : conference.members()) {
            if (m.hidden()) continue; // recorders and gateways cannot unmute themselves
            setForced(m.nick(), media, !av.mayUnmute(m, media));
            conference.notify(MuteIq.notification(media, m.occupantJid(), null, true));
        }
    }

    @Override
    public void left(Member member) {
        forced.remove(member.nick());
        moderators.remove(member.nick());
    }
}
