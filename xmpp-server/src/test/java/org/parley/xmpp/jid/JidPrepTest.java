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
    void aCanonicalJidIsTakenApartAsTinderWouldPrepareIt() {
        for (String j : new String[] {"alice@localhost/parley-0a1b", "localhost", "conference.localhost/focus",
                "room@conference.localhost", "bob@localhost/with/slash and space", "\u00e9l\u00e8ve@\u00e9cole.example/t\u00e9l"}) {
            JID prepared = new JID(j);
            // What the hand-over state holds: a prepared JID's string form.
            JID canonical = JidPrep.canonical(prepared.toString());
            assertThat(canonical).as(j).isEqualTo(prepared);
            assertThat(canonical.getNode()).isEqualTo(prepared.getNode());
            assertThat(canonical.getDomain()).isEqualTo(prepared.getDomain());
            assertThat(canonical.getResource()).isEqualTo(prepared.getResource());
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

    @Test
    void acceptsWhatRfc7622Allows() {
        for (String ok : new String[] {
                "localhost", "alice@localhost", "alice@localhost/phone", "Alice@LocalHost/Desk Top",
                "room@conference.example.org/nick with spaces & 'quotes' <and> @ / :",
                "n".repeat(1023) + "@localhost", "a@localhost/" + "r".repeat(1023),
                "a@" + ("d".repeat(63) + ".").repeat(15) + "d".repeat(63), "a@example.org.", "a@127.0.0.1",
                "a@[::1]", "a@[2001:db8::1]/r", "élodie@bücher.example/écrit", "a@xn--bcher-kva.example",
                "a@1-2.example"}) {
            assertThat(JidPrep.whyMalformed(ok)).as(ok.length() > 80 ? ok.length() + " chars" : ok).isNull();
        }
    }

    @Test
    void namesWhatRfc7622Refuses() {
        assertThat(JidPrep.whyMalformed("n".repeat(1024) + "@localhost")).isEqualTo("localpart too long");
        assertThat(JidPrep.whyMalformed("\u00e9".repeat(512) + "@localhost")).isEqualTo("not a valid localpart");
        assertThat(JidPrep.whyMalformed("a b@localhost")).isEqualTo("not a valid localpart");
        for (char c : "\"&'/:<>".toCharArray()) {
            if (c == '/') continue; // a slash starts the resource
            assertThat(JidPrep.whyMalformed("a" + c + "b@localhost")).as("%s", c).isEqualTo("prohibited character in localpart");
        }
        assertThat(JidPrep.whyMalformed("a@" + "d".repeat(1024))).isEqualTo("domainpart too long");
        assertThat(JidPrep.whyMalformed("a@" + "d".repeat(64) + ".example")).contains("63 octets");
        assertThat(JidPrep.whyMalformed("a@localhost/" + "r".repeat(1024))).isEqualTo("resourcepart too long");
        assertThat(JidPrep.whyMalformed("a@localhost/a\u0001b")).isEqualTo("not a valid resourcepart");
        assertThat(JidPrep.whyMalformed("a@localhost/a\tb")).isEqualTo("not a valid resourcepart");
        assertThat(JidPrep.whyMalformed("a@localhost/\ue000")).isEqualTo("not a valid resourcepart");
        for (String bad : new String[] {"", "@localhost", "localhost/", "a@/r", "a@", "a@.", "a@foo..bar", "a@.foo",
                "a@foo_bar", "a@foo bar", "a@-foo.example", "a@foo-.example", "a@b@c", "a@[::1", "a@[1.2.3.4]", "a@[::1%eth0]",
                "a@[zz::1]", "a@ex\u00a0ample.com", "a@" + "\u00e9".repeat(512)}) {
            assertThat(JidPrep.whyMalformed(bad)).as(bad).isNotNull();
        }
    }

    @Test
    void parseAgreesWithTinder() {
        for (String s : new String[] {"Alice@Example.COM/Res ource", "a1b2c3@localhost/x-Y_z", "room@conference.localhost",
                "localhost", "localhost/res", "focus.localhost", "x@y/a/b@c", "ümlaut@exämple.org/Réssource"}) {
            JID tinder = new JID(s);
            JID ours = JidPrep.parse(s);
            assertThat(ours).as(s).isEqualTo(tinder);
            assertThat(ours.toString()).as(s).isEqualTo(tinder.toString());
        }
    }

    @Test
    void parseRefusesWhatTinderRefuses() {
        for (String s : new String[] {"@example.org", "a@", "example.org/", "a@b@c", "guest\u00a0x@example.org/r", "a b@example.org", "a@example.org/"}) {
            assertThatThrownBy(() -> new JID(s)).as("tinder " + s).isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> JidPrep.parse(s)).as(s).isInstanceOf(IllegalArgumentException.class);
        }
    }
}
