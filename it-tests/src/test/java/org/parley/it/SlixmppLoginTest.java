package org.parley.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.fail;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * slixmpp 1.8 (Debian's python3-slixmpp), an outside client, logs in with its default settings over STARTTLS and
 * direct TLS and pings the server ({@code python/slixmpp_login.py}).
 *
 * <p>slixmpp picks SCRAM-SHA-256-PLUS and sends {@code p=tls-unique}, which TLS 1.3 lacks; then, with the same
 * binding data in hand, SCRAM-SHA-256 and SCRAM-SHA-1 with the "y" flag, which RFC 5802 makes a downgrade signal
 * while -PLUS is offered; then PLAIN. All of that on one stream: the refusals must come at once and must not use up
 * the stream's password attempts or the address's failure budget.
 *
 * <p>Debian's /usr/bin/python3 is used explicitly (a python3 on PATH may be another one without slixmpp).
 * {@code .ci/run} installs the package; under CI=true or PARLEY_BROWSER_TESTS=required its absence fails the test.
 */
@ExtendWith(ParleyServer.class)
class SlixmppLoginTest {
    private static final Path PYTHON = Path.of(System.getenv().getOrDefault("PARLEY_SLIXMPP_PYTHON", "/usr/bin/python3"));
    private static final Path DIR = Path.of("python").toAbsolutePath();
    private static final long TIMEOUT_SECONDS = 40;
    private static String user;

    @BeforeAll
    static void needSlixmpp() throws Exception {
        String why = null;
        if (!Files.isExecutable(PYTHON)) {
            why = PYTHON + " is missing";
        } else {
            ChildScript probe = ChildScript.run("python3", DIR, 30, PYTHON.toString(), "-c", "import slixmpp; print('RESULT', slixmpp.__version__)");
            if (probe.exitCode() != 0) why = "slixmpp does not import in " + PYTHON + ":\n" + probe.output();
        }
        if (why != null) {
            why = "slixmpp test needs Debian's python3-slixmpp (apt-get install python3-slixmpp; .ci/run does): " + why;
            if ("true".equals(System.getenv("CI")) || "required".equals(System.getenv("PARLEY_BROWSER_TESTS"))) fail(why);
            System.err.println("SlixmppLoginTest skipped: " + why);
            Assumptions.abort(why);
        }
        user = Clients.newUser("slix");
        new Clients().register(user);
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"starttls", "direct"})
    void logsInWithDefaultSettingsAndPings(String mode) throws Exception {
        ParleyServer server = ParleyServer.get();
        int port = mode.equals("direct") ? server.directTlsPort() : server.startTlsPort();
        long start = System.nanoTime();
        ChildScript run = ChildScript.run("slixmpp " + mode, DIR, TIMEOUT_SECONDS, PYTHON.toString(), "-u", "slixmpp_login.py",
                "127.0.0.1", Integer.toString(port), mode, user + "@localhost", Clients.PASSWORD,
                server.certificate().toString());
        long millis = (System.nanoTime() - start) / 1_000_000;

        String result = run.result();
        assertThat(result).as("slixmpp over %s; output:%n%s", mode, run.output()).startsWith("ok ");
        assertThat(run.exitCode()).isZero();
        assertThat(result).contains("jid=" + user + "@localhost/").contains("tls=TLSv1.3");
        // The path this test is about: -PLUS first, refused, and a fallback on the same stream.
        assertThat(result).contains("failed=SCRAM-SHA-256-PLUS:");
        System.out.println("slixmpp over " + mode + " in " + millis + " ms: " + result);
    }
}
