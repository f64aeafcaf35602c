package org.parley.xmpp.tls;

import io.netty.handler.ssl.OpenSsl;
import java.util.Locale;

/**
 * Which TLS implementation serves client connections ({@code parley.tls.provider}). BoringSSL does a handshake in
 * a fraction of the CPU of BouncyCastle's pure-Java one and keeps less per connection; BouncyCastle JSSE runs
 * wherever Java does.
 */
public enum TlsProvider {
    /** BoringSSL when netty-tcnative loads on this platform, else BouncyCastle JSSE. */
    AUTO,
    /** BoringSSL through netty-tcnative (statically linked, bundled for Linux x86_64/aarch64, macOS, Windows). */
    OPENSSL,
    /** BouncyCastle JSSE. */
    JDK;

    /** @throws IllegalArgumentException for anything but auto, openssl or jdk */
    public static TlsProvider parse(String value) {
        try {
            return valueOf(value.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException | NullPointerException e) {
            throw new IllegalArgumentException("must be auto, openssl or jdk, not " + value);
        }
    }

    /**
     * The implementation to use: AUTO decided for this platform.
     *
     * @throws IllegalStateException when OPENSSL is asked for and cannot load
     */
    public TlsProvider resolve() {
        return switch (this) {
            case AUTO -> OpenSsl.isAvailable() ? OPENSSL : JDK;
            case OPENSSL -> {
                if (!OpenSsl.isAvailable()) {
                    throw new IllegalStateException("BoringSSL (netty-tcnative) cannot load here: " + OpenSsl.unavailabilityCause());
                }
                yield OPENSSL;
            }
            case JDK -> JDK;
        };
    }
}
