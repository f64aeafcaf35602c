package org.parley.xmpp.sasl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.parley.xmpp.sasl.ScramMechanismTest.eval;

import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.parley.storage.ScramCredential;
import org.parley.xmpp.sasl.SaslStep.Challenge;
import org.parley.xmpp.sasl.SaslStep.Failure;
import org.parley.xmpp.sasl.SaslStep.Success;

class PlainAndAnonymousTest {
    private static final List<String> OFFERED = List.of("SCRAM-SHA-256", "PLAIN", "ANONYMOUS");

    private static SaslNegotiation start(String mech, CredentialSource source) {
        return SaslMechanisms.start(mech, OFFERED, new SaslContext("example.org", source, true, null, TestAccounts.KDF)).orElseThrow();
    }

    private static byte[] plain(String authzid, String user, String password) {
        return (authzid + "\0" + user + "\0" + password).getBytes(StandardCharsets.UTF_8);
    }

    private static void assertFailure(SaslStep step, SaslCondition condition) {
        assertThat(step).isInstanceOf(Failure.class);
        assertThat(((Failure) step).condition()).isEqualTo(condition);
    }

    @Test
    void plainAcceptsTheRightPassword() throws Exception {
        TestAccounts accounts = new TestAccounts().add("juliet", "r0m30");
        SaslStep step = eval(start("PLAIN", accounts), plain("", "Juliet", "r0m30"));
        assertThat(step).isEqualTo(new Success("juliet", false, null));
        assertThat(accounts.lookups).containsExactly("juliet/SCRAM-SHA-256");
    }

    @Test
    void plainAnswersTemporaryFailureWhenKeyDerivationIsFull() throws Exception {
        TestAccounts accounts = new TestAccounts().add("juliet", "r0m30");
        java.util.concurrent.CountDownLatch hold = new java.util.concurrent.CountDownLatch(1);
        try (KeyDerivation full = new KeyDerivation(1, 1)) {
            full.execute(() -> {
                try {
                    hold.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
            full.execute(() -> { }); // the one queue slot
            SaslNegotiation n = SaslMechanisms.start("PLAIN", OFFERED,
                    new SaslContext("example.org", accounts, true, null, full)).orElseThrow();
            assertFailure(eval(n, plain("", "juliet", "r0m30")), SaslCondition.TEMPORARY_AUTH_FAILURE);
            assertThat(full.supply(() -> 1)).isCompletedExceptionally();
        } finally {
            hold.countDown();
        }
    }

    @Test
    void plainRejectsWrongPasswordAndUnknownUser() throws Exception {
        TestAccounts accounts = new TestAccounts().add("juliet", "r0m30");
        assertFailure(eval(start("PLAIN", accounts), plain("", "juliet", "r0m31")), SaslCondition.NOT_AUTHORIZED);
        assertFailure(eval(start("PLAIN", accounts), plain("", "juliet", "")), SaslCondition.NOT_AUTHORIZED);
        assertFailure(eval(start("PLAIN", accounts), plain("", "romeo", "r0m30")), SaslCondition.NOT_AUTHORIZED);
        assertFailure(eval(start("PLAIN", accounts), plain("", "a@b", "r0m30")), SaslCondition.NOT_AUTHORIZED);
    }

    @Test
    void plainFallsBackToSha1Credential() throws Exception {
        TestAccounts accounts = new TestAccounts().put("juliet",
                ScramCredentials.derive("SCRAM-SHA-1", "r0m30", ScramCredentials.newSalt(), 4096));
        assertThat(eval(start("PLAIN", accounts), plain("", "juliet", "r0m30"))).isInstanceOf(Success.class);
        assertThat(accounts.lookups).containsExactly("juliet/SCRAM-SHA-256", "juliet/SCRAM-SHA-1");
        assertFailure(eval(start("PLAIN", accounts), plain("", "juliet", "nope")), SaslCondition.NOT_AUTHORIZED);
    }

    @Test
    void plainUsesStoredIterationCount() throws Exception {
        ScramCredential c = ScramCredentials.derive("SCRAM-SHA-256", "r0m30", ScramCredentials.newSalt(), 1234);
        TestAccounts accounts = new TestAccounts().put("juliet", c);
        assertThat(eval(start("PLAIN", accounts), plain("", "juliet", "r0m30"))).isInstanceOf(Success.class);
    }

    @Test
    void plainNormalizesNonAsciiPasswords() throws Exception {
        // Registered with the precomposed form, entered as base letter + combining mark: NFKC makes them equal.
        TestAccounts accounts = new TestAccounts().add("juliet", "p\u00e4ss\u00a0w\u00f6rd");
        assertThat(eval(start("PLAIN", accounts), plain("", "juliet", "pa\u0308ss w\u00f6rd"))).isInstanceOf(Success.class);
        assertFailure(eval(start("PLAIN", accounts), plain("", "juliet", "pass w\u00f6rd")), SaslCondition.NOT_AUTHORIZED);
    }

    @Test
    void plainAuthzid() throws Exception {
        TestAccounts accounts = new TestAccounts().add("juliet", "r0m30");
        assertThat(eval(start("PLAIN", accounts), plain("juliet@example.org", "juliet", "r0m30"))).isInstanceOf(Success.class);
        assertThat(eval(start("PLAIN", accounts), plain("JULIET@EXAMPLE.ORG.", "juliet", "r0m30"))).isInstanceOf(Success.class);
        assertFailure(eval(start("PLAIN", accounts), plain("romeo@example.org", "juliet", "r0m30")), SaslCondition.INVALID_AUTHZID);
        assertFailure(eval(start("PLAIN", accounts), plain("juliet@example.org/res", "juliet", "r0m30")), SaslCondition.INVALID_AUTHZID);
        assertFailure(eval(start("PLAIN", accounts), plain("juliet", "juliet", "r0m30")), SaslCondition.INVALID_AUTHZID);
    }

    @Test
    void plainMalformed() throws Exception {
        TestAccounts accounts = new TestAccounts().add("juliet", "r0m30");
        assertFailure(eval(start("PLAIN", accounts), "juliet r0m30".getBytes(StandardCharsets.UTF_8)), SaslCondition.MALFORMED_REQUEST);
        assertFailure(eval(start("PLAIN", accounts), plain("", "juliet", "r0\0m30")), SaslCondition.MALFORMED_REQUEST);
        assertFailure(eval(start("PLAIN", accounts), new byte[] {0, 'a', 0, (byte) 0xFF}), SaslCondition.MALFORMED_REQUEST);
        assertFailure(eval(start("PLAIN", accounts), new byte[0]), SaslCondition.MALFORMED_REQUEST);
    }

    @Test
    void plainWithoutInitialResponseChallengesFirst() throws Exception {
        TestAccounts accounts = new TestAccounts().add("juliet", "r0m30");
        SaslNegotiation n = start("PLAIN", accounts);
        assertThat(eval(n, (byte[]) null)).isInstanceOf(Challenge.class);
        assertThat(eval(n, plain("", "juliet", "r0m30"))).isInstanceOf(Success.class);
        assertFailure(eval(n, plain("", "juliet", "r0m30")), SaslCondition.MALFORMED_REQUEST);
    }

    @Test
    void anonymousGivesFreshLocalparts() throws Exception {
        SaslStep a = eval(start("ANONYMOUS", new TestAccounts()), "trace".getBytes(StandardCharsets.UTF_8));
        SaslStep b = eval(start("ANONYMOUS", new TestAccounts()), new byte[0]);
        assertThat(a).isInstanceOf(Success.class);
        assertThat(b).isInstanceOf(Success.class);
        Success sa = (Success) a;
        Success sb = (Success) b;
        assertThat(sa.anonymous()).isTrue();
        assertThat(sa.additionalData()).isNull();
        assertThat(sa.username()).isNotEqualTo(sb.username()).hasSizeGreaterThanOrEqualTo(16);
        assertThat(Saslprep.username(sa.username())).isEqualTo(sa.username());

        // strophe.js (lib-jitsi-meet) sends <auth mechanism='ANONYMOUS'/> and cannot answer a challenge.
        SaslNegotiation n = start("ANONYMOUS", new TestAccounts());
        assertThat(eval(n, (byte[]) null)).isInstanceOf(Success.class);
        assertThat(eval(n, new byte[0])).isInstanceOf(Failure.class);
    }
}
