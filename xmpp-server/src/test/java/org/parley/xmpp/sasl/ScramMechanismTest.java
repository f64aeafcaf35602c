package org.parley.xmpp.sasl;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.parley.xmpp.sasl.SaslStep.Challenge;
import org.parley.xmpp.sasl.SaslStep.Failure;
import org.parley.xmpp.sasl.SaslStep.Success;

class ScramMechanismTest {
    private static final String DOMAIN = "example.org";
    private static final List<String> ALL = List.of("SCRAM-SHA-256-PLUS", "SCRAM-SHA-1-PLUS", "SCRAM-SHA-256", "SCRAM-SHA-1", "PLAIN");
    private static final byte[] EXPORTER = new byte[32];
    static {
        for (int i = 0; i < 32; i++) EXPORTER[i] = (byte) (i * 7 + 1);
    }

    static SaslStep eval(SaslNegotiation n, byte[] response) throws Exception {
        return n.evaluate(response).get(10, TimeUnit.SECONDS);
    }

    static SaslStep eval(SaslNegotiation n, String response) throws Exception {
        return eval(n, response.getBytes(StandardCharsets.UTF_8));
    }

    static String text(SaslStep step) {
        assertThat(step).isInstanceOf(Challenge.class);
        return new String(((Challenge) step).data(), StandardCharsets.UTF_8);
    }

    private static SaslNegotiation start(String mech, CredentialSource source, byte[] exporter, String nonce) {
        return startBound(mech, source, ChannelBindings.of(exporter, null), nonce);
    }

    private static SaslNegotiation startBound(String mech, CredentialSource source, ChannelBindings bindings, String nonce) {
        SaslContext ctx = new SaslContext(DOMAIN, source, true, bindings, TestAccounts.KDF);
        List<String> offered = SaslMechanisms.offered(ALL, true, !bindings.isEmpty(), false);
        Optional<SaslNegotiation> n = SaslMechanisms.start(mech, offered, ctx, nonce == null ? null : () -> nonce);
        assertThat(n).as("mechanism %s offered", mech).isPresent();
        return n.get();
    }

    private static void assertFailure(SaslStep step, SaslCondition condition) {
        assertThat(step).isInstanceOf(Failure.class);
        assertThat(((Failure) step).condition()).isEqualTo(condition);
    }

    @Test
    void rfc5802Sha1Vector() throws Exception {
        TestAccounts accounts = new TestAccounts().put("user",
                ScramCredentials.derive("SCRAM-SHA-1", "pencil", Base64.getDecoder().decode("QSXCR+Q6sek8bf92"), 4096));
        SaslNegotiation n = start("SCRAM-SHA-1", accounts, null, "3rfcNHYJY1ZVvWVs7j");

        String serverFirst = text(eval(n, "n,,n=user,r=fyko+d2lbbFgONRv9qkxdawL"));
        assertThat(serverFirst).isEqualTo("r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,s=QSXCR+Q6sek8bf92,i=4096");

        SaslStep last = eval(n, "c=biws,r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,p=v0X8v3Bz2T0CJGbJQyF0X+HI4Ts=");
        assertThat(last).isInstanceOf(Success.class);
        Success s = (Success) last;
        assertThat(s.username()).isEqualTo("user");
        assertThat(s.anonymous()).isFalse();
        assertThat(new String(s.additionalData(), StandardCharsets.US_ASCII)).isEqualTo("v=rmF9pqV8S7suAoZWja4dJRkFsKQ=");
        assertThat(accounts.lookups).containsExactly("user/SCRAM-SHA-1");

        assertFailure(eval(n, "again"), SaslCondition.MALFORMED_REQUEST);
    }

    @Test
    void rfc7677Sha256Vector() throws Exception {
        TestAccounts accounts = new TestAccounts().put("user", ScramCredentials.derive("SCRAM-SHA-256", "pencil",
                Base64.getDecoder().decode("W22ZaJ0SNY7soEsUEjb6gQ=="), 4096));
        SaslNegotiation n = start("SCRAM-SHA-256", accounts, null, "%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0");

        String serverFirst = text(eval(n, "n,,n=user,r=rOprNGfwEbeRWgbNEkqO"));
        assertThat(serverFirst).isEqualTo(
                "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096");

        SaslStep last = eval(n, "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,"
                + "p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=");
        assertThat(last).isInstanceOf(Success.class);
        assertThat(new String(((Success) last).additionalData(), StandardCharsets.US_ASCII))
                .isEqualTo("v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=");
    }

    @Test
    void rfc5802VectorWithWrongProofFails() throws Exception {
        TestAccounts accounts = new TestAccounts().put("user",
                ScramCredentials.derive("SCRAM-SHA-1", "pencil", Base64.getDecoder().decode("QSXCR+Q6sek8bf92"), 4096));
        SaslNegotiation n = start("SCRAM-SHA-1", accounts, null, "3rfcNHYJY1ZVvWVs7j");
        eval(n, "n,,n=user,r=fyko+d2lbbFgONRv9qkxdawL");
        assertFailure(eval(n, "c=biws,r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,p=v0X8v3Bz2T0CJGbJQyF0X+HI4Ta="),
                SaslCondition.NOT_AUTHORIZED);
    }

    @Test
    void storedIterationCountIsAdvertised() throws Exception {
        TestAccounts accounts = new TestAccounts().put("user",
                ScramCredentials.derive("SCRAM-SHA-256", "pencil", ScramCredentials.newSalt(), 5000));
        SaslNegotiation n = start("SCRAM-SHA-256", accounts, null, null);
        ScramTestClient client = new ScramTestClient("SCRAM-SHA-256", "n,,", "user", "abcdefghijkl", null);
        SaslStep first = eval(n, client.clientFirst());
        assertThat(text(first)).endsWith(",i=5000");
        assertSuccess(eval(n, client.clientFinal(((Challenge) first).data(), "pencil")), client, "user");
    }

    private static void assertSuccess(SaslStep step, ScramTestClient client, String user) throws Exception {
        assertThat(step).isInstanceOf(Success.class);
        Success s = (Success) step;
        assertThat(s.username()).isEqualTo(user);
        assertThat(new String(s.additionalData(), StandardCharsets.US_ASCII)).isEqualTo(client.expectedServerFinal());
    }

    private static SaslStep run(String mech, CredentialSource src, byte[] exporter, ScramTestClient client, String password)
            throws Exception {
        return runBound(mech, src, ChannelBindings.of(exporter, null), client, password);
    }

    private static SaslStep runBound(String mech, CredentialSource src, ChannelBindings bindings, ScramTestClient client,
                                     String password) throws Exception {
        SaslNegotiation n = startBound(mech, src, bindings, null);
        SaslStep first = eval(n, client.clientFirst());
        if (!(first instanceof Challenge c)) return first;
        assertThat(text(first)).startsWith("r=" + client.clientNonce).doesNotContain("r=" + client.clientNonce + ",");
        return eval(n, client.clientFinal(c.data(), password));
    }

    @Test
    void plusWithCorrectChannelBindingSucceeds() throws Exception {
        TestAccounts accounts = new TestAccounts().add("juliet", "r0m30");
        ScramTestClient client = new ScramTestClient("SCRAM-SHA-256-PLUS", "p=tls-exporter,,", "juliet", "nonce1234567", EXPORTER);
        assertSuccess(run("SCRAM-SHA-256-PLUS", accounts, EXPORTER, client, "r0m30"), client, "juliet");
    }

    @Test
    void sha1PlusWithCorrectChannelBindingSucceeds() throws Exception {
        TestAccounts accounts = new TestAccounts().add("juliet", "r0m30");
        ScramTestClient client = new ScramTestClient("SCRAM-SHA-1-PLUS", "p=tls-exporter,,", "juliet", "nonce1234567", EXPORTER);
        assertSuccess(run("SCRAM-SHA-1-PLUS", accounts, EXPORTER, client, "r0m30"), client, "juliet");
    }

    @Test
    void plusWithWrongChannelBindingFails() throws Exception {
        TestAccounts accounts = new TestAccounts().add("juliet", "r0m30");
        byte[] other = EXPORTER.clone();
        other[5] ^= 1; // what a MITM terminating TLS would see: a different exporter value
        ScramTestClient client = new ScramTestClient("SCRAM-SHA-256-PLUS", "p=tls-exporter,,", "juliet", "nonce1234567", other);
        assertFailure(run("SCRAM-SHA-256-PLUS", accounts, EXPORTER, client, "r0m30"), SaslCondition.NOT_AUTHORIZED);
    }

    @Test
    void plusWithMissingChannelBindingDataFails() throws Exception {
        TestAccounts accounts = new TestAccounts().add("juliet", "r0m30");
        ScramTestClient client = new ScramTestClient("SCRAM-SHA-256-PLUS", "p=tls-exporter,,", "juliet", "nonce1234567", null);
        assertFailure(run("SCRAM-SHA-256-PLUS", accounts, EXPORTER, client, "r0m30"), SaslCondition.NOT_AUTHORIZED);
    }

    @Test
    void plusRejectsOtherBindingTypesAndNoBinding() throws Exception {
        TestAccounts accounts = new TestAccounts().add("juliet", "r0m30");
        for (String type : List.of("tls-unique", "tls-server-end-point", "x-unknown")) {
            ScramTestClient other = new ScramTestClient("SCRAM-SHA-256-PLUS", "p=" + type + ",,", "juliet", "nonce1234567", EXPORTER);
            SaslStep refused = run("SCRAM-SHA-256-PLUS", accounts, EXPORTER, other, "r0m30");
            assertFailure(refused, SaslCondition.MALFORMED_REQUEST);
            assertThat(((Failure) refused).passwordAttempt()).as(type).isFalse();
            assertThat(((Failure) refused).text()).contains("supports tls-exporter").doesNotContain(type);
        }
        assertThat(accounts.lookups).as("refused before any account lookup").isEmpty();
        ScramTestClient none = new ScramTestClient("SCRAM-SHA-256-PLUS", "n,,", "juliet", "nonce1234567", null);
        assertFailure(run("SCRAM-SHA-256-PLUS", accounts, EXPORTER, none, "r0m30"), SaslCondition.MALFORMED_REQUEST);
        for (String bad : List.of("p=,,n=juliet,r=abc", "p=tls unique,,n=juliet,r=abc", "p=tls_unique,,n=juliet,r=abc")) {
            assertFailure(eval(start("SCRAM-SHA-256-PLUS", accounts, EXPORTER, null), bad), SaslCondition.MALFORMED_REQUEST);
        }
    }

    @Test
    void serverEndPointBindingSucceedsAndIsCheckedAgainstItsOwnData() throws Exception {
        TestAccounts accounts = new TestAccounts().add("juliet", "r0m30");
        byte[] certHash = new byte[48];
        for (int i = 0; i < certHash.length; i++) certHash[i] = (byte) (200 - i);
        ChannelBindings both = ChannelBindings.of(EXPORTER, certHash);
        ChannelBindings endPointOnly = ChannelBindings.of(null, certHash); // TLS 1.2

        for (ChannelBindings bindings : List.of(both, endPointOnly)) {
            ScramTestClient ok = new ScramTestClient("SCRAM-SHA-256-PLUS", "p=tls-server-end-point,,", "juliet", "nonce1234567", certHash);
            assertSuccess(runBound("SCRAM-SHA-256-PLUS", accounts, bindings, ok, "r0m30"), ok, "juliet");
        }
        // The exporter value under the end-point name: a binding to something else.
        ScramTestClient swapped = new ScramTestClient("SCRAM-SHA-256-PLUS", "p=tls-server-end-point,,", "juliet", "nonce1234567", EXPORTER);
        assertFailure(runBound("SCRAM-SHA-256-PLUS", accounts, both, swapped, "r0m30"), SaslCondition.NOT_AUTHORIZED);
        // TLS 1.2 has no exporter here: that type is refused up front, not failed as a bad proof.
        ScramTestClient exporter = new ScramTestClient("SCRAM-SHA-256-PLUS", "p=tls-exporter,,", "juliet", "nonce1234567", EXPORTER);
        SaslStep refused = runBound("SCRAM-SHA-256-PLUS", accounts, endPointOnly, exporter, "r0m30");
        assertFailure(refused, SaslCondition.MALFORMED_REQUEST);
        assertThat(((Failure) refused).passwordAttempt()).isFalse();
        assertThat(((Failure) refused).text()).endsWith("supports tls-server-end-point");
    }

    @Test
    void plusIsNotStartedWithoutChannelBinding() {
        SaslContext ctx = new SaslContext(DOMAIN, new TestAccounts(), true, null, TestAccounts.KDF);
        assertThat(SaslMechanisms.start("SCRAM-SHA-256-PLUS", ALL, ctx)).isEmpty();
        assertThat(SaslMechanisms.start("SCRAM-SHA-256-PLUS", ALL, new SaslContext(DOMAIN, new TestAccounts(), true,
                ChannelBindings.NONE, TestAccounts.KDF))).isEmpty();
    }

    @Test
    void nonPlusRejectsChannelBindingRequest() throws Exception {
        TestAccounts accounts = new TestAccounts().add("juliet", "r0m30");
        ScramTestClient client = new ScramTestClient("SCRAM-SHA-256", "p=tls-exporter,,", "juliet", "nonce1234567", EXPORTER);
        assertFailure(run("SCRAM-SHA-256", accounts, EXPORTER, client, "r0m30"), SaslCondition.MALFORMED_REQUEST);
    }

    @Test
    void yFlagIsDowngradeWhenServerOffersPlus() throws Exception {
        TestAccounts accounts = new TestAccounts().add("juliet", "r0m30");
        ScramTestClient client = new ScramTestClient("SCRAM-SHA-256", "y,,", "juliet", "nonce1234567", null);
        SaslStep refused = run("SCRAM-SHA-256", accounts, EXPORTER, client, "r0m30");
        assertFailure(refused, SaslCondition.NOT_AUTHORIZED);
        assertThat(((Failure) refused).passwordAttempt()).as("no password was tried").isFalse();
        // With only tls-server-end-point (TLS 1.2) -PLUS is still offered, so "y" is still a downgrade.
        assertFailure(runBound("SCRAM-SHA-256", accounts, ChannelBindings.of(null, EXPORTER), client, "r0m30"),
                SaslCondition.NOT_AUTHORIZED);
        assertThat(accounts.lookups).isEmpty();
    }

    @Test
    void yFlagIsFineWithoutChannelBindingAndHeaderIsBound() throws Exception {
        TestAccounts accounts = new TestAccounts().add("juliet", "r0m30");
        ScramTestClient client = new ScramTestClient("SCRAM-SHA-256", "y,,", "juliet", "nonce1234567", null);
        assertSuccess(run("SCRAM-SHA-256", accounts, null, client, "r0m30"), client, "juliet");

        // c= must repeat the GS2 header actually sent: "y,," announced, "n,," echoed is a tampered header.
        SaslNegotiation n = start("SCRAM-SHA-256", accounts, null, null);
        SaslStep first = eval(n, client.clientFirst());
        ScramTestClient liar = new ScramTestClient("SCRAM-SHA-256", "n,,", "juliet", "nonce1234567", null);
        assertFailure(eval(n, liar.clientFinal(((Challenge) first).data(), "r0m30")), SaslCondition.NOT_AUTHORIZED);
    }

    @Test
    void wrongPasswordFails() throws Exception {
        TestAccounts accounts = new TestAccounts().add("juliet", "r0m30");
        ScramTestClient client = new ScramTestClient("SCRAM-SHA-1", "n,,", "juliet", "nonce1234567", null);
        assertFailure(run("SCRAM-SHA-1", accounts, null, client, "romeo"), SaslCondition.NOT_AUTHORIZED);
    }

    @Test
    void unknownUserLooksRealUntilTheProof() throws Exception {
        TestAccounts accounts = new TestAccounts().add("juliet", "r0m30");
        ScramTestClient client = new ScramTestClient("SCRAM-SHA-256", "n,,", "mallory", "nonce1234567", null);
        SaslNegotiation n = start("SCRAM-SHA-256", accounts, null, null);
        SaslStep first = eval(n, client.clientFirst());
        String serverFirst = text(first);
        assertThat(serverFirst).matches("r=nonce1234567[^,]+,s=[A-Za-z0-9+/=]{24},i=" + ScramCredentials.ITERATIONS);
        SaslStep wrong = eval(n, client.clientFinal(((Challenge) first).data(), "anything"));
        assertFailure(wrong, SaslCondition.NOT_AUTHORIZED);
        assertThat(((Failure) wrong).passwordAttempt()).isTrue();

        // Same salt the second time, otherwise a prober could tell decoys from real (stable) salts.
        SaslNegotiation again = start("SCRAM-SHA-256", accounts, null, null);
        String salt = serverFirst.split(",")[1];
        assertThat(text(eval(again, client.clientFirst())).split(",")[1]).isEqualTo(salt);
        SaslNegotiation other = start("SCRAM-SHA-256", accounts, null, null);
        ScramTestClient otherClient = new ScramTestClient("SCRAM-SHA-256", "n,,", "eve", "nonce1234567", null);
        assertThat(text(eval(other, otherClient.clientFirst())).split(",")[1]).isNotEqualTo(salt);
    }

    @Test
    void credentialOfWrongFamilyIsTreatedAsUnknown() throws Exception {
        TestAccounts accounts = new TestAccounts();
        accounts.byKey.put("juliet/SCRAM-SHA-1",
                ScramCredentials.derive("SCRAM-SHA-256", "r0m30", ScramCredentials.newSalt(), 4096));
        ScramTestClient client = new ScramTestClient("SCRAM-SHA-1", "n,,", "juliet", "nonce1234567", null);
        assertFailure(run("SCRAM-SHA-1", accounts, null, client, "r0m30"), SaslCondition.NOT_AUTHORIZED);
    }

    @Test
    void usernameIsNormalizedAndUnescaped() throws Exception {
        TestAccounts accounts = new TestAccounts().add("o=ne,two", "pw").add("juliet", "r0m30");
        ScramTestClient escaped = new ScramTestClient("SCRAM-SHA-256", "n,,", "O=ne,Two", "nonce1234567", null);
        assertThat(new String(escaped.clientFirst(), StandardCharsets.UTF_8)).contains("n=O=3Dne=2CTwo,");
        assertSuccess(run("SCRAM-SHA-256", accounts, null, escaped, "pw"), escaped, "o=ne,two");

        ScramTestClient upper = new ScramTestClient("SCRAM-SHA-256", "n,,", "JULIET", "nonce1234567", null);
        assertSuccess(run("SCRAM-SHA-256", accounts, null, upper, "r0m30"), upper, "juliet");
    }

    @Test
    void illegalUsernamesAreRejected() throws Exception {
        TestAccounts accounts = new TestAccounts();
        for (String user : List.of("a@b", "a b", "x/y", "a:b", "<a>", "q\"", "amp&", "it's")) {
            SaslNegotiation n = start("SCRAM-SHA-256", accounts, null, null);
            ScramTestClient client = new ScramTestClient("SCRAM-SHA-256", "n,,", user, "nonce1234567", null);
            assertFailure(eval(n, client.clientFirst()), SaslCondition.NOT_AUTHORIZED);
        }
        SaslNegotiation empty = start("SCRAM-SHA-256", accounts, null, null);
        assertFailure(eval(empty, "n,,n=,r=abc"), SaslCondition.NOT_AUTHORIZED);
        assertThat(accounts.lookups).isEmpty();
    }

    @Test
    void malformedMessages() throws Exception {
        TestAccounts accounts = new TestAccounts().add("juliet", "r0m30");
        for (String bad : List.of("", "garbage", "n,,", "n,,r=abc,n=juliet", "n,,n=juliet", "n,,n=ju=2Xliet,r=abc",
                "x,,n=juliet,r=abc", "n,b=x,n=juliet,r=abc", "n,,m=ext,n=juliet,r=abc", "n,,n=juliet,r=",
                "n,,n=juliet,r=a b", "n,,n=juliet,r=abc,1=x")) {
            SaslNegotiation n = start("SCRAM-SHA-256", accounts, null, null);
            assertFailure(eval(n, bad), SaslCondition.MALFORMED_REQUEST);
        }
        SaslNegotiation n = start("SCRAM-SHA-256", accounts, null, null);
        assertFailure(eval(n, new byte[] {'n', ',', ',', 'n', '=', (byte) 0xC3, ',', 'r', '=', 'a'}), SaslCondition.MALFORMED_REQUEST);
    }

    @Test
    void malformedClientFinal() throws Exception {
        TestAccounts accounts = new TestAccounts().add("juliet", "r0m30");
        for (String bad : List.of("c=biws", "c=biws,r=x", "p=abc", "c=biws,r=x,p=!!!", "r=x,c=biws,p=AAAA")) {
            SaslNegotiation n = start("SCRAM-SHA-256", accounts, null, null);
            eval(n, "n,,n=juliet,r=abc");
            assertFailure(eval(n, bad), SaslCondition.MALFORMED_REQUEST);
        }
    }

    @Test
    void nonceMismatchFails() throws Exception {
        TestAccounts accounts = new TestAccounts().add("juliet", "r0m30");
        ScramTestClient client = new ScramTestClient("SCRAM-SHA-256", "n,,", "juliet", "nonce1234567", null);
        SaslNegotiation n = start("SCRAM-SHA-256", accounts, null, null);
        byte[] serverFirst = ((Challenge) eval(n, client.clientFirst())).data();
        String forged = new String(serverFirst, StandardCharsets.UTF_8).replaceFirst("^r=([^,]*)", "r=$1X");
        assertFailure(eval(n, client.clientFinal(forged.getBytes(StandardCharsets.UTF_8), "r0m30")), SaslCondition.NOT_AUTHORIZED);
    }

    @Test
    void noInitialResponseGetsEmptyChallenge() throws Exception {
        TestAccounts accounts = new TestAccounts().add("juliet", "r0m30");
        ScramTestClient client = new ScramTestClient("SCRAM-SHA-256", "n,,", "juliet", "nonce1234567", null);
        SaslNegotiation n = start("SCRAM-SHA-256", accounts, null, null);
        assertThat(((Challenge) eval(n, (byte[]) null)).data()).isEmpty();
        SaslStep first = eval(n, client.clientFirst());
        assertSuccess(eval(n, client.clientFinal(((Challenge) first).data(), "r0m30")), client, "juliet");
    }

    @Test
    void authzid() throws Exception {
        TestAccounts accounts = new TestAccounts().add("juliet", "r0m30");
        ScramTestClient self = new ScramTestClient("SCRAM-SHA-256", "n,a=Juliet@Example.org,", "juliet", "nonce1234567", null);
        assertSuccess(run("SCRAM-SHA-256", accounts, null, self, "r0m30"), self, "juliet");
        ScramTestClient other = new ScramTestClient("SCRAM-SHA-256", "n,a=romeo@example.org,", "juliet", "nonce1234567", null);
        assertFailure(run("SCRAM-SHA-256", accounts, null, other, "r0m30"), SaslCondition.INVALID_AUTHZID);
        ScramTestClient otherDomain = new ScramTestClient("SCRAM-SHA-256", "n,a=juliet@example.com,", "juliet", "nonce1234567", null);
        assertFailure(run("SCRAM-SHA-256", accounts, null, otherDomain, "r0m30"), SaslCondition.INVALID_AUTHZID);
    }

    @Test
    void lookupErrorsAreTemporaryFailures() throws Exception {
        CredentialSource broken = (u, f) -> CompletableFuture.failedFuture(new IllegalStateException("db down"));
        SaslNegotiation n = start("SCRAM-SHA-256", broken, null, null);
        assertFailure(eval(n, "n,,n=juliet,r=abc"), SaslCondition.TEMPORARY_AUTH_FAILURE);
        CredentialSource throwing = (u, f) -> { throw new IllegalStateException("db down"); };
        SaslNegotiation m = start("SCRAM-SHA-256", throwing, null, null);
        assertFailure(eval(m, "n,,n=juliet,r=abc"), SaslCondition.TEMPORARY_AUTH_FAILURE);
    }

    @Test
    void asynchronousLookupCompletesLater() throws Exception {
        TestAccounts accounts = new TestAccounts().add("juliet", "r0m30");
        CompletableFuture<Void> gate = new CompletableFuture<>();
        CredentialSource slow = (u, f) -> gate.thenComposeAsync(v -> accounts.credential(u, f));
        ScramTestClient client = new ScramTestClient("SCRAM-SHA-256", "n,,", "juliet", "nonce1234567", null);
        SaslNegotiation n = start("SCRAM-SHA-256", slow, null, null);
        CompletableFuture<SaslStep> pending = n.evaluate(client.clientFirst());
        assertThat(pending).isNotDone();
        gate.complete(null);
        SaslStep first = pending.get(10, TimeUnit.SECONDS);
        assertSuccess(eval(n, client.clientFinal(((Challenge) first).data(), "r0m30")), client, "juliet");
    }

    @Test
    void responseDuringLookupEndsTheExchange() throws Exception {
        TestAccounts accounts = new TestAccounts().add("juliet", "r0m30");
        CompletableFuture<Void> gate = new CompletableFuture<>();
        CredentialSource slow = (u, f) -> gate.thenComposeAsync(v -> accounts.credential(u, f));
        ScramTestClient client = new ScramTestClient("SCRAM-SHA-256", "n,,", "juliet", "nonce1234567", null);
        SaslNegotiation n = start("SCRAM-SHA-256", slow, null, null);
        CompletableFuture<SaslStep> pending = n.evaluate(client.clientFirst());
        assertFailure(eval(n, "c=biws,r=x,p=AAAA"), SaslCondition.MALFORMED_REQUEST);
        gate.complete(null);
        assertFailure(pending.get(10, TimeUnit.SECONDS), SaslCondition.MALFORMED_REQUEST);
        assertFailure(eval(n, "anything"), SaslCondition.MALFORMED_REQUEST);
    }
}
