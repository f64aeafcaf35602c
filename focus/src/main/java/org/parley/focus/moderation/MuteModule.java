package org.parley.focus.moderation;

import java.util.HashMap;
import java.util.Map;
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
import org.xmpp.packet.IQ;
import org.xmpp.packet.PacketError;

/**
 * Muting by a moderator, as Jicofo does it: lib-jitsi-meet sends a {@link MuteIq} to the focus's occupant JID. A
 * moderator may mute anyone; anyone may mute or unmute itself; nobody unmutes someone else; everything else is
 * {@code not-allowed} (Jicofo's answer) and changes nothing. A muted participant is told (the same IQ, with
 * {@code actor}) and the SFU drops that media of it (COLIBRI2 {@code <force-mute>} on its endpoint, kept across
 * re-allocations) until it unmutes itself: lib-jitsi-meet then sends the IQ for itself with {@code false}. Muting
 * everyone is one IQ per participant (jitsi-meet's "mute everyone" does exactly that).
 */
public final class MuteModule implements ConferenceModule {
    private static final Logger log = LoggerFactory.getLogger(MuteModule.class);

    private final ConferenceHandle conference;
    /** Who is force-muted on the SFU, by nick; only occupants (entries go when they leave). */
    private final Map<String, ForceMute> forced = new HashMap<>();

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
        if (!self && (!request.mute() || !from.isModerator())) {
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
        ForceMute was = forced.getOrDefault(nick, new ForceMute(false, false));
        ForceMute now = media == Media.AUDIO ? new ForceMute(mute, was.video()) : new ForceMute(was.audio(), mute);
        if (now.equals(was)) return;
        if (now.audio() || now.video()) forced.put(nick, now);
        else forced.remove(nick);
        conference.updateEndpoint(Endpoint.of(nick).withForceMute(now));
    }

    @Override
    public Endpoint allocating(Member member, Endpoint endpoint) {
        ForceMute f = forced.get(member.nick());
        return f == null ? endpoint : endpoint.withForceMute(f);
    }

    @Override
    public void left(Member member) {
        forced.remove(member.nick());
    }
}
