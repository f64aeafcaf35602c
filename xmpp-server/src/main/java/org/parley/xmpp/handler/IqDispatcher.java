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
    private final Map<String, List<Identity>> identities = new ConcurrentHashMap<>();

    /** A disco#info identity a service adds to a virtual host's own (how Jitsi's web app finds its components). */
    public record Identity(String category, String type, String name) {}

    /** Adds {@code identity} to the disco#info answer of virtual host {@code host}. */
    public void addIdentity(String host, Identity identity) {
        identities.compute(host, (h, list) -> {
            List<Identity> next = list == null ? new ArrayList<>() : new ArrayList<>(list);
            next.add(identity);
            return List.copyOf(next);
        });
    }

    /** Removes what {@link #addIdentity} added for a service's address {@code name}. */
    public void removeIdentities(String name) {
        identities.replaceAll((h, list) -> list.stream().filter(i -> !name.equals(i.name())).toList());
    }

    /** The identities added to {@code host}'s disco#info besides the server's own. */
    public List<Identity> identities(String host) {
        return identities.getOrDefault(host, List.of());
    }

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
