package org.parley.it.sfu;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.dom4j.Element;
import org.jivesoftware.smack.iqrequest.AbstractIqRequestHandler;
import org.jivesoftware.smack.iqrequest.IQRequestHandler;
import org.jivesoftware.smack.packet.ErrorIQ;
import org.jivesoftware.smack.packet.IQ;
import org.jivesoftware.smack.packet.Presence;
import org.jivesoftware.smack.packet.StanzaError;
import org.jivesoftware.smack.tcp.XMPPTCPConnection;
import org.jxmpp.jid.impl.JidCreate;
import org.parley.it.Clients;
import org.parley.it.ParleyServer;
import org.parley.jingle.colibri2.ConferenceModify;

/**
 * A test SFU that behaves like jitsi-videobridge on the XMPP side: an XMPP client (Smack) that joins the focus's
 * brewery {@code jvbbrewery@internal.localhost}, publishes COLIBRI stats in its presence, answers COLIBRI2 through
 * {@link SfuLogic} and Jitsi health checks, and records what it was asked. It can be made to report stress, a region,
 * drain or graceful shutdown, to fail health checks, to hang (stop answering while staying connected), or be killed.
 */
public final class TestSfu implements AutoCloseable {
    public static final String BREWERY = "jvbbrewery@internal.localhost";
    private static final AtomicInteger count = new AtomicInteger();
    private static volatile boolean registered;

    public final String nick;
    /** The brewery room it joined. */
    public final String brewery;
    public final SfuLogic logic;
    private final XMPPTCPConnection connection;
    private volatile double stress;
    private volatile String region;
    private volatile boolean drain;
    public volatile boolean hung;
    public volatile boolean unhealthy;
    public final List<String> healthChecks = new CopyOnWriteArrayList<>();

    private TestSfu(String nick, String brewery, XMPPTCPConnection c) {
        this.nick = nick;
        this.brewery = brewery;
        this.logic = new SfuLogic(nick);
        this.connection = c;
    }

    /** Logs in, joins the brewery with these stats. */
    public static TestSfu start(Clients clients, String name, double stress, String region) throws Exception {
        RawIq.register();
        synchronized (TestSfu.class) {
            if (!registered) {
                try {
                    clients.register(ParleyServer.SFU_USER);
                } catch (Exception alreadyThere) {
                    // registered by an earlier test class
                }
                registered = true;
            }
        }
        String nick = name + "-" + count.incrementAndGet();
        return join(clients.login(ParleyServer.SFU_USER, nick), BREWERY, nick, stress, region);
    }

    /**
     * Joins {@code brewery} as {@code nick} on a connection already logged in, as jitsi-videobridge does with the
     * account and MUC_JIDS of its jvb.conf.
     */
    public static TestSfu join(XMPPTCPConnection c, String brewery, String nick, double stress, String region) throws Exception {
        RawIq.register();
        TestSfu sfu = new TestSfu(nick, brewery, c);
        sfu.stress = stress;
        sfu.region = region;
        c.registerIQRequestHandler(new AbstractIqRequestHandler("conference-modify", "jitsi:colibri2", IQ.Type.set,
                IQRequestHandler.Mode.sync) {
            @Override
            public IQ handleIQRequest(IQ request) {
                return sfu.colibri((RawIq) request);
            }
        });
        c.registerIQRequestHandler(new AbstractIqRequestHandler("healthcheck", "http://jitsi.org/protocol/healthcheck",
                IQ.Type.get, IQRequestHandler.Mode.sync) {
            @Override
            public IQ handleIQRequest(IQ request) {
                sfu.healthChecks.add(request.getStanzaId());
                if (sfu.hung) return null;
                if (sfu.unhealthy) return IQ.createErrorResponse(request, StanzaError.Condition.internal_server_error);
                return IQ.createResultIQ(request);
            }
        });
        sfu.sendPresence(true);
        return sfu;
    }

    private IQ colibri(RawIq request) {
        if (hung) return null;
        try {
            ConferenceModify cm = ConferenceModify.parse(request.child());
            RawIq result = new RawIq(logic.handle(cm).toElement());
            result.setType(IQ.Type.result);
            result.setStanzaId(request.getStanzaId());
            result.setTo(request.getFrom());
            return result;
        } catch (SfuLogic.SfuError e) {
            Element err = e.toStanzaError();
            StanzaError.Builder b = StanzaError.getBuilder(StanzaError.Condition.fromString(e.condition))
                    .setDescriptiveEnText(e.getMessage());
            List<org.jivesoftware.smack.packet.ExtensionElement> ext = new ArrayList<>();
            for (Element x : err.elements()) {
                if ("jitsi:colibri2".equals(x.getNamespaceURI())) ext.add(new XmlExtension(x.createCopy()));
            }
            b.setExtensions(ext);
            ErrorIQ error = IQ.createErrorResponse(request, b);
            return error;
        } catch (RuntimeException e) {
            return IQ.createErrorResponse(request, StanzaError.getBuilder(StanzaError.Condition.bad_request)
                    .setDescriptiveEnText(String.valueOf(e.getMessage())));
        }
    }

    private void sendPresence(boolean join) throws Exception {
        StringBuilder stats = new StringBuilder("<stats xmlns='http://jitsi.org/protocol/colibri'>");
        stat(stats, "stress_level", Double.toString(stress));
        if (region != null) stat(stats, "region", region);
        stat(stats, "relay_id", logic.relayId);
        stat(stats, "version", "2.3-test");
        stat(stats, "graceful_shutdown", Boolean.toString(logic.gracefulShutdown));
        stat(stats, "drain", Boolean.toString(drain));
        stat(stats, "healthy", "true");
        stats.append("</stats>");
        var b = connection.getStanzaFactory().buildPresenceStanza()
                .to(JidCreate.fullFrom(brewery + "/" + nick))
                .addExtension(XmlExtension.of(stats.toString()));
        if (join) b.addExtension(XmlExtension.of("<x xmlns='http://jabber.org/protocol/muc'/>"));
        Presence p = b.build();
        connection.sendStanza(p);
    }

    private static void stat(StringBuilder sb, String name, String value) {
        sb.append("<stat name='").append(name).append("' value='").append(value).append("'/>");
    }

    public TestSfu stress(double s) throws Exception {
        stress = s;
        sendPresence(false);
        return this;
    }

    public TestSfu drain(boolean d) throws Exception {
        drain = d;
        sendPresence(false);
        return this;
    }

    public TestSfu gracefulShutdown(boolean g) throws Exception {
        logic.gracefulShutdown = g;
        sendPresence(false);
        return this;
    }

    /** The occupant JID the focus knows this SFU by. */
    public String jid() {
        return brewery + "/" + nick;
    }

    /** Drops the connection without a goodbye, as a crashed process would. */
    public void kill() {
        connection.instantShutdown();
    }

    @Override
    public void close() {
        if (connection.isConnected()) connection.disconnect();
    }
}
