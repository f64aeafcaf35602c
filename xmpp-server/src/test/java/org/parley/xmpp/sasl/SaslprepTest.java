package org.parley.xmpp.sasl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class SaslprepTest {
    @Test
    void usernames() {
        assertThat(Saslprep.username("Juliet")).isEqualTo("juliet");
        assertThat(Saslprep.username("\u00c5ngstr\u00f6m")).isEqualTo("\u00e5ngstr\u00f6m");
        assertThat(Saslprep.username("A\u030angstr\u00f6m")).isEqualTo("\u00e5ngstr\u00f6m");
        assertThat(Saslprep.username("o=ne,two")).isEqualTo("o=ne,two");
        for (String bad : new String[] {"", "a b", "a\tb", "a@b", "a/b", "a:b", "a<b", "a>b", "a\"b", "a&b", "a'b",
                "a\u0000b", "a\u007fb", "\u00a0", "a\u2028b", "x".repeat(1024)}) {
            assertThatThrownBy(() -> Saslprep.username(bad)).as("[%s]", bad).isInstanceOf(IllegalArgumentException.class);
        }
    }

    @Test
    void passwords() {
        // RFC 4013 section 3 examples.
        assertThat(Saslprep.password("I\u00adX")).isEqualTo("IX");
        assertThat(Saslprep.password("user")).isEqualTo("user");
        assertThat(Saslprep.password("USER")).isEqualTo("USER");
        assertThat(Saslprep.password("\u00aa")).isEqualTo("a");
        assertThat(Saslprep.password("\u2168")).isEqualTo("IX");
        assertThatThrownBy(() -> Saslprep.password("\u0007")).isInstanceOf(IllegalArgumentException.class);
        assertThat(Saslprep.password("a\u2003b")).isEqualTo("a b");
        assertThatThrownBy(() -> Saslprep.password("\u00ad")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Saslprep.password("a\uE000")).isInstanceOf(IllegalArgumentException.class);
    }
}
