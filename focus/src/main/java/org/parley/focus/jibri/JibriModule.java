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
        s.tried.add(jid);
        log.info("{}: {} asked of Jibri {}", conference.room(), s, jid);
        IQ start = new IQ(IQ.Type.set);
        start.setTo(jid);
        start.setChildElement(s.startRequest(conference.room().toBareJID()).toElement());
        long timeout = jibris.settings().pendingTimeout().toMillis();
        if (s.pendingTimer != null) s.pendingTimer.cancel(false);
        s.pendingTimer = conference.executor().schedule(() -> onActor(() -> {
            if (!s.ended && jid.equals(s.jibri) && !"on".equals(s.status)) {
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
            publish(s, "pending", null);
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
        if (s.pendingTimer != null) s.pendingTimer.cancel(false);
        if (!"on".equals(s.status)) publish(s, "on", null);
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

    /** The session's status in the focus's presence, as Jicofo publishes it. */
    private void publish(JibriSession s, String status, String failureReason) {
        s.status = status;
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
        conference.focusPresenceExtension(e);
    }

    /** The conference ended: every Jibri at work is told to stop. */
    @Override
    public void ended() {
        List<JibriSession> all = new ArrayList<>(sipCalls.values());
        if (recording != null) all.add(recording);
        for (JibriSession s : all) {
            if (s.jibri != null) {
                sendStop(s, s.jibri);
                jibris.release(s.jibri, s.owner);
                s.jibri = null;
            }
            if (s.pendingTimer != null) s.pendingTimer.cancel(false);
            forget(s);
        }
    }
}
