package org.parley.app;

import java.util.List;
import org.parley.http.HttpTransports;
import org.parley.muc.MucConfig;
import org.parley.muc.MucService;
import org.parley.storage.Storage;
import org.parley.storage.jdbc.JdbcStorage;
import org.parley.xmpp.config.ConfigException;
import org.parley.xmpp.config.ServerConfig;
import org.parley.xmpp.server.XmppServer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One running Parley node: storage, certificates, the XMPP server, its HTTP transports and its services (MUC),
 * started in that order and stopped in the reverse. The launcher and the black-box tests start the server through
 * this same class.
 */
public final class Parley implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Parley.class);
    private final Storage storage;
    private final XmppServer xmpp;
    private final HttpTransports http;
    private final MucService muc;

    private Parley(Storage storage, XmppServer xmpp, HttpTransports http, MucService muc) {
        this.storage = storage;
        this.xmpp = xmpp;
        this.http = http;
        this.muc = muc;
    }

    public static Parley start(ServerConfig config) throws ConfigException, InterruptedException {
        HostCertificates certs = HostCertificates.load(config);
        if (!certs.problems().isEmpty()) throw new ConfigException(certs.problems());
        var tls = certs.sniMapping();
        JdbcStorage storage = JdbcStorage.open(config.storage());
        log.info("storage: {}", storage.dataSourceDescription());
        XmppServer xmpp = null;
        HttpTransports http = null;
        try {
            xmpp = XmppServer.start(config, storage, tls, certs.materials());
            http = HttpTransports.start(xmpp, tls);
            return new Parley(storage, xmpp, http, MucService.start(xmpp.context()));
        } catch (ConfigException | InterruptedException | RuntimeException e) {
            if (http != null) http.close();
            if (xmpp != null) xmpp.close();
            storage.close();
            throw e;
        }
    }

    public XmppServer xmpp() { return xmpp; }

    public Storage storage() { return storage; }

    /** The MUC services; {@link MucService#roomInfo} answers the HTTP room-size queries. */
    public MucService muc() { return muc; }

    public int startTlsPort() { return xmpp.startTlsPort(); }

    public int directTlsPort() { return xmpp.directTlsPort(); }

    /** The server-to-server listener's port, or -1. */
    public int s2sPort() { return xmpp.s2sPort(); }

    /** The plain HTTP port (WebSocket and BOSH), or -1. */
    public int httpPort() { return http.plainPort(); }

    /** The HTTPS port (wss:// and BOSH over TLS), or -1. */
    public int httpsPort() { return http.tlsPort(); }

    public HttpTransports http() { return http; }

    /** The MUC goes first, so occupants hear it stop (status 332) before their streams close. */
    @Override
    public void close() {
        try {
            muc.close();
        } finally {
            try {
                http.close();
            } finally {
                try {
                    xmpp.close();
                } finally {
                    storage.close();
                }
            }
        }
    }

    /** Problems {@code parley check} reports beyond those of the file itself. */
    static List<org.parley.xmpp.config.ConfigProblem> check(ServerConfig config) {
        List<org.parley.xmpp.config.ConfigProblem> problems = new java.util.ArrayList<>(HostCertificates.load(config).problems());
        try {
            org.parley.http.HttpConfig.from(config);
        } catch (ConfigException e) {
            problems.addAll(e.problems());
        }
        problems.addAll(MucConfig.check(config.source(), config.hosts().stream().map(h -> h.domain()).toList()));
        return problems;
    }
}
