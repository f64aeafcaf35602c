package org.parley.jingle;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.function.Function;

import org.dom4j.Element;
import org.junit.jupiter.api.Test;
import org.parley.jingle.colibri2.ConferenceModified;
import org.parley.jingle.colibri2.ConferenceModify;
import org.parley.jingle.focus.ColibriStats;
import org.parley.jingle.focus.ConferenceIq;
import org.parley.jingle.xml.Xml;

/**
 * Random models serialize and parse back equal, through the dom4j tree and through XML text. Seeds are fixed so a
 * failure reproduces; {@code -Dparley.jingle.seeds=N} runs more, {@code -Dparley.jingle.seed=S} only seed S.
 */
class RoundTripPropertyTest {
    private static final int SEEDS = Integer.getInteger("parley.jingle.seeds", 400);
    private static final Long ONLY_SEED = Long.getLong("parley.jingle.seed");

    private static <T> void check(String what, Function<RandomModels, T> generate, Function<Element, T> parse,
                                  Function<T, Element> serialize) {
        long from = ONLY_SEED == null ? 0 : ONLY_SEED;
        long to = ONLY_SEED == null ? SEEDS : ONLY_SEED + 1;
        for (long seed = from; seed < to; seed++) {
            T model = generate.apply(new RandomModels(seed));
            Element element = serialize.apply(model);
            String xml = Xml.toXml(element);
            String label = what + " seed " + seed + ": " + xml;
            assertThat(parse.apply(element)).as(label).isEqualTo(model);
            T reparsed = parse.apply(Xml.parse(xml));
            assertThat(reparsed).as(label).isEqualTo(model);
            assertThat(reparsed.hashCode()).as(label).isEqualTo(model.hashCode());
            assertThat(Xml.toXml(serialize.apply(reparsed))).as(label).isEqualTo(xml);
        }
    }

    @Test
    void jingle() {
        check("jingle", RandomModels::jingle, Jingle::parse, Jingle::toElement);
    }

    @Test
    void conferenceModify() {
        check("conference-modify", RandomModels::conferenceModify, ConferenceModify::parse,
            ConferenceModify::toElement);
    }

    @Test
    void conferenceModified() {
        check("conference-modified", RandomModels::conferenceModified, ConferenceModified::parse,
            ConferenceModified::toElement);
    }

    @Test
    void conferenceIq() {
        check("conference", RandomModels::conferenceIq, ConferenceIq::parse, ConferenceIq::toElement);
    }

    @Test
    void colibriStats() {
        check("stats", RandomModels::colibriStats, ColibriStats::parse, ColibriStats::toElement);
    }

    @Test
    void generatorIsDeterministic() {
        assertThat(new RandomModels(42).jingle()).isEqualTo(new RandomModels(42).jingle());
        assertThat(new RandomModels(42).conferenceModify()).isEqualTo(new RandomModels(42).conferenceModify());
    }
}
