package org.parley.it;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.jivesoftware.smack.ConnectionConfiguration.SecurityMode;
import org.jivesoftware.smack.SASLAuthentication;
import org.jivesoftware.smack.tcp.XMPPTCPConnection;
import org.jivesoftware.smack.tcp.XMPPTCPConnectionConfiguration;
import org.jivesoftware.smackx.iqregister.AccountManager;
import org.jxmpp.jid.parts.Localpart;

/** Smack connections to the shared test server; every connection made is closed by {@link #close()}. */
public final class Clients implements AutoCloseable {
    static {
        SASLAuthentication.registerSASLMechanism(new ScramSha256Mechanism());
    }

    public static final String PASSWORD = "correct horse battery staple";
    private final List<XMPPTCPConnection> open = new java.util.concurrent.CopyOnWriteArrayList<>();
    private final java.util.function.IntSupplier port;
    private final javax.net.ssl.X509TrustManager trust;
    private final String domain;

    /** Connections to the shared {@link ParleyServer}. */
    public Clients() {
        this(null, null);
    }

    /** Connections to another server on this machine (a child process): its c2s port and its certificate's trust. */
    public Clients(java.util.function.IntSupplier port, javax.net.ssl.X509TrustManager trust) {
        this(port, trust, "localhost");
    }

    /** Connections to {@code domain}, one of the virtual hosts of another server on this machine. */
    public Clients(java.util.function.IntSupplier port, javax.net.ssl.X509TrustManager trust, String domain) {
        this.port = port;
        this.trust = trust;
        this.domain = domain;
    }

    /** The virtual host these clients log in to. */
    public String domain() { return domain; }

    /** A fresh username, so tests sharing the server never meet. */
    public static String newUser(String prefix) {
        return prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
    }

    /** Logs in with SCRAM-SHA-256 only, so a silent fallback to a weaker mechanism fails the test. */
    public XMPPTCPConnectionConfiguration.Builder config() {
        return base().addEnabledSaslMechanism(ScramSha256Mechanism.NAME);
    }

    /** As jitsi-videobridge's Smack logs in: SCRAM-SHA-1, the only SCRAM Prosody's stored keys serve. */
    public XMPPTCPConnectionConfiguration.Builder scramSha1Config() {
        return base().addEnabledSaslMechanism("SCRAM-SHA-1");
    }

    /** SASL PLAIN, as a Jitsi client logs in with its token as the password. */
    public XMPPTCPConnectionConfiguration.Builder plainConfig() {
        return base().addEnabledSaslMechanism("PLAIN");
    }

    public XMPPTCPConnectionConfiguration.Builder anonymousConfig() {
        return base().performSaslAnonymousAuthentication();
    }

    private XMPPTCPConnectionConfiguration.Builder base() {
        try {
            return XMPPTCPConnectionConfiguration.builder()
                    .setXmppDomain(domain)
                    .setHostAddress(InetAddress.getLoopbackAddress())
                    .setPort(port != null ? port.getAsInt() : ParleyServer.get().startTlsPort())
                    .setSecurityMode(SecurityMode.required)
                    .setCustomX509TrustManager(trust != null ? trust : ParleyServer.get().trustManager())
                    .setSendPresence(true)
                    .setConnectTimeout(10_000);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** Closes {@code c} with the others at the end of the test. */
    public void track(XMPPTCPConnection c) {
        open.add(c);
    }

    public XMPPTCPConnection connect(XMPPTCPConnectionConfiguration config) throws Exception {
        XMPPTCPConnection c = new XMPPTCPConnection(config);
        c.setReplyTimeout(10_000);
        open.add(c);
        c.connect();
        return c;
    }

    /** Registers {@code user} in band (XEP-0077) on a connection that is then closed. */
    public void register(String user) throws Exception {
        XMPPTCPConnection c = connect(config().build());
        AccountManager accounts = AccountManager.getInstance(c);
        accounts.createAccount(Localpart.from(user), PASSWORD);
        c.disconnect();
    }

    /** Registers a new user and logs in as {@code resource}. */
    public XMPPTCPConnection newUser(String prefix, String resource) throws Exception {
        String user = newUser(prefix);
        register(user);
        return login(user, resource);
    }

    public XMPPTCPConnection login(String user, String resource) throws Exception {
        XMPPTCPConnection c = connect(config().setUsernameAndPassword(user, PASSWORD).setResource(resource).build());
        c.login();
        return c;
    }

    @Override
    public void close() {
        for (XMPPTCPConnection c : open) if (c.isConnected()) c.disconnect();
    }
}
