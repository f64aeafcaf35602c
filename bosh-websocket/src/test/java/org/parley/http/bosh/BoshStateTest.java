package org.parley.http.bosh;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.dom4j.DocumentHelper;
import org.dom4j.Element;
import org.junit.jupiter.api.Test;

/** The BOSH part of a handed-over session: written and read back byte for byte; an address is never looked up. */
class BoshStateTest {

    @Test
    void everyFieldSurvivesTheStoredForm() throws Exception {
        Map<Long, String> answers = new LinkedHashMap<>();
        answers.put(41L, "<body xmlns='http://jabber.org/protocol/httpbind'/>");
        answers.put(42L, "<body xmlns='http://jabber.org/protocol/httpbind'><message xmlns='jabber:client'><body>a &amp; b \u00e9\uD83D\uDE00</body></message></body>");
        BoshState s = new BoshState("abc123", new InetSocketAddress(InetAddress.getByName("2001:db8::7"), 443), true,
                "meet.example.org", "de", 60, 1, 60_000, 42, answers, List.of(39L, 40L),
                "<presence xmlns='jabber:client' from='r@c/x'/>");
        // Through text, as the database holds it.
        Element stored = DocumentHelper.parseText(s.toElement().asXML()).getRootElement();
        BoshState back = BoshState.read(stored);
        assertThat(back).isEqualTo(s);
        assertThat(List.copyOf(back.answers().keySet())).containsExactly(41L, 42L);
    }

    @Test
    void nothingQueuedReadsBackEmpty() throws Exception {
        BoshState s = new BoshState("s", new InetSocketAddress(InetAddress.getLoopbackAddress(), 1), false, "localhost",
                null, 5, 1, 1000, 7, Map.of(), List.of(), "");
        BoshState back = BoshState.read(DocumentHelper.parseText(s.toElement().asXML()).getRootElement());
        assertThat(back.queued()).isEmpty();
        assertThat(back.lang()).isNull();
        assertThat(back.answers()).isEmpty();
    }

    @Test
    void aNameInsteadOfAnAddressOrAnotherElementIsRefused() throws Exception {
        Element named = DocumentHelper.parseText("<bosh sid='s' client-address='example.org' client-port='1' wait='1' hold='1'"
                + " inactivity='1' rid='1'/>").getRootElement();
        assertThatThrownBy(() -> BoshState.read(named)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("client address");
        assertThatThrownBy(() -> BoshState.read(DocumentHelper.createElement("websocket")))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
