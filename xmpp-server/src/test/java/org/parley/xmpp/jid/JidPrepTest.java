package org.parley.xmpp.jid;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import gnu.inet.encoding.Stringprep;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.xmpp.packet.JID;

/** The ASCII fast path must agree with libidn exactly: same output, and an exception exactly where libidn refuses. */
class JidPrepTest {
    private static String libidnNode(String s) {
        try {
            String p = Stringprep.nodeprep(s);
            return p.isEmpty() ? null : p;
        } catch (Exception e) {
            return null;
        }
    }

    private static String libidnResource(String s) {
        try {
            String p = Stringprep.resourceprep(s);
            return p.isEmpty() ? null : p;
        } catch (Exception e) {
            return null;
        }
    }

    private static String ours(java.util.function.UnaryOperator<String> f, String s) {
        try {
            return f.apply(s);
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    @Test
    void everyAsciiCharacterAgreesWithLibidn() {
        for (char c = 0; c < 0x80; c++) {
            for (String s : new String[] {String.valueOf(c), "a" + c + "B", c + "Zz"}) {
                assertThat(ours(JidPrep::nodeprep, s)).as("nodeprep of U+%04X in %s", (int) c, s).isEqualTo(libidnNode(s));
                assertThat(ours(JidPrep::resourceprep, s)).as("resourceprep of U+%04X", (int) c).isEqualTo(libidnResource(s));
            }
        }
    }

    @Test
    void randomStringsAgreeWithLibidnIncludingNonAscii() {
        Random random = new Random(42);
        char[] alphabet = "aZ09 .-_@/:&'\"<>\t\u00e9\u00c9\u00df\u00a0\u00ad\u2003\u0130\u05d0\uff21\u2163".toCharArray();
        for (int i = 0; i < 3_000; i++) {
            StringBuilder b = new StringBuilder();
            int len = 1 + random.nextInt(8);
            for (int j = 0; j < len; j++) b.append(alphabet[random.nextInt(alphabet.length)]);
            String s = b.toString();
            assertThat(ours(JidPrep::nodeprep, s)).as("nodeprep of %s", s).isEqualTo(libidnNode(s));
            assertThat(ours(JidPrep::resourceprep, s)).as("resourceprep of %s", s).isEqualTo(libidnResource(s));
        }
    }

    @Test
    void foldsCaseInLocalpartsOnly() {
        assertThat(JidPrep.nodeprep("Alice")).isEqualTo("alice");
        assertThat(JidPrep.resourceprep("Phone A")).isEqualTo("Phone A");
        assertThat(JidPrep.nodeprep("\u00c9LODIE")).isEqualTo("\u00e9lodie");
    }

    @Test
    void refusesEmptyAndOverlongParts() {
        assertThatThrownBy(() -> JidPrep.nodeprep("")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> JidPrep.resourceprep("")).isInstanceOf(IllegalArgumentException.class);
        assertThat(JidPrep.resourceprep("r".repeat(1023))).hasSize(1023);
        assertThatThrownBy(() -> JidPrep.resourceprep("r".repeat(1024))).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> JidPrep.nodeprep("n".repeat(1024))).isInstanceOf(IllegalArgumentException.class);
        // 512 two-byte characters are 1024 octets
        assertThatThrownBy(() -> JidPrep.nodeprep("\u00e9".repeat(512))).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void builtJidsEqualTindersOwn() {
        JID ours = JidPrep.jid("Bob", "example.org", "Desk Top");
        JID tinder = new JID("Bob", "example.org", "Desk Top");
        assertThat(ours).isEqualTo(tinder);
        assertThat(ours.toString()).isEqualTo("bob@example.org/Desk Top");
        assertThat(JidPrep.jid(null, "example.org", null)).isEqualTo(new JID("example.org"));
    }
}
