package org.parley.focus.conference;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.parley.jingle.colibri2.ConferenceModify;
import org.parley.jingle.colibri2.Endpoint;
import org.parley.jingle.colibri2.Relay;

class RequestLatencyTest {
    @Test
    void colibriRequestsAreNamedForWhatTheyDo() {
        assertThat(RequestLatency.colibriOp(ConferenceModify.create("m", "r@c", List.of(Endpoint.of("a").withCreate(true, null))))).isEqualTo("allocate");
        assertThat(RequestLatency.colibriOp(ConferenceModify.of("m", List.of(Endpoint.of("a").withCreate(true, null)), List.of()))).isEqualTo("allocate");
        assertThat(RequestLatency.colibriOp(ConferenceModify.of("m", List.of(), List.of(Relay.of("r").withCreate(true))))).isEqualTo("allocate");
        assertThat(RequestLatency.colibriOp(ConferenceModify.expireConference("m"))).isEqualTo("expire");
        assertThat(RequestLatency.colibriOp(ConferenceModify.of("m", List.of(Endpoint.expiring("a")), List.of()))).isEqualTo("expire");
        assertThat(RequestLatency.colibriOp(ConferenceModify.of("m", List.of(), List.of(Relay.expiring("r"))))).isEqualTo("expire");
        assertThat(RequestLatency.colibriOp(ConferenceModify.of("m", List.of(Endpoint.of("a")), List.of()))).isEqualTo("modify");
        // A relay that only loses a remote endpoint stays: that is a change to it, not its end.
        assertThat(RequestLatency.colibriOp(ConferenceModify.of("m", List.of(),
                List.of(Relay.of("r").withEndpoints(List.of(Endpoint.expiring("a"))))))).isEqualTo("modify");
        assertThat(RequestLatency.colibriOp(ConferenceModify.of("m", List.of(), List.of()))).isEqualTo("modify");
    }

    @Test
    void recordsAnswersAsHistogramsAndTimeoutsAsCountsOnlyOnceBound() {
        RequestLatency latency = new RequestLatency();
        latency.colibri("allocate", true, 5_000_000);
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        latency.bind(registry);
        assertThat(registry.get("parley.focus.colibri.latency").tag("op", "allocate").timer().count()).isZero();
        assertThat(registry.get("parley.focus.jingle.latency").tag("action", "source-add").timer().count()).isZero();
        latency.colibri("allocate", true, 5_000_000);
        latency.colibri("allocate", false, 2_000_000_000L);
        latency.jingle("session-initiate", true, 12_000_000);
        latency.jingle("transport-replace", true, 1_000_000);
        var allocate = registry.get("parley.focus.colibri.latency").tag("op", "allocate").timer();
        assertThat(allocate.count()).isEqualTo(1);
        assertThat(allocate.totalTime(java.util.concurrent.TimeUnit.MILLISECONDS)).isEqualTo(5.0);
        assertThat(registry.get("parley.focus.request.timeouts").tag("kind", "colibri").counter().count()).isEqualTo(1.0);
        assertThat(registry.get("parley.focus.request.timeouts").tag("kind", "jingle").counter().count()).isZero();
        assertThat(registry.get("parley.focus.jingle.latency").tag("action", "session-initiate").timer().count()).isEqualTo(1);
        assertThat(registry.get("parley.focus.jingle.latency").tag("action", "transport-replace").timer().count()).isEqualTo(1);
    }
}
