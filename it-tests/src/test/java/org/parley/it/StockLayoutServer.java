package org.parley.it;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.parley.app.Parley;

/**
 * A {@link StockLayout} server for one test class, and what each test opens on it, closed after the test:
 * {@code @RegisterExtension static final StockLayoutServer STOCK = new StockLayoutServer("extra HOCON");}.
 */
public final class StockLayoutServer implements BeforeAllCallback, AfterEachCallback, AfterAllCallback {
    private final String extra;
    private StockLayout layout;
    private final List<AutoCloseable> perTest = new ArrayList<>();

    public StockLayoutServer(String extra) {
        this.extra = extra;
    }

    @Override
    public void beforeAll(ExtensionContext context) throws Exception {
        layout = StockLayout.start(extra);
    }

    public StockLayout layout() { return layout; }

    public Parley parley() { return layout.parley; }

    /** Clients of D (anonymous guests), closed after the test. */
    public Clients web() {
        return closeAfterTest(layout.web());
    }

    /** Clients of auth.D, closed after the test. */
    public Clients auth() {
        return closeAfterTest(layout.auth());
    }

    /** Clients of recorder.D (Jibri's call login), closed after the test. */
    public Clients recorder() {
        return closeAfterTest(layout.recorder());
    }

    /** Closes {@code c} after the current test, before what was opened earlier. */
    public <T extends AutoCloseable> T closeAfterTest(T c) {
        perTest.add(c);
        return c;
    }

    /**
     * A meeting as the focus opens it for its first participant: boss opens {@code room} as "focus" and makes
     * {@code moderator}, who joins as {@code nick} ({@code display} its name), an owner (Jicofo's auto-owner). Returns
     * the opener.
     */
    public JitsiWire openWithModerator(Clients auth, String room, JitsiWire moderator, String nick, String display) throws Exception {
        JitsiWire focus = layout.opener(auth, room);
        moderator.join(room + "/" + nick, display);
        String bare = moderator.jid().substring(0, moderator.jid().indexOf('/'));
        String answer = focus.iq("own", "<iq type='set' id='own' to='" + room + "'><query xmlns='http://jabber.org/protocol/muc#admin'>"
                + "<item affiliation='owner' jid='" + bare + "'/></query></iq>");
        if (!answer.contains("type='result'")) throw new AssertionError("the opener could not make " + bare + " an owner: " + answer);
        moderator.await("its own moderator presence", s -> s.startsWith("<presence") && s.contains("from='" + room + "/" + nick + "'")
                && s.contains("affiliation='owner'") && s.contains("role='moderator'"));
        return focus;
    }

    @Override
    public void afterEach(ExtensionContext context) {
        for (int i = perTest.size() - 1; i >= 0; i--) {
            try {
                perTest.get(i).close();
            } catch (Exception ignored) {
                // best effort: the next test starts clean either way
            }
        }
        perTest.clear();
    }

    @Override
    public void afterAll(ExtensionContext context) {
        if (layout != null) layout.close();
    }
}
