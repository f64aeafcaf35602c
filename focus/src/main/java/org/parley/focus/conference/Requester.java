package org.parley.focus.conference;

import java.util.function.Consumer;
import org.xmpp.packet.IQ;

/**
 * A conference request and the way its answer goes back: through the router to the client that sent the IQ, or to
 * the HTTP exchange of Jicofo's {@code POST /conference-request/v1}, which wraps its JSON in the same IQ so both take
 * one path through the policy, the conference and its "ready" answer.
 */
public record Requester(IQ iq, Consumer<IQ> answer) {
    public void reply(IQ reply) {
        answer.accept(reply);
    }
}
