package org.parley.it;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import javax.security.auth.callback.CallbackHandler;
import org.jivesoftware.smack.SmackException.SmackSaslException;
import org.jivesoftware.smack.sasl.SASLMechanism;

/**
 * A SCRAM-SHA-256 client (RFC 5802, RFC 7677) for Smack 4.4, whose own SCRAM code hard-wires SHA-1 for
 * StoredKey. Written from the RFC, apart from the server's code, so the two check each other; it verifies
 * the server signature, so a server that does not know the password cannot pass.
 */
public final class ScramSha256Mechanism extends SASLMechanism {
    public static final String NAME = "SCRAM-SHA-256";
    private static final String GS2 = "n,,";

    private String clientNonce;
    private String clientFirstBare;
    private byte[] expectedServerSignature;
    private boolean verified;

    @Override
    protected void authenticateInternal(CallbackHandler cbh) throws SmackSaslException {
        throw new UnsupportedOperationException("password authentication only");
    }

    @Override
    protected byte[] getAuthenticationText() {
        byte[] random = new byte[18];
        new SecureRandom().nextBytes(random);
        clientNonce = Base64.getEncoder().encodeToString(random);
        clientFirstBare = "n=" + authenticationId.replace("=", "=3D").replace(",", "=2C") + ",r=" + clientNonce;
        return (GS2 + clientFirstBare).getBytes(StandardCharsets.UTF_8);
    }

    @Override
    protected byte[] evaluateChallenge(byte[] challenge) throws SmackSaslException {
        String message = new String(challenge, StandardCharsets.UTF_8);
        if (message.startsWith("v=")) {
            byte[] signature = Base64.getDecoder().decode(message.substring(2));
            if (!MessageDigest.isEqual(signature, expectedServerSignature)) {
                throw new SmackSaslException("server signature does not match: the server does not know the password");
            }
            verified = true;
            return null;
        }
        String serverNonce = null;
        String salt = null;
        int iterations = 0;
        for (String part : message.split(",")) {
            if (part.startsWith("r=")) serverNonce = part.substring(2);
            else if (part.startsWith("s=")) salt = part.substring(2);
            else if (part.startsWith("i=")) iterations = Integer.parseInt(part.substring(2));
        }
        if (serverNonce == null || !serverNonce.startsWith(clientNonce) || salt == null || iterations < 1) {
            throw new SmackSaslException("bad server-first-message: " + message);
        }
        try {
            byte[] salted = hi(password.getBytes(StandardCharsets.UTF_8), Base64.getDecoder().decode(salt), iterations);
            byte[] clientKey = hmac(salted, "Client Key");
            byte[] storedKey = MessageDigest.getInstance("SHA-256").digest(clientKey);
            String withoutProof = "c=" + Base64.getEncoder().encodeToString(GS2.getBytes(StandardCharsets.UTF_8))
                    + ",r=" + serverNonce;
            String authMessage = clientFirstBare + "," + message + "," + withoutProof;
            byte[] clientSignature = hmac(storedKey, authMessage);
            byte[] proof = new byte[clientKey.length];
            for (int i = 0; i < proof.length; i++) proof[i] = (byte) (clientKey[i] ^ clientSignature[i]);
            expectedServerSignature = hmac(hmac(salted, "Server Key"), authMessage);
            return (withoutProof + ",p=" + Base64.getEncoder().encodeToString(proof)).getBytes(StandardCharsets.UTF_8);
        } catch (GeneralSecurityException e) {
            throw new SmackSaslException(e);
        }
    }

    private static byte[] hi(byte[] password, byte[] salt, int iterations) throws GeneralSecurityException {
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(password, "HmacSHA256"));
        mac.update(salt);
        byte[] u = mac.doFinal(new byte[] {0, 0, 0, 1});
        byte[] result = u.clone();
        for (int i = 1; i < iterations; i++) {
            u = mac.doFinal(u);
            for (int j = 0; j < result.length; j++) result[j] ^= u[j];
        }
        return result;
    }

    private static byte[] hmac(byte[] key, String data) throws GeneralSecurityException {
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(key, "HmacSHA256"));
        return mac.doFinal(data.getBytes(StandardCharsets.UTF_8));
    }

    @Override public String getName() { return NAME; }

    /** Ahead of SCRAM-SHA-1 (110) in Smack's order; lower is preferred. */
    @Override public int getPriority() { return 105; }

    @Override
    protected void checkIfSuccessfulOrThrow() throws SmackSaslException {
        if (!verified) throw new SmackSaslException("the server sent no verifiable signature");
    }

    @Override protected SASLMechanism newInstance() { return new ScramSha256Mechanism(); }
}
