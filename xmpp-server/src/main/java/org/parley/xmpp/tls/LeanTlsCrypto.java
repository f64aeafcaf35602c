package org.parley.xmpp.tls;

import java.security.GeneralSecurityException;
import java.security.Provider;
import java.security.SecureRandom;
import java.security.Security;
import javax.crypto.Cipher;
import org.bouncycastle.jcajce.util.JcaJceHelper;
import org.bouncycastle.jcajce.util.ProviderJcaJceHelper;
import org.bouncycastle.tls.crypto.TlsNonceGenerator;
import org.bouncycastle.tls.crypto.impl.TlsAEADCipherImpl;
import org.bouncycastle.tls.crypto.impl.jcajce.JcaTlsCrypto;
import org.bouncycastle.tls.crypto.impl.jcajce.JcaTlsCryptoProvider;
import org.bouncycastle.tls.crypto.impl.jcajce.JceAEADCipherImpl;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * BouncyCastle JSSE's crypto with the record layer's AES-GCM taken from the JDK (SunJCE) and everything else
 * (signatures including RSA-PSS, key exchange, HKDF, DRBG, ChaCha20-Poly1305) from the BouncyCastle JCA provider.
 *
 * <p>Why: BC's own GCM keeps a 4 KiB multiplication table per cipher ({@code Tables4kGCMMultiplier}, about 8.5 KiB
 * of heap with its array headers) and there are two ciphers per connection, which made it the biggest item of an idle
 * session's heap. SunJCE's GCM keeps a few hundred bytes and uses the AES-NI and CLMUL intrinsics. Where SunJCE is
 * missing or refuses, BC's cipher is used as before.
 *
 * <p>Also, the nonce generator (hello randoms, session ids) is one SP 800-90A hash DRBG per crypto instance and
 * connection end rather than a fresh one per connection, which BC would keep for the life of the connection (about
 * 1.2 KiB, a SHA-512 state among it) though it is done with it after the handshake. Nonces are public values; one
 * DRBG (thread-safe, reseeding itself) gives every connection unpredictable and distinct ones, as SunJSSE's single
 * SecureRandom per context does.
 */
final class LeanTlsCrypto extends JcaTlsCrypto {
    private static final Logger log = LoggerFactory.getLogger(LeanTlsCrypto.class);

    static final String AES_GCM = "AES/GCM/NoPadding";

    /** SunJCE, when it is installed and does AES-GCM; null otherwise. */
    private static final JcaJceHelper RECORD_HELPER = recordHelper();

    /** Per connection end (client, server), created on first use. */
    private final TlsNonceGenerator[] nonceGenerators = new TlsNonceGenerator[2];

    private LeanTlsCrypto(JcaJceHelper helper, SecureRandom entropy, SecureRandom nonceEntropy) {
        super(helper, entropy, nonceEntropy);
    }

    /**
     * BC passes a per-connection counter and time, with the connection end in the top bit of the first byte; the
     * seed material of the first connection of each end seeds the shared generator.
     */
    @Override
    public TlsNonceGenerator createNonceGenerator(byte[] additionalSeedMaterial) {
        int end = additionalSeedMaterial != null && additionalSeedMaterial.length > 0
                && (additionalSeedMaterial[0] & 0x80) != 0 ? 1 : 0;
        synchronized (nonceGenerators) {
            TlsNonceGenerator g = nonceGenerators[end];
            if (g == null) {
                g = nonceGenerators[end] = super.createNonceGenerator(additionalSeedMaterial);
            }
            return g;
        }
    }

    /** The crypto provider to give {@code BouncyCastleJsseProvider}, on top of {@code base} (the BC JCA provider). */
    static JcaTlsCryptoProvider provider(Provider base) {
        return new JcaTlsCryptoProvider() {
            @Override
            public JcaTlsCrypto create(SecureRandom entropy, SecureRandom nonceEntropy) {
                return new LeanTlsCrypto(getHelper(), entropy, nonceEntropy);
            }
        }.setProvider(base);
    }

    /** Whether AES-GCM records go through the JDK's cipher (false only where SunJCE is missing). */
    static boolean jdkAesGcm() {
        return RECORD_HELPER != null;
    }

    @Override
    protected TlsAEADCipherImpl createAEADCipher(String cipherName, String algorithm, int keySize, boolean isEncrypting)
            throws GeneralSecurityException {
        if (RECORD_HELPER != null && AES_GCM.equals(cipherName)) {
            try {
                return new JceAEADCipherImpl(this, RECORD_HELPER, cipherName, algorithm, keySize, isEncrypting);
            } catch (GeneralSecurityException | RuntimeException e) {
                log.debug("SunJCE AES-GCM unavailable, using BouncyCastle's", e);
            }
        }
        return super.createAEADCipher(cipherName, algorithm, keySize, isEncrypting);
    }

    private static JcaJceHelper recordHelper() {
        Provider sunJce = Security.getProvider("SunJCE");
        if (sunJce == null) {
            log.info("SunJCE not installed; TLS records use BouncyCastle's AES-GCM (about 17 KiB more heap per connection)");
            return null;
        }
        try {
            Cipher.getInstance(AES_GCM, sunJce);
            JcaJceHelper helper = new ProviderJcaJceHelper(sunJce);
            helper.createAlgorithmParameters("GCM");
            return helper;
        } catch (GeneralSecurityException | RuntimeException e) {
            log.info("SunJCE cannot do AES-GCM ({}); TLS records use BouncyCastle's", e.toString());
            return null;
        }
    }
}
