package org.parley.xmpp.tls;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.reflect.Field;
import java.security.SecureRandom;
import javax.crypto.Cipher;
import org.bouncycastle.jce.provider.BouncyCastleProvider;
import org.bouncycastle.tls.crypto.impl.TlsAEADCipherImpl;
import org.junit.jupiter.api.Test;

class LeanTlsCryptoTest {
    private static Cipher cipherOf(TlsAEADCipherImpl impl) throws Exception {
        Field f = impl.getClass().getDeclaredField("cipher");
        f.setAccessible(true);
        return (Cipher) f.get(impl);
    }

    @Test
    void aesGcmRecordsUseTheJdkCipher() throws Exception {
        assertThat(LeanTlsCrypto.jdkAesGcm()).isTrue();
        LeanTlsCrypto crypto = (LeanTlsCrypto) LeanTlsCrypto.provider(new BouncyCastleProvider()).create(new SecureRandom());
        for (boolean encrypt : new boolean[] {true, false}) {
            TlsAEADCipherImpl impl = crypto.createAEADCipher(LeanTlsCrypto.AES_GCM, "AES", 16, encrypt);
            assertThat(cipherOf(impl).getProvider().getName()).isEqualTo("SunJCE");
        }
    }

    @Test
    void oneNonceGeneratorPerConnectionEndGivesDistinctNonces() throws Exception {
        LeanTlsCrypto crypto = (LeanTlsCrypto) LeanTlsCrypto.provider(new BouncyCastleProvider()).create(new SecureRandom());
        var server1 = crypto.createNonceGenerator(new byte[] {(byte) 0x80, 1});
        var server2 = crypto.createNonceGenerator(new byte[] {(byte) 0x81, 2});
        var client = crypto.createNonceGenerator(new byte[] {0x01, 3});
        assertThat(server2).isSameAs(server1);
        assertThat(client).isNotSameAs(server1).isSameAs(crypto.createNonceGenerator(new byte[] {0x02, 4}));
        java.util.Set<String> seen = new java.util.HashSet<>();
        for (int i = 0; i < 1000; i++) {
            assertThat(seen.add(java.util.HexFormat.of().formatHex(server1.generateNonce(32)))).isTrue();
            assertThat(seen.add(java.util.HexFormat.of().formatHex(client.generateNonce(32)))).isTrue();
        }
    }

    @Test
    void aesGcmRoundTripsThroughBouncyCastlesRecordApi() throws Exception {
        LeanTlsCrypto crypto = (LeanTlsCrypto) LeanTlsCrypto.provider(new BouncyCastleProvider()).create(new SecureRandom());
        TlsAEADCipherImpl enc = crypto.createAEADCipher(LeanTlsCrypto.AES_GCM, "AES", 32, true);
        TlsAEADCipherImpl dec = crypto.createAEADCipher(LeanTlsCrypto.AES_GCM, "AES", 32, false);
        byte[] key = new byte[32];
        new SecureRandom().nextBytes(key);
        enc.setKey(key, 0, 32);
        dec.setKey(key, 0, 32);
        byte[] plain = "<presence/>".getBytes(java.nio.charset.StandardCharsets.UTF_8);
        for (int record = 0; record < 3; record++) {
            byte[] nonce = new byte[12];
            nonce[11] = (byte) record;
            byte[] aad = {23, 3, 3, 0, (byte) (plain.length + 16)};
            enc.init(nonce, 16);
            byte[] sealed = new byte[enc.getOutputSize(plain.length)];
            int n = enc.doFinal(aad, plain, 0, plain.length, sealed, 0);
            assertThat(n).isEqualTo(plain.length + 16);
            // In place, as BC's record layer decrypts.
            dec.init(nonce, 16);
            int m = dec.doFinal(aad, sealed, 0, n, sealed, 0);
            assertThat(java.util.Arrays.copyOf(sealed, m)).isEqualTo(plain);
        }
    }
}
