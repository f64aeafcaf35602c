package org.parley.xmpp.handler;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Predicate;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.dom4j.Element;
import org.xmpp.packet.IQ;
import org.xmpp.packet.JID;
import org.xmpp.packet.PacketError;

/**
 * XEP-0215 external service discovery ({@code urn:xmpp:extdisco:2}): the STUN and TURN servers of
 * {@code parley.turn}, for local users. Restricted services carry credentials in coturn's shared-secret scheme
 * (the TURN REST API): {@code username = "<expiry unix time>:<bare JID>"},
 * {@code password = base64(HMAC-SHA1(secret, username))}, valid until {@code expires}. The TURN entries come in a
 * new random order on every request, so clients, which mostly take the first, spread over the servers.
 */
public final class ExternalServicesHandler implements IqHandler {
    public static final String NS = "urn:xmpp:extdisco:2";
    private final ExternalServicesConfig config;
    private final Predicate<String> localDomain;
    private final Clock clock;

    public ExternalServicesHandler(ExternalServicesConfig config, Predicate<String> localDomain, Clock clock) {
        this.config = config;
        this.localDomain = localDomain;
        this.clock = clock;
    }

    @Override public String namespace() { return NS; }

    @Override
    public void handle(IQ request, IqRequest context) {
        JID from = request.getFrom();
        if (from == null || !localDomain.test(from.getDomain())) {
            context.error(request, PacketError.Condition.forbidden);
            return;
        }
        if (request.getType() != IQ.Type.get) {
            context.error(request, PacketError.Condition.bad_request);
            return;
        }
        Element q = request.getChildElement();
        switch (q.getName()) {
            case "services" -> services(request, q, context);
            case "credentials" -> credentials(request, q, context);
            default -> context.error(request, PacketError.Condition.bad_request);
        }
    }

    private void services(IQ request, Element q, IqRequest context) {
        String type = q.attributeValue("type");
        List<ExternalServicesConfig.Service> chosen = new ArrayList<>();
        for (ExternalServicesConfig.Service s : config.services()) {
            if (type == null || type.equals(s.type())) chosen.add(s);
        }
        shuffleTurn(chosen);
        IQ result = IQ.createResultIQ(request);
        Element out = result.setChildElement("services", NS);
        if (type != null) out.addAttribute("type", type);
        // No restricted service, no credentials: without TURN there may be no secret to sign them with.
        Credentials creds = chosen.stream().anyMatch(ExternalServicesConfig.Service::restricted)
                ? credentialsFor(request.getFrom()) : null;
        for (ExternalServicesConfig.Service s : chosen) write(out, s, creds);
        context.reply(result);
    }

    /** XEP-0215 section 3.3: fresh credentials for one service named by host (and type, port when given). */
    private void credentials(IQ request, Element q, IqRequest context) {
        Element want = q.element("service");
        String host = want == null ? null : want.attributeValue("host");
        if (host == null) {
            context.error(request, PacketError.Condition.bad_request);
            return;
        }
        String type = want.attributeValue("type");
        String port = want.attributeValue("port");
        IQ result = IQ.createResultIQ(request);
        Element out = result.setChildElement("credentials", NS);
        Credentials creds = credentialsFor(request.getFrom());
        boolean found = false;
        for (ExternalServicesConfig.Service s : config.services()) {
            if (!s.host().equalsIgnoreCase(host) || (type != null && !type.equals(s.type()))
                    || (port != null && !port.equals(Integer.toString(s.port()))) || !s.restricted()) {
                continue;
            }
            write(out, s, creds);
            found = true;
        }
        if (!found) context.error(request, PacketError.Condition.item_not_found);
        else context.reply(result);
    }

    /** Shuffles the TURN entries among the positions TURN entries hold; the others keep theirs. */
    static void shuffleTurn(List<ExternalServicesConfig.Service> list) {
        List<Integer> at = new ArrayList<>();
        List<ExternalServicesConfig.Service> turn = new ArrayList<>();
        for (int i = 0; i < list.size(); i++) {
            if (list.get(i).turn()) {
                at.add(i);
                turn.add(list.get(i));
            }
        }
        Collections.shuffle(turn, ThreadLocalRandom.current());
        for (int i = 0; i < at.size(); i++) list.set(at.get(i), turn.get(i));
    }

    private static void write(Element parent, ExternalServicesConfig.Service s, Credentials creds) {
        Element e = parent.addElement("service");
        e.addAttribute("type", s.type());
        e.addAttribute("host", s.host());
        e.addAttribute("port", Integer.toString(s.port()));
        e.addAttribute("transport", s.transport());
        if (s.name() != null) e.addAttribute("name", s.name());
        if (s.restricted()) {
            e.addAttribute("restricted", "1");
            e.addAttribute("username", creds.username());
            e.addAttribute("password", creds.password());
            e.addAttribute("expires", creds.expires().toString());
        }
    }

    record Credentials(String username, String password, Instant expires) {}

    private Credentials credentialsFor(JID user) {
        Instant expires = clock.instant().plus(config.ttl()).truncatedTo(ChronoUnit.SECONDS);
        String username = expires.getEpochSecond() + ":" + user.toBareJID();
        return new Credentials(username, password(config.secret(), username), expires);
    }

    /** coturn's {@code use-auth-secret}: base64(HMAC-SHA1(secret, username)). */
    public static String password(String secret, String username) {
        try {
            Mac mac = Mac.getInstance("HmacSHA1");
            mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA1"));
            return Base64.getEncoder().encodeToString(mac.doFinal(username.getBytes(StandardCharsets.UTF_8)));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA1 unavailable", e);
        }
    }
}
