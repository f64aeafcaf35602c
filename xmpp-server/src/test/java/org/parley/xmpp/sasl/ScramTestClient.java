package org.parley.xmpp.sasl;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Base64;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/** Independent client-side SCRAM (uses the JDK directly, not the server's helpers) for driving the server. */
final class ScramTestClient {
    final String macName;
    final String digestName;
    final String gs2Header;
    final String clientFirstBare;
    final String clientNonce;
    private final byte[] cbindData;
    private byte[] saltedPassword;
    private String authMessage;

    ScramTestClient(String family, String gs2Header, String user, String clientNonce, byte[] cbindData) {
        this.macName = family.startsWith("SCRAM-SHA-256") ? "HmacSHA256" : "HmacSHA1";
        this.digestName = family.startsWith("SCRAM-SHA-256") ? "SHA-256" : "SHA-1";
        this.gs2Header = gs2Header;
        this.clientNonce = clientNonce;
        this.clientFirstBare = "n=" + user.replace("=", "=3D").replace(",", "=2C") + ",r=" + clientNonce;
        this.cbindData = cbindData;
    }

    byte[] clientFirst() {
        return (gs2Header + clientFirstBare).getBytes(StandardCharsets.UTF_8);
    }

    /** Builds client-final for {@code serverFirst} using {@code password}. */
    byte[] clientFinal(byte[] serverFirstBytes, String password) throws Exception {
        String serverFirst = new String(serverFirstBytes, StandardCharsets.UTF_8);
        String[] attrs = serverFirst.split(",");
        String nonce = attrs[0].substring(2);
        byte[] salt = Base64.getDecoder().decode(attrs[1].substring(2));
        int iterations = Integer.parseInt(attrs[2].substring(2));
        if (!nonce.startsWith(clientNonce)) throw new AssertionError("server nonce does not extend client nonce");

        javax.crypto.SecretKeyFactory f = javax.crypto.SecretKeyFactory.getInstance(
                macName.equals("HmacSHA256") ? "PBKDF2WithHmacSHA256" : "PBKDF2WithHmacSHA1");
        int bits = macName.equals("HmacSHA256") ? 256 : 160;
        saltedPassword = f.generateSecret(new javax.crypto.spec.PBEKeySpec(password.toCharArray(), salt, iterations, bits)).getEncoded();

        byte[] header = gs2Header.getBytes(StandardCharsets.UTF_8);
        byte[] cb = new byte[header.length + (cbindData == null ? 0 : cbindData.length)];
        System.arraycopy(header, 0, cb, 0, header.length);
        if (cbindData != null) System.arraycopy(cbindData, 0, cb, header.length, cbindData.length);
        String withoutProof = "c=" + Base64.getEncoder().encodeToString(cb) + ",r=" + nonce;
        authMessage = clientFirstBare + "," + serverFirst + "," + withoutProof;

        byte[] clientKey = hmac(saltedPassword, "Client Key");
        byte[] storedKey = MessageDigest.getInstance(digestName).digest(clientKey);
        byte[] signature = hmac(storedKey, authMessage);
        byte[] proof = new byte[clientKey.length];
        for (int i = 0; i < proof.length; i++) proof[i] = (byte) (clientKey[i] ^ signature[i]);
        return (withoutProof + ",p=" + Base64.getEncoder().encodeToString(proof)).getBytes(StandardCharsets.UTF_8);
    }

    /** The server-final the server must send for the last computed client-final. */
    String expectedServerFinal() throws Exception {
        byte[] serverKey = hmac(saltedPassword, "Server Key");
        return "v=" + Base64.getEncoder().encodeToString(hmac(serverKey, authMessage));
    }

    private byte[] hmac(byte[] key, String data) throws Exception {
        Mac mac = Mac.getInstance(macName);
        mac.init(new SecretKeySpec(key, macName));
        return mac.doFinal(data.getBytes(StandardCharsets.UTF_8));
    }
}
