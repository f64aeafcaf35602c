package org.parley.app;

import java.io.PrintStream;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.parley.storage.Storage;
import org.parley.xmpp.config.ServerConfig;
import org.parley.xmpp.sasl.ScramCredentials;
import org.xmpp.packet.JID;

/**
 * {@code adduser}, {@code passwd} and {@code deluser}: account changes straight in the database, which a running server
 * reads at every login; {@code deluser} also asks the running server, through its admin API, to end the account's open
 * sessions.
 */
final class AccountAdmin {
    private final ServerConfig config;
    private final Storage storage;
    private final LocalAdminApi server;
    private final PrintStream out;

    AccountAdmin(ServerConfig config, Storage storage, LocalAdminApi server, PrintStream out) {
        this.config = config;
        this.storage = storage;
        this.server = server;
        this.out = out;
    }

    /** The account's bare JID, normalized; null (after saying why) when it is not a local account JID. */
    JID parse(String text) {
        JID jid;
        try {
            jid = new JID(text);
        } catch (IllegalArgumentException e) {
            out.println("not a valid JID: " + text + " (" + e.getMessage() + ")");
            return null;
        }
        if (jid.getNode() == null || jid.getResource() != null) {
            out.println("give an account as user@host, not " + text);
            return null;
        }
        if (config.host(jid.getDomain()).isEmpty()) {
            out.println("host " + jid.getDomain() + " is not configured (parley.hosts)");
            return null;
        }
        return jid;
    }

    boolean add(JID jid, String password) throws Exception {
        if (!acceptable(password)) return false;
        boolean created = await(storage.accounts().create(jid.getDomain(), jid.getNode(), ScramCredentials.deriveAll(password)));
        out.println(created ? "created " + jid.toBareJID() : jid.toBareJID() + " already exists");
        return created;
    }

    boolean passwd(JID jid, String password) throws Exception {
        if (!acceptable(password)) return false;
        boolean changed = await(storage.accounts().updateCredentials(jid.getDomain(), jid.getNode(),
                ScramCredentials.deriveAll(password)));
        out.println(changed ? "password of " + jid.toBareJID() + " changed" : "no such account: " + jid.toBareJID());
        return changed;
    }

    boolean delete(JID jid) throws Exception {
        boolean deleted = await(storage.accounts().delete(jid.getDomain(), jid.getNode()));
        out.println(deleted ? "deleted " + jid.toBareJID() : "no such account: " + jid.toBareJID());
        if (deleted) endSessions(jid);
        return deleted;
    }

    /** The account is gone either way; a session that cannot be ended is reported, not an error of the command. */
    private void endSessions(JID jid) throws InterruptedException {
        if (!server.available()) {
            out.println("sessions of " + jid.toBareJID() + " that are open stay until they disconnect"
                    + " (with parley.admin.token set, deluser ends them through the running server's admin API)");
            return;
        }
        try {
            int ended = server.disconnect(jid);
            if (ended > 0) out.println("ended " + ended + " open session(s) of " + jid.toBareJID());
        } catch (java.io.IOException e) {
            out.println("could not end the open sessions of " + jid.toBareJID() + ": " + e.getMessage());
        }
    }

    private boolean acceptable(String password) {
        if (password.isEmpty()) {
            out.println("the password must not be empty");
            return false;
        }
        return true;
    }

    private static <T> T await(java.util.concurrent.CompletableFuture<T> f)
            throws InterruptedException, ExecutionException, TimeoutException {
        return f.get(60, TimeUnit.SECONDS);
    }
}
