package org.parley.focus.jibri;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.dom4j.DocumentHelper;
import org.dom4j.Element;
import org.dom4j.QName;
import org.parley.focus.conference.ConferenceHandle;
import org.parley.focus.conference.ConferenceModule;
import org.parley.focus.conference.Member;
import org.parley.focus.xmpp.IqClient;
import org.parley.focus.xmpp.Stanzas;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.xmpp.packet.IQ;
import org.xmpp.packet.JID;
import org.xmpp.packet.PacketError;

/**
 * Recording, live streaming and the SIP video gateway through Jibri, as Jicofo's JibriRecorder and JibriSipGateway
 * do them. A moderator sends {@code <jibri action='start'/>} to the focus's occupant; the focus picks an available
 * Jibri, sends it the start with the room and a session id, and answers the moderator once the Jibri took it
 * (pending). The Jibri's status IQs are relayed to the room in the focus's presence
 * ({@code jibri-recording-status}, or {@code jibri-sip-call-state} for SIP), where lib-jitsi-meet reads them. A Jibri
 * that fails with {@code should_retry}, leaves, turns unhealthy or stays pending too long is replaced by another, up
 * to {@code retries} times; then the failure is published. One recording or stream per conference, one SIP call per
 * SIP address. Only moderators start and stop ({@code not-allowed}, Jicofo's answer, for the others).
 */
public final class JibriModule implements ConferenceModule {
    private static final Logger log = LoggerFactory.getLogger(JibriModule.class);
    static final String RECORDING_STATUS = "jibri-recording-status";
    static final String SIP_CALL_STATE = "jibri-sip-call-state";
    private static final String STATE = "jibri";
    private static final String STATE_NS = "urn:parley:focus:jibri:1";

    private final ConferenceHandle conference;
    private final Jibris jibris;
    /** The recording or stream, or null. */
    private JibriSession recording;
    private final Map<String, JibriSession> sipCalls = new LinkedHashMap<>();

    public JibriModule(ConferenceHandle conference, Jibris jibris) {
        this.conference = conference;
        this.jibris = jibris;
    }

    public static ConferenceModule.Factory factory(Jibris jibris) {
        return handle -> new JibriModule(handle, jibris);
    }

    @Override
    public boolean iq(Member from, IQ iq) {
        if (iq.getType() != IQ.Type.set || !JibriIq.isJibriIq(iq.getChildElement())) return false;
        JibriIq request;
        try {
            request = JibriIq.parse(iq.getChildElement());
        } catch (IllegalArgumentException e) {
            conference.answer(Stanzas.error(iq, PacketError.Condition.bad_request, e.getMessage()));
            return true;
        }
        boolean sip = request.sipAddress() != null;
        // Without a brewery for it, the feature is not there (Jicofo then has no handler: service-unavailable).
        if (sip ? jibris.settings().sipBrewery() == null : jibris.settings().brewery() == null) return false;
        if (!from.isModerator()) {
            log.info("{}: Jibri request from {}, who is not a moderator, refused", conference.room(), from.nick());
            conference.answer(Stanzas.error(iq, PacketError.Condition.not_allowed, null));
            return true;
        }
        JibriSession current = sip ? sipCalls.get(request.sipAddress()) : recording;
        if ("start".equals(request.action())) {
            if (current != null) {
                conference.answer(Stanzas.error(iq, PacketError.Condition.unexpected_request,
                        sip ? "Already calling " + request.sipAddress() : "Recording or live streaming is already enabled"));
                return true;
            }
            start(from, iq, request, sip);
        } else if ("stop".equals(request.action())) {
            if (current == null) {
                conference.answer(Stanzas.error(iq, PacketError.Condition.item_not_found, "Unknown session"));
                return true;
            }
            current.terminator = from.occupantJid();
            log.info("{}: {} stops {}", conference.room(), from.nick(), current);
            stop(current);
            conference.answer(IQ.createResultIQ(iq));
        } else {
            conference.answer(Stanzas.error(iq, PacketError.Condition.bad_request, "undefined action"));
        }
        return true;
    }

    private void start(Member from, IQ iq, JibriIq request, boolean sip) {
        JibriSession.Kind kind;
        if (sip) {
            kind = JibriSession.Kind.SIP;
        } else if (request.streamId() == null && !"file".equals(request.recordingMode())) {
            conference.answer(Stanzas.error(iq, PacketError.Condition.bad_request, "Stream ID is empty or undefined"));
            return;
        } else if (request.streamId() != null && "file".equals(request.recordingMode())) {
            conference.answer(Stanzas.error(iq, PacketError.Condition.bad_request, "Stream ID is provided for a FILE recording."));
            return;
        } else {
            kind = request.streamId() == null ? JibriSession.Kind.FILE : JibriSession.Kind.STREAM;
        }
        JibriSession s = new JibriSession(kind, UUID.randomUUID().toString(), from.occupantJid(), request.streamId(),
                request.youTubeBroadcastId(), request.sipAddress(), request.displayName(), request.appData());
        s.clientRequest = iq;
        s.owner = owner(s);
        if (sip) sipCalls.put(s.sipAddress, s);
        else recording = s;
        log.info("{}: {} starts {}", conference.room(), from.nick(), s);
        attempt(s);
    }

    /** Stands for {@code s} with the Jibris, handing their calls to the conference's actor. */
    private Jibris.Owner owner(JibriSession s) {
        return new Jibris.Owner() {
            @Override
            public void iq(IQ request) {
                onActor(() -> fromJibri(s, request));
            }

            @Override
            public void down(String why) {
                JID jibri = s.jibri;
                onActor(() -> {
                    if (!s.ended && jibri != null && jibri.equals(s.jibri)) failed(s, "Jibri " + why, true);
                });
            }
        };
    }

    private void onActor(Runnable step) {
        try {
            conference.executor().execute(() -> {
                try {
                    step.run();
                } catch (RuntimeException e) {
                    log.error("{}: a Jibri step failed", conference.room(), e);
                }
            });
        } catch (java.util.concurrent.RejectedExecutionException stopped) {
            log.debug("focus stopped, Jibri event dropped");
        }
    }

    /** Asks the next available Jibri to take {@code s}. */
    private void attempt(JibriSession s) {
        Jibri j = jibris.engage(s.sip(), s.tried, s.owner);
        if (j == null) {
            noJibri(s);
            return;
        }
        JID jid = j.jid();
        s.jibri = jid;
        s.running = false;
        s.tried.add(jid);
        log.info("{}: {} asked of Jibri {}", conference.room(), s, jid);
        IQ start = new IQ(IQ.Type.set);
        start.setTo(jid);
        start.setChildElement(s.startRequest(conference.room().toBareJID()).toElement());
        long timeout = jibris.settings().pendingTimeout().toMillis();
        if (s.pendingTimer != null) s.pendingTimer.cancel(false);
        s.pendingTimer = conference.executor().schedule(() -> onActor(() -> {
            if (!s.ended && jid.equals(s.jibri) && !s.running) {
                sendStop(s, jid);
                failed(s, "still pending after " + jibris.settings().pendingTimeout(), true);
            }
        }), timeout, TimeUnit.MILLISECONDS);
        jibris.request(start, conference.executor(), outcome -> startAnswered(s, jid, outcome));
    }

    private void startAnswered(JibriSession s, JID jid, IqClient.Outcome outcome) {
        if (s.ended || !jid.equals(s.jibri)) return;
        if (outcome.timedOut()) {
            // It may still be starting (a browser taking its time): told to stop so it does not join unasked.
            sendStop(s, jid);
            failed(s, "start request timed out", true);
            return;
        }
        if (outcome.isError()) {
            PacketError e = outcome.answer().getError();
            failed(s, "start refused (" + (e == null ? "error" : e.getCondition().toXMPP()) + ")", true);
            return;
        }
        JibriIq answer;
        try {
            Element child = outcome.answer().getChildElement();
            answer = JibriIq.isJibriIq(child) ? JibriIq.parse(child) : JibriIq.empty();
        } catch (IllegalArgumentException e) {
            answer = JibriIq.empty();
        }
        if ("pending".equals(answer.status())) {
            accepted(s);
            // A session moved to another Jibri stays on for the room meanwhile (as with Jicofo).
            if (s.status == null || "pending".equals(s.status)) publish(s, "pending", null);
            else conference.stateChanged();
        } else if ("on".equals(answer.status())) {
            accepted(s);
            on(s);
        } else if ("busy".equals(answer.failureReason())) {
            failed(s, "Jibri busy", true);
        } else if (answer.failureReason() != null) {
            failed(s, "Jibri failed to start (" + answer.failureReason() + ")", answer.retry());
        } else {
            failed(s, "unexpected answer to the start request (status " + answer.status() + ")", true);
        }
    }

    // ------------------------------------------------------------------ restarts

    /**
     * The sessions a Jibri has taken, for a restart of the focus: the next process takes them up with the same Jibri
     * rather than starting them again.
     */
    @Override
    public Element persistentState() {
        List<JibriSession> all = new ArrayList<>();
        if (recording != null) all.add(recording);
        all.addAll(sipCalls.values());
        Element state = null;
        for (JibriSession s : all) {
            if (s.ended || s.clientRequest != null) continue;
            if (state == null) state = DocumentHelper.createElement(QName.get(STATE, STATE_NS));
            Element e = state.addElement(QName.get("session", STATE_NS));
            e.addAttribute("kind", s.kind.name());
            e.addAttribute("id", s.sessionId);
            e.addAttribute("initiator", s.initiator.toString());
            e.addAttribute("retries", Integer.toString(s.retries));
            e.addAttribute("status", s.status);
            e.addAttribute("running", Boolean.toString(s.running));
            if (s.jibri != null) e.addAttribute("jibri", s.jibri.toString());
            e.addAttribute("stream-id", s.streamId);
            e.addAttribute("broadcast-id", s.youTubeBroadcastId);
            e.addAttribute("sip-address", s.sipAddress);
            e.addAttribute("display-name", s.displayName);
            e.addAttribute("app-data", s.appData);
            for (JID t : s.tried) e.addElement(QName.get("tried", STATE_NS)).addAttribute("jibri", t.toString());
        }
        return state;
    }

    /**
     * Takes up the sessions of before the restart with the Jibris that have them: their status updates reach the
     * session again, and the room sees the status again. A Jibri not back in its brewery within the pending timeout
     * counts as failed (the session moves on, as when a Jibri leaves).
     */
    @Override
    public void restored(Element state) {
        Element mine = state.element(QName.get(STATE, STATE_NS));
        if (mine == null) return;
        for (Element e : mine.elements(QName.get("session", STATE_NS))) {
            JibriSession s;
            try {
                s = new JibriSession(JibriSession.Kind.valueOf(e.attributeValue("kind")), e.attributeValue("id"),
                        new JID(e.attributeValue("initiator")), e.attributeValue("stream-id"),
                        e.attributeValue("broadcast-id"), e.attributeValue("sip-address"), e.attributeValue("display-name"),
                        e.attributeValue("app-data"));
                s.retries = Integer.parseInt(e.attributeValue("retries", "0"));
                for (Element t : e.elements(QName.get("tried", STATE_NS))) s.tried.add(new JID(t.attributeValue("jibri")));
                if (e.attributeValue("jibri") != null) s.jibri = new JID(e.attributeValue("jibri"));
            } catch (IllegalArgumentException | NullPointerException bad) {
                log.warn("{}: a stored Jibri session is unreadable, dropped: {}", conference.room(), bad.getMessage());
                continue;
            }
            if (s.sip() ? s.sipAddress == null || sipCalls.containsKey(s.sipAddress) : recording != null) continue;
            s.owner = owner(s);
            if (s.sip()) sipCalls.put(s.sipAddress, s);
            else recording = s;
            String status = e.attributeValue("status", "pending");
            s.status = status;
            s.running = "on".equals(status) && s.jibri != null && "true".equals(e.attributeValue("running", "true"));
            if (s.jibri != null) jibris.adopt(s.jibri, s.owner);
            // In the focus's presence when it rejoins the room, so everyone sees the recording still on.
            conference.focusPresenceExtension(statusElement(s, status, null));
            log.info("{}: {} taken up after the restart (Jibri {}, {})", conference.room(), s, s.jibri, status);
            JID expected = s.jibri;
            s.pendingTimer = conference.executor().schedule(() -> onActor(() -> {
                if (s.ended || s.jibri != expected) return;
                if (expected == null || !jibris.present(expected)) {
                    failed(s, expected == null ? "between Jibris at the restart" : "Jibri not back after the restart", true);
                } else if (!s.running) {
                    sendStop(s, expected);
                    failed(s, "still pending after the restart", true);
                }
            }), jibris.settings().pendingTimeout().toMillis(), TimeUnit.MILLISECONDS);
        }
    }

    /** A Jibri took the session: the moderator's request is answered with its id (lib-jitsi-meet waits for it). */
    private void accepted(JibriSession s) {
        if (s.clientRequest == null) return;
        IQ result = IQ.createResultIQ(s.clientRequest);
        result.setChildElement(new JibriIq(null, null, null, null, null, null, null, null, s.sessionId, null, null, null).toElement());
        conference.answer(result);
        s.clientRequest = null;
    }

    /** A status update from the Jibri working on {@code s}. */
    private void fromJibri(JibriSession s, IQ request) {
        jibris.answer(IQ.createResultIQ(request));
        if (s.ended || !request.getFrom().equals(s.jibri)) return;
        JibriIq update;
        try {
            update = JibriIq.parse(request.getChildElement());
        } catch (IllegalArgumentException e) {
            return;
        }
        log.info("{}: Jibri {} reports {} for {}{}", conference.room(), s.jibri, update.status(), s,
                update.failureReason() == null ? "" : " (" + update.failureReason() + ")");
        if (update.failureReason() != null) {
            failed(s, "Jibri reports " + update.failureReason(), update.retry());
        } else if ("on".equals(update.status())) {
            on(s);
        } else if ("off".equals(update.status())) {
            finish(s, null);
        }
    }

    private void on(JibriSession s) {
        s.running = true;
        if (s.pendingTimer != null) s.pendingTimer.cancel(false);
        if (!"on".equals(s.status)) publish(s, "on", null);
        else conference.stateChanged();
    }

    /** The Jibri working on {@code s} failed it: another one takes over, or the session ends as failed. */
    private void failed(JibriSession s, String why, boolean retry) {
        JID was = s.jibri;
        if (was != null) jibris.release(was, s.owner);
        s.jibri = null;
        if (s.pendingTimer != null) s.pendingTimer.cancel(false);
        if (retry && s.retries < jibris.settings().retries()) {
            s.retries++;
            log.info("{}: {} failed on {} ({}); retry {} of {}", conference.room(), s, was, why, s.retries,
                    jibris.settings().retries());
            attempt(s);
            return;
        }
        log.warn("{}: {} failed on {} ({}){}", conference.room(), s, was, why, retry ? "; no retries left" : "");
        if (s.clientRequest != null) {
            refuse(s);
            return;
        }
        finish(s, "error");
    }

    /** No Jibri left to try. */
    private void noJibri(JibriSession s) {
        if (s.clientRequest != null) {
            refuse(s);
        } else {
            log.warn("{}: {}: no Jibri left to take it over", conference.room(), s);
            finish(s, "error");
        }
    }

    /** The moderator's start request gets Jicofo's error: no Jibri at all, or all busy. */
    private void refuse(JibriSession s) {
        boolean any = jibris.anyConnected(s.sip());
        log.info("{}: {} not started: {}", conference.room(), s, any ? "all Jibris are busy" : "no Jibris available");
        conference.answer(Stanzas.error(s.clientRequest, any ? PacketError.Condition.resource_constraint
                : PacketError.Condition.service_unavailable, any ? "all Jibris are busy" : "no Jibris available"));
        s.clientRequest = null;
        forget(s);
    }

    /** A moderator stops {@code s}: the Jibri is told (not waited for) and the room sees it off at once. */
    private void stop(JibriSession s) {
        if (s.jibri != null) {
            sendStop(s, s.jibri);
            jibris.release(s.jibri, s.owner);
            s.jibri = null;
        }
        if (s.clientRequest != null) accepted(s);
        finish(s, null);
    }

    private void finish(JibriSession s, String failureReason) {
        if (s.ended) return;
        if (s.jibri != null) jibris.release(s.jibri, s.owner);
        s.jibri = null;
        if (s.pendingTimer != null) s.pendingTimer.cancel(false);
        forget(s);
        publish(s, "off", failureReason);
    }

    private void forget(JibriSession s) {
        s.ended = true;
        if (s.sip()) sipCalls.remove(s.sipAddress, s);
        else if (recording == s) recording = null;
    }

    private void sendStop(JibriSession s, JID jid) {
        IQ stop = new IQ(IQ.Type.set);
        stop.setTo(jid);
        stop.setChildElement(new JibriIq("stop", null, null, null, null, s.sipAddress, null, null, s.sessionId, null, null, null).toElement());
        jibris.send(stop);
    }

    /** The session's status in the focus's presence, as Jicofo publishes it (and stored: see {@link #persistentState}). */
    private void publish(JibriSession s, String status, String failureReason) {
        s.status = status;
        conference.focusPresenceExtension(statusElement(s, status, failureReason));
        conference.stateChanged();
    }

    private static Element statusElement(JibriSession s, String status, String failureReason) {
        Element e;
        if (s.sip()) {
            e = DocumentHelper.createElement(QName.get(SIP_CALL_STATE, JibriIq.NS));
            e.addAttribute("state", status);
            e.addAttribute("sipaddress", s.sipAddress);
        } else {
            e = DocumentHelper.createElement(QName.get(RECORDING_STATUS, JibriIq.NS));
            e.addAttribute("status", status);
            e.addAttribute("recording_mode", s.kind.recordingMode);
            JID initiator = "on".equals(status) ? s.initiator : "off".equals(status) ? s.terminator : null;
            if (initiator != null) e.addAttribute("initiator", initiator.toString());
        }
        e.addAttribute("session_id", s.sessionId);
        if (failureReason != null) e.addAttribute("failure_reason", failureReason);
        return e;
    }

    /**
     * The conference ended: every Jibri at work is told to stop, unless the conference goes on elsewhere (taken over,
     * or handed to the next process), which resumes the sessions from the stored state.
     */
    @Override
    public void ended() {
        List<JibriSession> all = new ArrayList<>(sipCalls.values());
        if (recording != null) all.add(recording);
        boolean goesOn = conference.handedOver();
        for (JibriSession s : all) {
            if (s.jibri != null && !goesOn) {
                sendStop(s, s.jibri);
                jibris.release(s.jibri, s.owner);
                s.jibri = null;
            }
            if (s.pendingTimer != null) s.pendingTimer.cancel(false);
            forget(s);
        }
    }
}
