package org.parley.muc;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.xmpp.packet.JID;

class RoomCreationLimitTest {
    private final AtomicInteger refusals = new AtomicInteger();

    private RoomCreationLimit limit(RoomCreationLimit.Settings s, InetAddress everyone) {
        return new RoomCreationLimit(s, jid -> jid.getDomain().equals("remote.example") ? null : everyone, refusals::incrementAndGet);
    }

    @Test
    void aSessionGetsItsBurstThenIsRefused() throws Exception {
        RoomCreationLimit l = limit(new RoomCreationLimit.Settings(1, 3, 0, 0), InetAddress.getLoopbackAddress());
        JID a = new JID("a@example.org/1");
        assertThat(l.tryCreate(a)).isTrue();
        assertThat(l.tryCreate(a)).isTrue();
        assertThat(l.tryCreate(a)).isTrue();
        assertThat(l.tryCreate(a)).isFalse();
        assertThat(l.tryCreate(new JID("a@example.org/2"))).as("another session of the same account").isTrue();
        assertThat(refusals).hasValue(1);
    }

    @Test
    void sessionsShareTheirAddressesBurstAndARefusalByTheAddressCostsTheSessionNothing() throws Exception {
        RoomCreationLimit l = limit(new RoomCreationLimit.Settings(1, 2, 1, 3), InetAddress.getByName("192.0.2.1"));
        JID a = new JID("a@example.org/1");
        JID b = new JID("b@example.org/1");
        assertThat(l.tryCreate(a)).isTrue();
        assertThat(l.tryCreate(b)).isTrue();
        assertThat(l.tryCreate(b)).isTrue();
        assertThat(l.tryCreate(a)).as("the address's three are used").isFalse();
        // A user of another server has no address here: its domain stands for one.
        assertThat(l.tryCreate(new JID("c@remote.example/1"))).isTrue();
        assertThat(refusals).hasValue(1);
    }

    @Test
    void aRateOfZeroIsNoLimit() {
        RoomCreationLimit l = limit(RoomCreationLimit.Settings.NONE, null);
        for (int i = 0; i < 1000; i++) assertThat(l.tryCreate(new JID("a@example.org/1"))).isTrue();
    }
}
