package org.parley.focus.brewery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.xmpp.packet.JID;
import org.xmpp.packet.Packet;
import org.xmpp.packet.PacketError;
import org.xmpp.packet.Presence;

class BreweryTest {
    private static final JID ROOM = new JID("jibribrewery@internal.example.org");
    private static final JID SELF = new JID("focus@auth.example.org/focus");
    private final ScheduledExecutorService exec = Executors.newSingleThreadScheduledExecutor();
    private final List<Packet> sent = new CopyOnWriteArrayList<>();
    private final List<String> events = new CopyOnWriteArrayList<>();
    private final Brewery brewery = new Brewery(ROOM, SELF, "focus", p -> sent.add(p.createCopy()), exec,
            Duration.ofMillis(100), new Brewery.Listener() {
                @Override
                public void presence(JID occupant, Presence presence) {
                    events.add("presence " + occupant.getResource() + " " + presence.getStatus());
                }

                @Override
                public void left(JID occupant) {
                    events.add("left " + occupant.getResource());
                }
            });

    @AfterEach
    void stop() {
        exec.shutdownNow();
    }

    private static Presence from(String nick, Presence.Type type, String status) {
        Presence p = type == null ? new Presence() : new Presence(type);
        p.setFrom(new JID(ROOM.getNode(), ROOM.getDomain(), nick));
        p.setTo(SELF);
        if (status != null) p.setStatus(status);
        return p;
    }

    private long joins() {
        return sent.stream().filter(p -> p instanceof Presence pr && pr.getType() == null
                && pr.getTo().equals(new JID("jibribrewery@internal.example.org/focus"))).count();
    }

    @Test
    void joinsUntilInTracksMembersAndLeaves() {
        brewery.start();
        await().atMost(Duration.ofSeconds(2)).until(() -> joins() >= 1);
        assertThat(brewery.handles(new JID("jibribrewery@internal.example.org/x"))).isTrue();
        assertThat(brewery.handles(new JID("jvbbrewery@internal.example.org/x"))).isFalse();

        // Refused (not in allowed-jids): joined again every retry interval.
        Presence refused = from("focus", Presence.Type.error, null);
        refused.setError(PacketError.Condition.forbidden);
        brewery.onPresence(refused);
        long before = joins();
        await().atMost(Duration.ofSeconds(2)).until(() -> joins() >= before + 2);
        assertThat(brewery.joined()).isFalse();

        brewery.onPresence(from("focus", null, null));
        await().atMost(Duration.ofSeconds(2)).until(brewery::joined);
        long in = joins();

        brewery.onPresence(from("jibri-1", null, "idle"));
        brewery.onPresence(from("jibri-1", null, "busy"));
        // An error or an unknown member's departure means nothing.
        brewery.onPresence(from("jibri-2", Presence.Type.error, null));
        brewery.onPresence(from("ghost", Presence.Type.unavailable, null));
        brewery.onPresence(from("jibri-1", Presence.Type.unavailable, null));
        await().atMost(Duration.ofSeconds(2)).until(() -> events.size() == 3);
        assertThat(events).containsExactly("presence jibri-1 idle", "presence jibri-1 busy", "left jibri-1");
        assertThat(brewery.members()).isEmpty();
        brewery.onPresence(from("jibri-3", null, "idle"));
        await().atMost(Duration.ofSeconds(2)).until(() -> brewery.members().containsKey(new JID("jibribrewery@internal.example.org/jibri-3")));
        assertThat(joins()).isEqualTo(in);

        brewery.close();
        assertThat(sent.get(sent.size() - 1)).isInstanceOfSatisfying(Presence.class,
                p -> assertThat(p.getType()).isEqualTo(Presence.Type.unavailable));
        brewery.onPresence(from("jibri-4", null, "idle"));
        await().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(1)).until(() -> events.size() == 4);
    }
}
