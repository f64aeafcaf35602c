package org.parley.xmpp.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.handler.ssl.SslContext;
import io.netty.util.ReferenceCountUtil;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TlsProviderTest {
    @TempDir Path dir;

    @Test
    void parsesTheThreeNamesInAnyCaseAndRefusesOthers() {
        assertThat(TlsProvider.parse("auto")).isEqualTo(TlsProvider.AUTO);
        assertThat(TlsProvider.parse(" OpenSSL ")).isEqualTo(TlsProvider.OPENSSL);
        assertThat(TlsProvider.parse("jdk")).isEqualTo(TlsProvider.JDK);
        assertThatThrownBy(() -> TlsProvider.parse("boringssl")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("auto, openssl or jdk");
        assertThatThrownBy(() -> TlsProvider.parse(null)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void autoIsBoringSslWhereItLoadsAndJdkIsBouncyCastle() throws Exception {
        TlsMaterial m = CertificateStore.selfSigned(dir, "example.org");
        SslContext auto = ServerTlsContexts.forServer(m, TlsProvider.AUTO);
        SslContext jdk = ServerTlsContexts.forServer(m, TlsProvider.JDK);
        try {
            assertThat(TlsProvider.AUTO.resolve()).isEqualTo(TlsProvider.OPENSSL);
            assertThat(ServerTlsContexts.isOpenSsl(auto)).isTrue();
            assertThat(ServerTlsContexts.isOpenSsl(jdk)).isFalse();
        } finally {
            ReferenceCountUtil.release(auto);
        }
    }
}
