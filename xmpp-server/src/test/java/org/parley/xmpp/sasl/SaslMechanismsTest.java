package org.parley.xmpp.sasl;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class SaslMechanismsTest {
    private static final List<String> CONFIGURED =
            List.of("PLAIN", "SCRAM-SHA-1", "SCRAM-SHA-256-PLUS", "SCRAM-SHA-256", "ANONYMOUS", "DIGEST-MD5");

    @Test
    void secureWithBindingOffersEverythingStrongestFirst() {
        assertThat(SaslMechanisms.offered(CONFIGURED, true, true, true))
                .containsExactly("SCRAM-SHA-256-PLUS", "SCRAM-SHA-256", "SCRAM-SHA-1", "PLAIN", "ANONYMOUS");
    }

    @Test
    void plainNeedsTls() {
        assertThat(SaslMechanisms.offered(CONFIGURED, false, false, false))
                .containsExactly("SCRAM-SHA-256", "SCRAM-SHA-1");
    }

    @Test
    void plusNeedsChannelBinding() {
        assertThat(SaslMechanisms.offered(CONFIGURED, true, false, false))
                .containsExactly("SCRAM-SHA-256", "SCRAM-SHA-1", "PLAIN");
    }

    @Test
    void anonymousFollowsTheFlagNotTheList() {
        assertThat(SaslMechanisms.offered(List.of("SCRAM-SHA-256"), true, true, true))
                .containsExactly("SCRAM-SHA-256", "ANONYMOUS");
        assertThat(SaslMechanisms.offered(List.of("ANONYMOUS", "SCRAM-SHA-1"), true, true, false))
                .containsExactly("SCRAM-SHA-1");
    }

    @Test
    void configuredNamesAreCaseInsensitiveAndDeduplicated() {
        assertThat(SaslMechanisms.offered(List.of("scram-sha-1", "SCRAM-SHA-1", " plain "), true, false, false))
                .containsExactly("SCRAM-SHA-1", "PLAIN");
    }

    @Test
    void startOnlyOfferedKnownMechanisms() {
        SaslContext ctx = new SaslContext("example.org", new TestAccounts(), false, null, TestAccounts.KDF);
        List<String> offered = SaslMechanisms.offered(CONFIGURED, false, false, false);
        assertThat(SaslMechanisms.start("PLAIN", offered, ctx)).isEmpty();
        assertThat(SaslMechanisms.start("DIGEST-MD5", List.of("DIGEST-MD5"), ctx)).isEmpty();
        assertThat(SaslMechanisms.start("scram-sha-1", offered, ctx)).isEmpty();
        assertThat(SaslMechanisms.start(null, offered, ctx)).isEmpty();
        assertThat(SaslMechanisms.start("SCRAM-SHA-1", offered, ctx)).isPresent();
        // Even if a caller's offered list is inconsistent with the stream, PLAIN never runs without TLS.
        assertThat(SaslMechanisms.start("PLAIN", List.of("PLAIN"), ctx)).isEmpty();
        SaslContext secure = new SaslContext("example.org", new TestAccounts(), true, null, TestAccounts.KDF);
        assertThat(SaslMechanisms.start("PLAIN", List.of("PLAIN"), secure)).isPresent();
    }

    @Test
    void conditionNames() {
        assertThat(SaslCondition.NOT_AUTHORIZED.xmlName()).isEqualTo("not-authorized");
        assertThat(SaslCondition.TEMPORARY_AUTH_FAILURE.xmlName()).isEqualTo("temporary-auth-failure");
        assertThat(SaslCondition.values()).hasSize(11);
    }
}
