package org.parley.importer;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import javax.crypto.Mac;
import javax.crypto.SecretKeyFactory;
import javax.crypto.spec.PBEKeySpec;
import javax.crypto.spec.SecretKeySpec;

/** Writes accounts into a Prosody data directory in Prosody's own format (mod_auth_internal_hashed, SCRAM-SHA-1). */
public final class ProsodyData {
    private ProsodyData() {}

    /** {@code <data>/<host>/accounts/<user>.dat} with the keys Prosody derives for {@code password}. */
    public static void writeAccount(Path data, String host, String user, String password, String salt, int iterations)
            throws Exception {
        byte[] salted = SecretKeyFactory.getInstance("PBKDF2WithHmacSHA1")
                .generateSecret(new PBEKeySpec(password.toCharArray(), salt.getBytes(StandardCharsets.UTF_8), iterations, 160))
                .getEncoded();
        byte[] clientKey = hmac(salted, "Client Key");
        byte[] storedKey = MessageDigest.getInstance("SHA-1").digest(clientKey);
        byte[] serverKey = hmac(salted, "Server Key");
        HexFormat hex = HexFormat.of();
        Path dir = data.resolve(ProsodyAccounts.encode(host)).resolve("accounts");
        Files.createDirectories(dir);
        // util.serialization as Prosody 0.12 writes data files: sorted keys, ["key"] = value; one per line.
        Files.writeString(dir.resolve(ProsodyAccounts.encode(user) + ".dat"), "return {\n"
                + "\t[\"iteration_count\"] = " + iterations + ";\n"
                + "\t[\"salt\"] = \"" + salt + "\";\n"
                + "\t[\"server_key\"] = \"" + hex.formatHex(serverKey) + "\";\n"
                + "\t[\"stored_key\"] = \"" + hex.formatHex(storedKey) + "\";\n"
                + "};\n");
    }

    private static byte[] hmac(byte[] key, String text) throws Exception {
        Mac mac = Mac.getInstance("HmacSHA1");
        mac.init(new SecretKeySpec(key, "HmacSHA1"));
        return mac.doFinal(text.getBytes(StandardCharsets.UTF_8));
    }
}
