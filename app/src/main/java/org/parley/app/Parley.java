package org.parley.app;

import java.util.List;
import org.parley.focus.FocusConfig;
import org.parley.focus.FocusService;
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
 * One running Parley node: storage, certificates, the XMPP server and its services (MUC, then the focus), started in
 * that order and stopped in the reverse. The launcher and the black-box tests start the server through this same class.
 */
public final class Parley implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Parley.class);
    private final Storage storage;
    private final XmppServer xmpp;
    private final MucService muc;
    private final FocusService focus;

    private Parley(Storage storage, XmppServer xmpp, MucService muc, FocusService focus) {
        this.storage = storage;
        this.xmpp = xmpp;
        this.muc = muc;
        this.focus = focus;
    }

    public static Parley start(ServerConfig config) throws ConfigException, InterruptedException {
        HostCertificates certs = HostCertificates.load(config);
        if (!certs.problems().isEmpty()) throw new ConfigException(certs.problems());
        var tls = certs.sniMapping();
        JdbcStorage storage = JdbcStorage.open(config.storage());
        log.info("storage: {}", storage.dataSourceDescription());
        XmppServer xmpp = null;
        MucService muc = null;
        try {
            xmpp = XmppServer.start(config, storage, tls);
            muc = MucService.start(xmpp.context());
            return new Parley(storage, xmpp, muc, FocusService.start(xmpp.context()));
        } catch (ConfigException | InterruptedException | RuntimeException e) {
            if (muc != null) muc.close();
            if (xmpp != null) xmpp.close();
            storage.close();
            throw e;
        }
    }

    public XmppServer xmpp() { return xmpp; }

    public Storage storage() { return storage; }

    /** The MUC services; {@link MucService#roomInfo} answers the HTTP room-size queries. */
    public MucService muc() { return muc; }

    /** The conference focus (its {@link FocusService#focus()} is null when disabled). */
    public FocusService focus() { return focus; }

    public int startTlsPort() { return xmpp.startTlsPort(); }

    public int directTlsPort() { return xmpp.directTlsPort(); }

    /**
     * The focus goes first (it expires its conferences on the bridges and leaves the rooms), then the MUC, so occupants
     * hear it stop (status 332) before their streams close.
     */
    @Override
    public void close() {
        try {
            focus.close();
        } finally {
            try {
                muc.close();
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
        problems.addAll(MucConfig.check(config.source(), config.hosts().stream().map(h -> h.domain()).toList()));
        problems.addAll(FocusConfig.check(config.source(), config.hosts()));
        return problems;
    }
}
