package org.parley.app;

import java.util.List;
import org.parley.storage.Storage;
import org.parley.storage.jdbc.JdbcStorage;
import org.parley.xmpp.config.ConfigException;
import org.parley.xmpp.config.ServerConfig;
import org.parley.xmpp.server.XmppServer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One running Parley node: storage, certificates and the XMPP server, started in that order and stopped in
 * the reverse. The launcher and the black-box tests start the server through this same class.
 */
public final class Parley implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Parley.class);
    private final Storage storage;
    private final XmppServer xmpp;

    private Parley(Storage storage, XmppServer xmpp) {
        this.storage = storage;
        this.xmpp = xmpp;
    }

    public static Parley start(ServerConfig config) throws ConfigException, InterruptedException {
        HostCertificates certs = HostCertificates.load(config);
        if (!certs.problems().isEmpty()) throw new ConfigException(certs.problems());
        var tls = certs.sniMapping();
        JdbcStorage storage = JdbcStorage.open(config.storage());
        log.info("storage: {}", storage.dataSourceDescription());
        try {
            return new Parley(storage, XmppServer.start(config, storage, tls, certs.materials()));
        } catch (InterruptedException | RuntimeException e) {
            storage.close();
            throw e;
        }
    }

    public XmppServer xmpp() { return xmpp; }

    public Storage storage() { return storage; }

    public int startTlsPort() { return xmpp.startTlsPort(); }

    public int directTlsPort() { return xmpp.directTlsPort(); }

    /** The server-to-server listener's port, or -1. */
    public int s2sPort() { return xmpp.s2sPort(); }

    @Override
    public void close() {
        try {
            xmpp.close();
        } finally {
            storage.close();
        }
    }

    /** Problems {@code parley check} reports beyond those of the file itself. */
    static List<org.parley.xmpp.config.ConfigProblem> check(ServerConfig config) {
        return HostCertificates.load(config).problems();
    }
}
