package org.parley.xmpp.sasl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.security.MessageDigest;
import java.util.Base64;
import java.util.List;
import javax.crypto.Mac;
import javax.crypto.SecretKeyFactory;
import javax.crypto.spec.PBEKeySpec;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.Test;
import org.parley.storage.ScramCredential;

class ScramCredentialsTest {
    @Test
    void deriveAllGivesBothFamiliesWithFreshSalts() {
        List<ScramCredential> all = ScramCredentials.deriveAll("secret");
        assertThat(all).extracting(ScramCredential::mechanism).containsExactlyInAnyOrder("SCRAM-SHA-1", "SCRAM-SHA-256");
        assertThat(all).allSatisfy(c -> {
            assertThat(c.salt()).hasSize(16);
            assertThat(c.iterations()).isEqualTo(ScramCredentials.ITERATIONS).isGreaterThanOrEqualTo(4096);
        });
        assertThat(all.get(0).salt()).isNotEqualTo(all.get(1).salt());
        assertThat(ScramCredentials.deriveAll("secret").get(0).salt()).isNotEqualTo(all.get(0).salt());
        ScramCredential sha256 = all.stream().filter(c -> c.mechanism().equals("SCRAM-SHA-256")).findFirst().orElseThrow();
        assertThat(sha256.storedKey()).hasSize(32);
        assertThat(sha256.serverKey()).hasSize(32);
    }

    @Test
    void matchesJdkPbkdf2ForAsciiPasswords() throws Exception {
        byte[] salt = Base64.getDecoder().decode("W22ZaJ0SNY7soEsUEjb6gQ==");
        ScramCredential c = ScramCredentials.derive("SCRAM-SHA-256", "pencil", salt, 4096);
        byte[] salted = SecretKeyFactory.getInstance("PBKDF2WithHmacSHA256")
                .generateSecret(new PBEKeySpec("pencil".toCharArray(), salt, 4096, 256)).getEncoded();
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(salted, "HmacSHA256"));
        byte[] clientKey = mac.doFinal("Client Key".getBytes());
        assertThat(c.storedKey()).isEqualTo(MessageDigest.getInstance("SHA-256").digest(clientKey));
        assertThat(c.serverKey()).isEqualTo(mac.doFinal("Server Key".getBytes()));
    }

    @Test
    void derivationIsDeterministicInSaltAndIterations() {
        ScramCredential c = ScramCredentials.derive("SCRAM-SHA-1", "pencil", Base64.getDecoder().decode("QSXCR+Q6sek8bf92"), 4096);
        assertThat(c.mechanism()).isEqualTo("SCRAM-SHA-1");
        assertThat(c.storedKey()).hasSize(20);
        assertThat(ScramCredentials.derive("SCRAM-SHA-1", "pencil", Base64.getDecoder().decode("QSXCR+Q6sek8bf92"), 4096))
                .isEqualTo(c);
        assertThat(ScramCredentials.derive("SCRAM-SHA-1", "pencil", Base64.getDecoder().decode("QSXCR+Q6sek8bf92"), 4095))
                .isNotEqualTo(c);
    }

    @Test
    void rejectsUnknownFamiliesAndBadPasswords() {
        assertThatThrownBy(() -> ScramCredentials.derive("SCRAM-SHA-512", "x", new byte[16], 4096))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> ScramCredentials.derive("SCRAM-SHA-256-PLUS", "x", new byte[16], 4096))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> ScramCredentials.deriveAll("")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> ScramCredentials.deriveAll("a\u0007b")).isInstanceOf(IllegalArgumentException.class);
    }
}
