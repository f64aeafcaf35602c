package org.parley.bench.servers;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The one self-signed certificate every server under test presents: ECDSA P-256 (what certbot issues by
 * default), for {@code localhost}, {@code anon.localhost} and {@code conference.localhost}, made with the
 * {@code openssl} command. PEM files readable by the servers' own users.
 */
public record TestCertificate(Path certificate, Path key) {
    public static final List<String> NAMES = List.of("localhost", "anon.localhost", "conference.localhost");

    public static TestCertificate create(Path dir) throws IOException, InterruptedException {
        Files.createDirectories(dir);
        Path cert = dir.resolve("cert.pem");
        Path key = dir.resolve("key.pem");
        String san = "subjectAltName=" + String.join(",", NAMES.stream().map(n -> "DNS:" + n).toList());
        Process p = new ProcessBuilder("openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
                "-nodes", "-days", "30", "-subj", "/CN=localhost", "-addext", san, "-keyout", key.toString(), "-out", cert.toString())
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) throw new IOException("openssl req failed: " + out);
        ChildDaemon.readableByAll(cert);
        ChildDaemon.readableByAll(key);
        return new TestCertificate(cert, key);
    }
}
