package org.parley.xmpp.handler;

import java.net.InetAddress;
import java.util.concurrent.CompletableFuture;
import org.dom4j.Element;
import org.parley.xmpp.config.VirtualHost;
import org.parley.xmpp.sasl.ScramCredentials;
import org.parley.xmpp.server.ServerContext;
import org.parley.xmpp.session.ClientSession;
import org.parley.xmpp.stream.StreamErrorCondition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.xmpp.packet.IQ;
import org.xmpp.packet.JID;
import org.xmpp.packet.PacketError;

/**
 * XEP-0077 in-band registration: account creation before authentication (where the host allows it),
 * password change and account removal after. Key derivation is deliberately slow, so it runs off the
 * event loop.
 */
public final class RegistrationHandler implements IqHandler {
    public static final String NS = "jabber:iq:register";
    private static final Logger log = LoggerFactory.getLogger(RegistrationHandler.class);
    private static final int MAX_PASSWORD = 1024;
    private final ServerContext server;
    private final RegistrationThrottle throttle;

    public RegistrationHandler(ServerContext server) {
        this.server = server;
        var limits = server.config().limits();
        this.throttle = new RegistrationThrottle(limits.registrationsPerAddress(), limits.registrationWindow());
    }

    @Override public String namespace() { return NS; }
    @Override public boolean answersForOwnAccount() { return true; }

    /** Requests from a client that has not authenticated: the form, or account creation. */
    public void handleUnauthenticated(IQ request, ClientSession session) {
        VirtualHost host = session.host();
        if (request.getType() == IQ.Type.get) {
            IQ result = IQ.createResultIQ(request);
            Element query = result.setChildElement("query", NS);
            query.addElement("instructions").setText("Choose a username and password for " + host.domain());
            query.addElement("username");
            query.addElement("password");
            session.deliver(result);
            return;
        }
        if (request.getType() != IQ.Type.set) {
            reply(session, error(request, PacketError.Condition.bad_request));
            return;
        }
        Element query = request.getChildElement();
        if (query.element("remove") != null) {
            reply(session, error(request, PacketError.Condition.not_authorized));
            return;
        }
        String username = query.elementText("username");
        String password = query.elementText("password");
        if (username == null || password == null || username.isBlank() || password.isEmpty() || password.length() > MAX_PASSWORD) {
            reply(session, error(request, PacketError.Condition.not_acceptable));
            return;
        }
        String node;
        try {
            node = new JID(username.trim(), host.domain(), null).getNode();
        } catch (IllegalArgumentException e) {
            reply(session, error(request, PacketError.Condition.jid_malformed));
            return;
        }
        InetAddress address = session.transport().remoteAddress().getAddress();
        if (!throttle.tryAcquire(address)) {
            reply(session, error(request, PacketError.Condition.resource_constraint));
            return;
        }
        // A taken name is refused before the key derivation: thousands of HMACs per attempt are not given away.
        // create() still decides a race between two registrations of the same name.
        server.storage().accounts().exists(host.domain(), node)
                .thenCompose(taken -> taken ? CompletableFuture.completedFuture(false)
                        : server.keyDerivation().supply(() -> ScramCredentials.deriveAll(password))
                                .thenCompose(creds -> server.storage().accounts().create(host.domain(), node, creds)))
                .whenComplete((created, err) -> {
                    if (busy(err)) {
                        reply(session, error(request, PacketError.Condition.resource_constraint));
                    } else if (err != null) {
                        log.warn("registration of {}@{} failed", node, host.domain(), err);
                        reply(session, error(request, PacketError.Condition.internal_server_error));
                    } else if (!created) {
                        reply(session, error(request, PacketError.Condition.conflict));
                    } else {
                        log.info("registered {}@{} from {}", node, host.domain(), address.getHostAddress());
                        reply(session, IQ.createResultIQ(request));
                    }
                });
    }

    /** Key derivation's queue was full: the client may try again later. */
    private static boolean busy(Throwable err) {
        Throwable t = err instanceof java.util.concurrent.CompletionException && err.getCause() != null ? err.getCause() : err;
        return t instanceof java.util.concurrent.RejectedExecutionException;
    }

    private static void reply(ClientSession session, IQ reply) {
        reply.setTo((JID) null);
        reply.setFrom((JID) null);
        session.deliver(reply);
    }

    private static IQ error(IQ request, PacketError.Condition condition) {
        IQ e = request.createCopy();
        e.setType(IQ.Type.error);
        e.setError(condition);
        return e;
    }

    @Override
    public void handle(IQ request, IqRequest context) {
        JID user = request.getFrom();
        boolean anonymous = context.origin() != null && context.origin().anonymous();
        if (request.getType() == IQ.Type.get) {
            IQ result = IQ.createResultIQ(request);
            Element query = result.setChildElement("query", NS);
            if (!anonymous) query.addElement("registered");
            query.addElement("username").setText(user.getNode());
            query.addElement("password");
            context.reply(result);
            return;
        }
        if (request.getType() != IQ.Type.set) {
            context.error(request, PacketError.Condition.bad_request);
            return;
        }
        if (anonymous) {
            context.error(request, PacketError.Condition.not_allowed);
            return;
        }
        Element query = request.getChildElement();
        if (query.element("remove") != null) {
            server.storage().accounts().delete(user.getDomain(), user.getNode()).whenComplete((deleted, err) -> {
                if (err != null) {
                    context.error(request, PacketError.Condition.internal_server_error);
                    return;
                }
                context.result(request);
                log.info("account {} removed by its owner", user.toBareJID());
                server.sessions().endAll(user.toBareJID(), StreamErrorCondition.NOT_AUTHORIZED, "Account removed");
            });
            return;
        }
        String username = query.elementText("username");
        String password = query.elementText("password");
        if (username == null || password == null || password.isEmpty() || password.length() > MAX_PASSWORD) {
            context.error(request, PacketError.Condition.bad_request);
            return;
        }
        if (!username.trim().equalsIgnoreCase(user.getNode())) {
            context.error(request, PacketError.Condition.not_allowed);
            return;
        }
        server.keyDerivation().supply(() -> ScramCredentials.deriveAll(password))
                .thenCompose(creds -> server.storage().accounts().updateCredentials(user.getDomain(), user.getNode(), creds))
                .whenComplete((updated, err) -> {
                    if (busy(err)) context.error(request, PacketError.Condition.resource_constraint);
                    else if (err != null || !updated) context.error(request, PacketError.Condition.internal_server_error);
                    else context.result(request);
                });
    }
}
