package org.parley.http.bosh;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.dom4j.Element;
import org.junit.jupiter.api.Test;
import org.parley.http.FrameParser;
import org.parley.xmpp.xml.XmlLimits;
import org.parley.xmpp.xml.XmlStreamException;

class BoshBodyTest {
    private final FrameParser parser = new FrameParser(new XmlLimits(64 * 1024, 16));

    private BoshBody parse(String s) throws XmlStreamException {
        return BoshBody.parse(parser, Unpooled.wrappedBuffer(s.getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void sessionCreationAttributes() throws Exception {
        BoshBody b = parse("<?xml version='1.0' encoding='UTF-8'?>\n<body xmlns='http://jabber.org/protocol/httpbind'"
                + " xmlns:xmpp='urn:xmpp:xbosh' rid='1573741820' to='meet.example' xml:lang='en' wait='60' hold='1'"
                + " ver='1.6' xmpp:version='1.0' content='text/xml; charset=utf-8'/>");
        assertThat(b.rid()).isEqualTo(1573741820L);
        assertThat(b.sid()).isNull();
        assertThat(b.to()).isEqualTo("meet.example");
        assertThat(b.lang()).isEqualTo("en");
        assertThat(b.ver()).isEqualTo("1.6");
        assertThat(b.xmppVersion()).isEqualTo("1.0");
        assertThat(b.number("wait", 0)).isEqualTo(60);
        assertThat(b.number("hold", 9)).isEqualTo(1);
        assertThat(b.number("pause", -1)).isEqualTo(-1);
        assertThat(b.restart()).isFalse();
        assertThat(b.terminate()).isFalse();
        assertThat(b.payloads()).isEmpty();
    }

    @Test
    void restartTerminateAndPayloads() throws Exception {
        BoshBody r = parse("<body xmlns='http://jabber.org/protocol/httpbind' xmlns:x='urn:xmpp:xbosh' rid='5' sid='s' x:restart='true'/>");
        assertThat(r.restart()).isTrue();
        BoshBody t = parse("<body xmlns='http://jabber.org/protocol/httpbind' rid='6' sid='s' type='terminate'>"
                + "<presence xmlns='jabber:client' type='unavailable'/><message to='a@b'><body>bare</body></message></body>");
        assertThat(t.terminate()).isTrue();
        List<Element> p = t.payloads();
        assertThat(p).hasSize(2);
        assertThat(p.get(0).getParent()).isNull();
        assertThat(p.get(0).getNamespaceURI()).isEqualTo("jabber:client");
        // Left in the wrapper's namespace: read as jabber:client, children included.
        assertThat(p.get(1).getNamespaceURI()).isEqualTo("jabber:client");
        assertThat(p.get(1).element("body").getNamespaceURI()).isEqualTo("jabber:client");
    }

    @Test
    void refusals() {
        assertThatThrownBy(() -> parse("<body xmlns='http://jabber.org/protocol/httpbind' to='x'/>")).hasMessageContaining("rid");
        assertThatThrownBy(() -> parse("<body xmlns='http://jabber.org/protocol/httpbind' rid='9007199254740992'/>"))
                .hasMessageContaining("rid");
        assertThatThrownBy(() -> parse("<body xmlns='jabber:client' rid='1'/>")).hasMessageContaining("httpbind");
        assertThatThrownBy(() -> parse("<body xmlns='http://jabber.org/protocol/httpbind' rid='1'>")).isInstanceOf(XmlStreamException.class);
    }
}
