package org.parley.jingle;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.function.Function;

import org.dom4j.Element;
import org.parley.jingle.xml.Xml;

/** Loads the XML fixtures under {@code src/test/resources/fixtures} and checks round trips. */
public final class Fixtures {
    private Fixtures() {
    }

    /** The root element (usually an {@code <iq>} or {@code <presence>}) of a fixture file. */
    public static Element load(String path) {
        try (InputStream in = Fixtures.class.getResourceAsStream("/fixtures/" + path)) {
            if (in == null) {
                throw new IllegalArgumentException("no fixture " + path);
            }
            return Xml.parse(new String(in.readAllBytes(), StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The first child element of a fixture's root (the IQ payload). */
    public static Element payload(String path) {
        return load(path).elements().get(0);
    }

    /**
     * parse -> serialize -> parse gives an equal model, both on the element tree and through XML text (so namespace
     * declarations and escaping are exercised too). Returns the parsed model.
     */
    public static <T> T assertRoundTrip(Element source, Function<Element, T> parse, Function<T, Element> serialize) {
        T first = parse.apply(source);
        Element out = serialize.apply(first);
        assertThat(parse.apply(out)).isEqualTo(first);
        String text = Xml.toXml(out);
        assertThat(parse.apply(Xml.parse(text))).as(text).isEqualTo(first);
        // and serializing again gives the same text: serialization is deterministic
        assertThat(Xml.toXml(serialize.apply(parse.apply(Xml.parse(text))))).isEqualTo(text);
        return first;
    }
}
