package org.parley.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;
import javax.crypto.Mac;
import javax.crypto.SecretKeyFactory;
import javax.crypto.spec.PBEKeySpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * SCRAM-SHA-256 and SCRAM-SHA-256-PLUS by hand over a {@link TlsPump}, with any gs2 header and binding data: what a
 * client with its own idea of channel binding sends. Written from RFC 5802 / 7677 / 9266, apart from the server.
 */
final class RawScram {
    private RawScram() {}

    /** The whole exchange, the stream restart and a bind; returns the bound JID. The password is {@link Clients#PASSWORD}. */
    static String login(TlsPump c, String user, String mechanism, String gs2, byte[] binding) throws Exception {
        String nonce = newNonce();
        String first = "n=" + user + ",r=" + nonce;
        c.send(auth(mechanism, gs2 + first));
        String challenge = decode(text(c.await("</challenge>"), "</challenge>"));
        assertThat(challenge).startsWith("r=" + nonce);
        String[] fin = clientFinal(gs2, first, challenge, binding);
        c.send(response(fin[0]));
        String success = c.await("</success>");
        assertThat(decode(text(success, "</success>"))).isEqualTo("v=" + fin[1]);
        c.send(TlsPump.STREAM_OPEN);
        c.await("</stream:features>");
        c.send("<iq type='set' id='b1'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'/></iq>");
        return text(c.await("</iq>"), "</jid>");
    }

    static String newNonce() {
        return Base64.getEncoder().encodeToString(new SecureRandom().generateSeed(18));
    }

    static String auth(String mechanism, String message) {
        return "<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='" + mechanism + "'>"
                + Base64.getEncoder().encodeToString(message.getBytes(StandardCharsets.UTF_8)) + "</auth>";
    }

    static String response(String message) {
        return "<response xmlns='urn:ietf:params:xml:ns:xmpp-sasl'>"
                + Base64.getEncoder().encodeToString(message.getBytes(StandardCharsets.UTF_8)) + "</response>";
    }

    /**
     * RFC 5802 section 3 with SHA-256 and cbind-input = gs2 header + binding (none for "n" and "y"); returns the
     * client-final message and the server signature the server must answer with.
     */
    static String[] clientFinal(String gs2, String first, String challenge, byte[] binding) throws Exception {
        String serverNonce = null, salt = null;
        int iterations = 0;
        for (String part : challenge.split(",")) {
            if (part.startsWith("r=")) serverNonce = part.substring(2);
            else if (part.startsWith("s=")) salt = part.substring(2);
            else if (part.startsWith("i=")) iterations = Integer.parseInt(part.substring(2));
        }
        byte[] header = gs2.getBytes(StandardCharsets.UTF_8);
        byte[] data = binding == null ? new byte[0] : binding;
        byte[] cbind = new byte[header.length + data.length];
        System.arraycopy(header, 0, cbind, 0, header.length);
        System.arraycopy(data, 0, cbind, header.length, data.length);
        String withoutProof = "c=" + Base64.getEncoder().encodeToString(cbind) + ",r=" + serverNonce;
        String authMessage = first + "," + challenge + "," + withoutProof;
        byte[] salted = SecretKeyFactory.getInstance("PBKDF2WithHmacSHA256")
                .generateSecret(new PBEKeySpec(Clients.PASSWORD.toCharArray(), Base64.getDecoder().decode(salt), iterations, 256))
                .getEncoded();
        byte[] clientKey = hmac(salted, "Client Key");
        byte[] storedKey = MessageDigest.getInstance("SHA-256").digest(clientKey);
        byte[] signature = hmac(storedKey, authMessage);
        byte[] proof = new byte[clientKey.length];
        for (int i = 0; i < proof.length; i++) proof[i] = (byte) (clientKey[i] ^ signature[i]);
        byte[] serverSignature = hmac(hmac(salted, "Server Key"), authMessage);
        return new String[] {withoutProof + ",p=" + Base64.getEncoder().encodeToString(proof),
                Base64.getEncoder().encodeToString(serverSignature)};
    }

    private static byte[] hmac(byte[] key, String data) throws Exception {
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(key, "HmacSHA256"));
        return mac.doFinal(data.getBytes(StandardCharsets.UTF_8));
    }

    static String decode(String b64) {
        return new String(Base64.getDecoder().decode(b64.trim()), StandardCharsets.UTF_8);
    }

    /** The text of the element that {@code closeTag} ends. */
    static String text(String s, String closeTag) {
        int end = s.indexOf(closeTag);
        return s.substring(s.lastIndexOf('>', end - 1) + 1, end);
    }
}
