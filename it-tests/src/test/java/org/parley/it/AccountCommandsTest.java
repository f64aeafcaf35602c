package org.parley.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import org.jivesoftware.smack.sasl.SASLErrorException;
import org.jivesoftware.smack.tcp.XMPPTCPConnection;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@code parley adduser/passwd/deluser} while the server runs, run as {@code bin/parley} runs them (Main in a process
 * of its own beside a child server), on the embedded H2 database (which the running server holds open) and on
 * PostgreSQL: each change takes effect at the server's next login, without a restart, and {@code deluser} ends the
 * deleted account's open sessions through the server's admin API.
 */
@ExtendWith(ParleyServer.class)
class AccountCommandsTest {
    private static final String NEW_PASSWORD = "a different horse, battery";
    private final Closer closing = new Closer();

    @AfterEach
    void close() {
        closing.closeAll();
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"h2", "postgresql"})
    void accountChangesWhileTheServerRunsTakeEffectAtTheNextLogin(String store) throws Exception {
        ChildParley child = closing.add(ChildParley.create("accounts-" + store).withAdmin());
        if (store.equals("h2")) child.extraConfig("parley.storage.url = \"\"\n");
        child.start();
        assertThat(child.log()).anyMatch(l -> l.contains(store.equals("h2") ? "Storage open: H2 file" : "Storage open: jdbc:postgresql"));
        Clients clients = closing.add(child.clients());
        String user = Clients.newUser("cli");
        String jid = user + "@localhost";
        assertRefused(clients, user, Clients.PASSWORD);

        ChildParley.Command add = child.command(Clients.PASSWORD + "\n", "adduser", jid);
        assertThat(add.exit()).as(add.output()).isZero();
        assertThat(add.output()).contains("created " + jid);
        XMPPTCPConnection first = clients.login(user, "first");
        assertThat(first.isAuthenticated()).isTrue();

        ChildParley.Command passwd = child.command(NEW_PASSWORD + "\n", "passwd", jid);
        assertThat(passwd.exit()).as(passwd.output()).isZero();
        assertRefused(clients, user, Clients.PASSWORD);
        XMPPTCPConnection second = login(clients, user, NEW_PASSWORD);
        assertThat(second.isAuthenticated()).isTrue();
        XMPPTCPConnection bystander = clients.newUser("bystander", "r");

        ChildParley.Command del = child.command("", "deluser", jid);
        assertThat(del.exit()).as(del.output()).isZero();
        assertThat(del.output()).contains("deleted " + jid, "ended 2 open session(s) of " + jid);
        assertRefused(clients, user, NEW_PASSWORD);
        await().atMost(Duration.ofSeconds(10)).until(() -> !first.isConnected() && !second.isConnected());
        assertThat(bystander.isConnected()).isTrue();
        assertThat(child.alive()).as("the server still runs").isTrue();
    }

    private static XMPPTCPConnection login(Clients clients, String user, String password) throws Exception {
        XMPPTCPConnection c = clients.connect(clients.config().setUsernameAndPassword(user, password).setResource("r").build());
        c.login();
        return c;
    }

    private static void assertRefused(Clients clients, String user, String password) {
        assertThatThrownBy(() -> login(clients, user, password)).isInstanceOf(SASLErrorException.class);
    }
}
