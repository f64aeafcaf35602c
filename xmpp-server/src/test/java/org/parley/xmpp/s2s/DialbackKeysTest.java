package org.parley.xmpp.s2s;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class DialbackKeysTest {
    @Test
    void matchesTheExampleOfXep0185() {
        DialbackKeys keys = new DialbackKeys("s3cr3tf0rd14lb4ck");
        assertThat(keys.key("xmpp.example.com", "example.org", "D60000229F"))
                .isEqualTo("37c69b1cf07a3f67c04a5ef5902fa5114f2c76fe4a2686482ba5b89323075643");
    }

    @Test
    void validOnlyForTheSameDomainsStreamAndSecret() {
        DialbackKeys keys = new DialbackKeys("a shared cluster secret");
        String key = keys.key("b.example", "a.example", "stream1");
        assertThat(keys.valid("b.example", "a.example", "stream1", key)).isTrue();
        assertThat(keys.valid("b.example", "a.example", "stream1", key.toUpperCase())).isTrue();
        assertThat(keys.valid("b.example", "a.example", "stream2", key)).isFalse();
        assertThat(keys.valid("a.example", "b.example", "stream1", key)).isFalse();
        assertThat(keys.valid("c.example", "a.example", "stream1", key)).isFalse();
        assertThat(keys.valid("b.example", "a.example", "stream1", null)).isFalse();
        assertThat(new DialbackKeys("a shared cluster secret").valid("b.example", "a.example", "stream1", key)).isTrue();
        assertThat(new DialbackKeys("another secret entirely").valid("b.example", "a.example", "stream1", key)).isFalse();
    }

    @Test
    void anEmptySecretIsRandomPerInstance() {
        String key = new DialbackKeys("").key("b.example", "a.example", "s");
        assertThat(new DialbackKeys("").key("b.example", "a.example", "s")).isNotEqualTo(key);
    }
}
