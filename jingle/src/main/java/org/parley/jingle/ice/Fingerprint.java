package org.parley.jingle.ice;

import java.util.Objects;

import org.dom4j.Element;
import org.parley.jingle.xml.Ns;
import org.parley.jingle.xml.Xml;

/**
 * {@code <fingerprint xmlns='urn:xmpp:jingle:apps:dtls:0' hash='sha-256' setup='actpass'>AB:CD:...</fingerprint>}
 * (XEP-0320). The bridge always offers {@code actpass}; the focus rewrites it to {@code active}/{@code passive} for
 * relays. {@code cryptex='true'} is lib-jitsi-meet's flag for RFC 9335 header encryption.
 *
 * @param hash  hash function, e.g. {@code sha-256}; required
 * @param setup DTLS role, or null when absent
 * @param value the fingerprint text (hex pairs); required, surrounding whitespace dropped
 * @param cryptex whether {@code cryptex='true'} is present
 */
public record Fingerprint(String hash, Setup setup, String value, boolean cryptex) {
    public static final String ELEMENT = "fingerprint";

    public Fingerprint {
        Objects.requireNonNull(hash, "hash");
        Objects.requireNonNull(value, "value");
    }

    public Fingerprint(String hash, Setup setup, String value) {
        this(hash, setup, value, false);
    }

    public Fingerprint withSetup(Setup newSetup) {
        return new Fingerprint(hash, newSetup, value, cryptex);
    }

    public static Fingerprint parse(Element e) {
        Xml.expect(e, ELEMENT, Ns.DTLS);
        String value = Xml.text(e);
        if (value.isEmpty()) {
            throw Xml.error(e, null, "fingerprint has no value");
        }
        return new Fingerprint(Xml.requireAttr(e, "hash"), Xml.closedEnum(e, "setup", Setup.class, false), value,
            Xml.boolAttr(e, "cryptex", false));
    }

    public Element toElement() {
        Element e = Xml.create(ELEMENT, Ns.DTLS);
        fill(e);
        return e;
    }

    public void appendTo(Element parent) {
        fill(Xml.add(parent, ELEMENT, Ns.DTLS));
    }

    private void fill(Element e) {
        Xml.set(e, "hash", hash);
        if (setup != null) {
            Xml.set(e, "setup", setup.wire());
        }
        Xml.setIfTrue(e, "cryptex", cryptex);
        Xml.setText(e, value);
    }
}
