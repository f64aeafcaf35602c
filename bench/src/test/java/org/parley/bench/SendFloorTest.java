package org.parley.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.ByteBuffer;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class SendFloorTest {
    private static final int CONNECTIONS = 4;
    private static final int BYTES = 300;

    @Test
    void everyDeliveryReachesItsConnectionAsItIsAndAsATlsRecord() throws Exception {
        ByteBuffer payload = ByteBuffer.allocateDirect(BYTES);
        for (int i = 0; i < BYTES; i++) payload.put((byte) 'x');
        payload.flip();
        try (SendFloor.Loopback net = SendFloor.Loopback.open(CONNECTIONS); SendFloor.Records tls = SendFloor.Records.handshake(CONNECTIONS)) {
            SendFloor.Window plain = net.run(400, 0.5, 100, payload, null);
            // The warm-up second before the window sends as much again as the rate: 100 bursts of one write each.
            long plainBytes = (plain.deliveries() + 400) * BYTES;
            await().atMost(Duration.ofSeconds(10)).until(() -> net.received.get() == plainBytes);
            assertThat(plain.deliveries()).isEqualTo(200);
            assertThat(plain.cpuSeconds()).isPositive();
            assertThat(plain.microsPerDelivery()).isPositive();

            SendFloor.Window wrapped = net.run(400, 0.5, 100, payload, tls);
            long records = wrapped.deliveries() + 400;
            // A TLS 1.3 record adds a header, the inner content type and the AEAD tag to every payload.
            await().atMost(Duration.ofSeconds(10)).until(() -> net.received.get() - plainBytes >= records * (BYTES + 5 + 1 + 16));
            assertThat(net.received.get() - plainBytes).isLessThan(records * (BYTES + 64));
            assertThat(payload.remaining()).isEqualTo(BYTES);
        }
    }
}
