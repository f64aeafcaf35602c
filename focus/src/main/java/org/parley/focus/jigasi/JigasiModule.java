package org.parley.focus.jigasi;

import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import org.dom4j.Element;
import org.parley.focus.conference.ConferenceHandle;
import org.parley.focus.conference.ConferenceModule;
import org.parley.focus.conference.Member;
import org.parley.focus.xmpp.Stanzas;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.xmpp.packet.IQ;
import org.xmpp.packet.JID;
import org.xmpp.packet.PacketError;
import org.xmpp.packet.Presence;

/**
 * Dial-out and the transcriber, as Jicofo's {@code JigasiIqHandler} does them: a participant's Rayo {@link RayoDial} to
 * the focus's occupant goes to a Jigasi that does what is asked ({@link Jigasis#select}: the caller's region first,
 * least loaded, none shutting down), with the room named in its {@value RayoDial#ROOM_NAME_HEADER} header. The
 * Jigasi's answer (a {@code <ref uri='xmpp:room/nick'/>}: where lib-jitsi-meet later sends its hang-up, straight to
 * the Jigasi's occupant) goes back to the caller. A Jigasi that refuses or does not answer is left out and the next one
 * tried, up to {@code retries} more.
 *
 * <p>Errors are Jicofo's: {@code forbidden} for a non-moderator (with {@code moderators-only}) or a header naming
 * another room, {@code conflict} when a transcriber is already in the room or on its way, {@code service-unavailable}
 * when no Jigasi can take it, {@code undefined-condition} when every one tried refused ({@code remote-server-timeout}
 * when the last did not answer), {@code bad-request} for a dial without a destination.
 *
 * <p>A Jigasi that joins a room by itself (dial-in) or once dialled is an occupant like any other: the conference
 * handles it; this module only notes a transcriber (the transcriber feature in the presence of an occupant from a
 * hidden domain, as Jicofo trusts only its trusted domains).
 */
public final class JigasiModule implements ConferenceModule {
    private static final Logger log = LoggerFactory.getLogger(JigasiModule.class);
    /** jigasi's transcriber announces this feature in its room presence (lib-jitsi-meet's FEATURE_TRANSCRIBER). */
    static final String TRANSCRIBER_FEATURE = "http://jitsi.org/protocol/transcriber";

    private final ConferenceHandle conference;
    private final Jigasis jigasis;
    private final JigasiSettings settings;
    /** Occupants' regions, from their presence. */
    private final Map<String, String> regions = new HashMap<>();
    /** Transcribers in the room, by nick. */
    private final Set<String> transcribers = new HashSet<>();
    /** A transcriber request is being handed to a Jigasi: a second one would start a second transcriber. */
    private boolean transcriberPending;

    public JigasiModule(ConferenceHandle conference, Jigasis jigasis) {
        this.conference = conference;
        this.jigasis = jigasis;
        this.settings = jigasis.settings();
    }

    @Override
    public void presence(Member member, Presence presence) {
        String region = region(presence.getElement());
        if (region != null) regions.put(member.nick(), region);
        if (member.hidden() && hasFeature(presence.getElement(), TRANSCRIBER_FEATURE)) {
            if (transcribers.add(member.nick())) log.info("{}: transcriber {} in the room", conference.room(), member.nick());
        } else {
            transcribers.remove(member.nick());
        }
    }

    @Override
    public void left(Member member) {
        regions.remove(member.nick());
        transcribers.remove(member.nick());
    }

    @Override
    public boolean iq(Member from, IQ iq) {
        Element child = iq.getChildElement();
        if (iq.getType() != IQ.Type.set || !RayoDial.isDial(child)) return false;
        Jigasis.DialCounters counters = jigasis.counters;
        if (settings.moderatorsOnly() && !from.isModerator()) {
            log.info("{}: dial from {} refused: not a moderator", conference.room(), from.nick());
            counters.rejected.incrementAndGet();
            conference.answer(Stanzas.error(iq, PacketError.Condition.forbidden, null));
            return true;
        }
        RayoDial dial;
        try {
            dial = RayoDial.parse(child);
        } catch (IllegalArgumentException e) {
            counters.rejected.incrementAndGet();
            conference.answer(Stanzas.error(iq, PacketError.Condition.bad_request, e.getMessage()));
            return true;
        }
        String roomHeader = dial.roomName();
        if (roomHeader != null && !sameRoom(roomHeader)) {
            log.info("{}: dial from {} refused: its {} names {}", conference.room(), from.nick(), RayoDial.ROOM_NAME_HEADER, roomHeader);
            counters.rejected.incrementAndGet();
            conference.answer(Stanzas.error(iq, PacketError.Condition.forbidden, null));
            return true;
        }
        counters.accepted.incrementAndGet();
        if (dial.transcriber() && (!transcribers.isEmpty() || transcriberPending)) {
            log.info("{}: transcriber request from {} refused: a transcriber is already {}", conference.room(), from.nick(),
                    transcribers.isEmpty() ? "on its way" : "in the room");
            conference.answer(Stanzas.error(iq, PacketError.Condition.conflict, null));
            return true;
        }
        Element forward = child.createCopy();
        if (roomHeader == null) {
            forward.addElement(RayoDial.HEADER, RayoDial.NS).addAttribute("name", RayoDial.ROOM_NAME_HEADER)
                    .addAttribute("value", conference.room().toBareJID());
        }
        if (dial.transcriber()) transcriberPending = true;
        log.info("{}: {} asks for {}", conference.room(), from.nick(), dial.transcriber() ? "the transcriber" : "a call to " + dial.to());
        attempt(iq, forward, dial.transcriber(), regions.get(from.nick()), new HashSet<>(), settings.retries());
        return true;
    }

    /** Hands the dial to the best Jigasi not tried yet; on a refusal or timeout, to the next while retries are left. */
    private void attempt(IQ request, Element dial, boolean transcriber, String region, Set<JID> tried, int retriesLeft) {
        Jigasi jigasi = jigasis.select(transcriber, region, tried);
        if (jigasi == null) {
            log.warn("{}: no Jigasi {} available{}", conference.room(), transcriber ? "transcriber" : "for SIP",
                    tried.isEmpty() ? "" : " besides " + tried);
            jigasis.counters.noInstance.incrementAndGet();
            done(transcriber, Stanzas.error(request, PacketError.Condition.service_unavailable, null));
            return;
        }
        IQ forward = new IQ(IQ.Type.set);
        forward.setTo(jigasi.jid());
        forward.setChildElement(dial.createCopy());
        conference.request(forward, settings.dialTimeout(), answer -> {
            if (answer != null && answer.getType() == IQ.Type.result) {
                log.info("{}: {} took the {} ({})", conference.room(), jigasi.jid(), transcriber ? "transcriber request" : "call",
                        answer.getChildElement() == null ? "no ref" : answer.getChildElement().attributeValue("uri"));
                IQ result = IQ.createResultIQ(request);
                if (answer.getChildElement() != null) result.setChildElement(answer.getChildElement().createCopy());
                done(transcriber, result);
                return;
            }
            if (answer == null) {
                log.warn("{}: Jigasi {} did not answer the dial within {}", conference.room(), jigasi.jid(), settings.dialTimeout());
                jigasis.counters.instanceTimeouts.incrementAndGet();
            } else {
                log.warn("{}: Jigasi {} refused the dial: {}", conference.room(), jigasi.jid(),
                        answer.getError() == null ? "error" : answer.getError().getCondition().toXMPP());
                jigasis.counters.instanceErrors.incrementAndGet();
            }
            if (retriesLeft > 0) {
                jigasis.counters.retries.incrementAndGet();
                tried.add(jigasi.jid());
                attempt(request, dial, transcriber, region, tried, retriesLeft - 1);
                return;
            }
            jigasis.counters.allFailed.incrementAndGet();
            done(transcriber, Stanzas.error(request, answer == null ? PacketError.Condition.remote_server_timeout
                    : PacketError.Condition.undefined_condition, null));
        });
    }

    private void done(boolean transcriber, IQ answer) {
        if (transcriber) transcriberPending = false;
        conference.answer(answer);
    }

    private boolean sameRoom(String header) {
        try {
            return new JID(header.trim()).toBareJID().equals(conference.room().toBareJID());
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    /** The region lib-jitsi-meet puts in its presence (as the conference reads it for SFU selection), or null. */
    static String region(Element presence) {
        for (Element c : presence.elements()) {
            if ("jitsi_participant_region".equals(c.getName()) && !c.getTextTrim().isEmpty()) return c.getTextTrim();
            if ("region".equals(c.getName())) {
                String id = c.attributeValue("id");
                if (id != null && !id.isBlank()) return id;
            }
        }
        return null;
    }

    private static boolean hasFeature(Element presence, String feature) {
        for (Element f : presence.elements("features")) {
            for (Element x : f.elements("feature")) if (feature.equals(x.attributeValue("var"))) return true;
        }
        return false;
    }
}
