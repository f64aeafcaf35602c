package org.parley.focus.conference;

import java.util.ArrayList;
import java.util.List;
import org.parley.jingle.colibri2.Endpoint;
import org.xmpp.packet.IQ;
import org.xmpp.packet.JID;

/**
 * What a {@link ConferenceModule} may see and do in its conference. Call only from the module's hooks or from steps
 * on the conference's actor.
 */
public final class ConferenceHandle {
    private final Conference conference;

    ConferenceHandle(Conference conference) {
        this.conference = conference;
    }

    /** The room's bare JID. */
    public JID room() { return conference.room(); }

    /** The focus's occupant JID in the room ({@code room@conference.example.org/focus}). */
    public JID focusOccupant() { return conference.focusOccupant(); }

    /** The occupant with this nickname, or null. */
    public Member member(String nick) {
        Participant p = conference.participant(nick);
        return p == null ? null : Member.of(p);
    }

    /** The occupants other than the focus, in the order they joined. */
    public List<Member> members() {
        List<Member> out = new ArrayList<>();
        for (Participant p : conference.participantList()) out.add(Member.of(p));
        return out;
    }

    /** The conference's actor: a module's timers and answers run there (never block it). */
    public java.util.concurrent.ScheduledExecutorService executor() {
        return conference.executor();
    }

    /**
     * Puts {@code element} into the focus's presence in the room, replacing an element of the same name and namespace
     * (Jicofo's presence extensions, such as the recording status); the room sees it at once.
     */
    public void focusPresenceExtension(org.dom4j.Element element) {
        conference.focusPresenceExtension(element);
    }

    /** The module's {@link ConferenceModule#persistentState} changed: the conference is written again. */
    public void stateChanged() {
        conference.modulesChanged();
    }

    /**
     * Whether the conference ended here only because another node or the next process of this one took it over (then
     * what it runs, such as a recording, goes on there): meaningful in {@link ConferenceModule#ended}.
     */
    public boolean handedOver() {
        return conference.isHandedOver();
    }

    /** Answers an IQ the module took (result or error); sent from the focus's JID, as Jingle answers are. */
    public void answer(IQ answer) {
        conference.sendAsFocus(answer);
    }

    /**
     * Sends an IQ request to an occupant from the focus (through the room, so the occupant sees it from the focus's
     * occupant JID, as lib-jitsi-meet expects). The answer is only logged: notifications such as a mute are not
     * repeated.
     */
    public void notify(IQ request) {
        conference.notifyOccupant(request);
    }

    /**
     * Sends an IQ request from the focus's own JID to any address (a worker in a brewery room) and calls
     * {@code answer} on the conference's actor with the answer (result or error), or with null when none came within
     * {@code timeout}. Nothing is called once the conference has ended.
     */
    public void request(IQ request, java.time.Duration timeout, java.util.function.Consumer<IQ> answer) {
        conference.requestAsFocus(request, timeout, answer);
    }

    /**
     * Changes {@code change}'s endpoint on the SFU that holds it (one COLIBRI2 {@code conference-modify}); returns
     * false when the occupant has no endpoint now (a later allocation goes through
     * {@link ConferenceModule#allocating}).
     */
    public boolean updateEndpoint(Endpoint change) {
        return conference.updateEndpoint(change);
    }
}
