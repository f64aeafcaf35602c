package org.parley.xmpp.im;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import org.dom4j.Element;
import org.parley.xmpp.router.KeyedSequencer;
import org.parley.xmpp.router.Stanzas;
import org.parley.xmpp.server.ServerContext;
import org.parley.xmpp.session.ClientSession;
import org.parley.xmpp.xml.StoredXml;
import org.parley.xmpp.xml.XmlWriter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.xmpp.packet.JID;
import org.xmpp.packet.Message;
import org.xmpp.packet.PacketError;

/**
 * Messages for users who are offline (RFC 6121 8.5.2.2.1, XEP-0160): stored with a XEP-0203 delay stamp,
 * delivered when the user next sends available presence with a non-negative priority.
 */
public final class OfflineStore {
    private static final Logger log = LoggerFactory.getLogger(OfflineStore.class);
    private static final String DELAY_NS = "urn:xmpp:delay";
    private final ServerContext server;
    /** Stores and drains for one user run in order, so messages come back in the order they were sent. */
    private final KeyedSequencer sequencer = new KeyedSequencer();

    public OfflineStore(ServerContext server) {
        this.server = server;
    }

    /** Keeps a chat or normal message for an offline local user, or bounces it when the user cannot take it. */
    public void storeOrBounce(Message m, JID bare) {
        if (m.getBody() == null && m.getSubject() == null) return; // chat states and receipts are not worth keeping
        UserRoster online = server.roster().cached(bare.toBareJID());
        if (online != null && !online.persistent()) {
            server.router().bounce(m, PacketError.Condition.service_unavailable);
            return;
        }
        Message stored = m.createCopy();
        if (stored.getElement().element(org.dom4j.QName.get("delay", DELAY_NS)) == null) {
            stored.getElement().addElement("delay", DELAY_NS)
                    .addAttribute("from", bare.getDomain())
                    .addAttribute("stamp", Instant.now().truncatedTo(ChronoUnit.MILLIS).toString());
        }
        // Stored with its namespace declared, so it parses back on its own.
        String xml = XmlWriter.toXml(stored.getElement(), "");
        int max = server.config().limits().maxOfflineMessagesPerUser();
        sequencer.run(bare.toBareJID(), () -> server.storage().accounts().exists(bare.getDomain(), bare.getNode())
                .thenCompose(exists -> exists
                        ? server.storage().offline().store(bare.getDomain(), bare.getNode(), xml, max)
                        : java.util.concurrent.CompletableFuture.completedFuture(false)))
                .whenComplete((stored1, error) -> {
                    if (error != null) log.warn("could not store offline message for {}", bare, error);
                    if (error != null || !stored1) {
                        server.router().bounce(m, PacketError.Condition.service_unavailable);
                    } else {
                        // The user may have come online while we were writing; hand the message over now.
                        for (ClientSession s : server.router().available(bare)) {
                            if (s.priority() >= 0) { drainTo(s); break; }
                        }
                    }
                });
    }

    /** Delivers and deletes everything stored for the session's user. */
    public void drainTo(ClientSession s) {
        JID jid = s.jid();
        sequencer.run(jid.toBareJID(), () -> server.storage().offline().drain(jid.getDomain(), jid.getNode())).whenComplete((messages, error) -> {
            if (error != null) {
                log.warn("could not read offline messages for {}", jid.toBareJID(), error);
                return;
            }
            for (String xml : messages) deliverSerialized(s, xml);
        });
    }

    /** Parses a stanza this server stored earlier and sends it to the session. */
    public void deliverSerialized(ClientSession s, String xml) {
        Element parsed;
        try {
            parsed = StoredXml.parse(xml);
        } catch (IllegalArgumentException e) {
            log.warn("dropping an unreadable stored stanza for {}: {}", s.jid(), e.getMessage());
            return;
        }
        s.deliverElement(parsed);
    }
}
