package org.parley.xmpp.handler;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.dom4j.Element;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.xmpp.packet.IQ;
import org.xmpp.packet.PacketError;

/** Finds the handler for an IQ the server answers itself; unknown requests get service-unavailable. */
public final class IqDispatcher {
    private static final Logger log = LoggerFactory.getLogger(IqDispatcher.class);
    private final Map<String, IqHandler> handlers = new ConcurrentHashMap<>();

    public void register(IqHandler handler) {
        if (handlers.putIfAbsent(handler.namespace(), handler) != null) {
            throw new IllegalStateException("two handlers for " + handler.namespace());
        }
    }

    public List<String> serverFeatures() {
        List<String> out = new ArrayList<>();
        for (IqHandler h : handlers.values()) if (h.answersForServer()) out.addAll(h.features());
        Collections.sort(out);
        return out;
    }

    /**
     * Answers a request addressed to the server ({@code forOwnAccount == false}) or to the requester's own
     * bare JID. Results and errors addressed to the server are dropped: nobody asked.
     */
    public void dispatch(IQ iq, boolean forOwnAccount, IqRequest context) {
        if (!iq.isRequest()) return;
        Element child = iq.getChildElement();
        if (child == null || iq.getElement().elements().size() != 1) {
            context.error(iq, PacketError.Condition.bad_request);
            return;
        }
        IqHandler h = handlers.get(child.getNamespaceURI());
        if (h == null || !(forOwnAccount ? h.answersForOwnAccount() : h.answersForServer())) {
            context.error(iq, PacketError.Condition.service_unavailable);
            return;
        }
        try {
            h.handle(iq, context);
        } catch (RuntimeException e) {
            log.warn("handler {} failed on {}", h.getClass().getSimpleName(), iq.getID(), e);
            context.error(iq, PacketError.Condition.internal_server_error);
        }
    }
}
