package org.parley.focus.source;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.parley.jingle.rtp.Parameter;
import org.parley.jingle.rtp.Source;
import org.parley.jingle.rtp.SourceGroup;

class ConferenceSourcesTest {
    static Source s(long ssrc, String name) {
        return new Source(ssrc, name, null, null);
    }

    static EndpointSources video(List<Source> sources, List<SourceGroup> groups) {
        return new EndpointSources(List.of(), List.of(), sources, groups);
    }

    @Test
    void nobodyClaimsAnotherEndpointsSsrcOrName() throws Exception {
        ConferenceSources c = new ConferenceSources(20, 20);
        c.add("a", c.validateAdd("a", video(List.of(s(1, "a-v0")), List.of())));
        assertThatThrownBy(() -> c.validateAdd("b", video(List.of(s(1, "b-v0")), List.of())))
                .hasMessageContaining("already used");
        assertThatThrownBy(() -> c.validateAdd("b", video(List.of(s(2, "a-v0")), List.of())))
                .hasMessageContaining("source name");
        c.reserve(video(List.of(s(99, "jvb-v0")), List.of()));
        assertThatThrownBy(() -> c.validateAdd("b", video(List.of(s(99, "b-v0")), List.of())))
                .hasMessageContaining("bridge");
        assertThat(c.validateAdd("a", video(List.of(s(1, "a-v0")), List.of())).isEmpty()).isTrue();
    }

    @Test
    void limitsAndGroupsAreChecked() throws Exception {
        ConferenceSources c = new ConferenceSources(3, 1);
        assertThatThrownBy(() -> c.validateAdd("a", video(List.of(s(1, "x"), s(2, "x"), s(3, "x"), s(4, "x")), List.of())))
                .hasMessageContaining("too many sources");
        assertThatThrownBy(() -> c.validateAdd("a", video(List.of(s(1, "x"), s(2, "x")),
                List.of(new SourceGroup("FID", List.of(1L, 5L)))))).hasMessageContaining("does not have");
        assertThatThrownBy(() -> c.validateAdd("a", video(List.of(s(1, "x"), s(2, "x")),
                List.of(new SourceGroup("FID", List.of(1L, 2L)), new SourceGroup("SIM", List.of(1L, 2L))))))
                .hasMessageContaining("too many SSRC groups");
        assertThatThrownBy(() -> c.validateAdd("a", video(List.of(s(1, "x"), s(2, "x")),
                List.of(new SourceGroup("XYZ", List.of(1L, 2L)))))).hasMessageContaining("semantics");
        EndpointSources ok = c.validateAdd("a", video(List.of(s(1, "x"), s(2, "x")), List.of(new SourceGroup("FID", List.of(1L, 2L)))));
        c.add("a", ok);
        assertThat(c.get("a").sourceCount()).isEqualTo(2);
    }

    @Test
    void removalOnlyOfOwnSourcesTakesTheirGroupsAlong() throws Exception {
        ConferenceSources c = new ConferenceSources(20, 20);
        c.add("a", c.validateAdd("a", video(List.of(s(1, "x"), s(2, "x")), List.of(new SourceGroup("FID", List.of(1L, 2L))))));
        c.add("b", c.validateAdd("b", video(List.of(s(3, "y")), List.of())));
        assertThatThrownBy(() -> c.validateRemove("a", video(List.of(s(3, null)), List.of()))).hasMessageContaining("not a source");
        EndpointSources gone = c.validateRemove("a", video(List.of(s(2, null)), List.of()));
        assertThat(gone.videoGroups()).hasSize(1);
        c.remove("a", gone);
        assertThat(c.get("a").ssrcs()).containsExactly(1L);
        assertThat(c.get("a").videoGroups()).isEmpty();
        assertThat(c.ownerOf(2)).isNull();
        c.add("c", c.validateAdd("c", video(List.of(s(2, "z")), List.of())));
    }

    @Test
    void compactJsonAsJicofoWritesIt() {
        Source desktop = new Source(5L, null, "a-v1", "desktop", null, List.of(new Parameter("msid", "m \"q\"")), List.of());
        EndpointSources a = new EndpointSources(List.of(s(1, "a-a0")), List.of(), List.of(s(2, "a-v0"), s(3, "a-v0"), desktop),
                List.of(new SourceGroup("FID", List.of(2L, 3L))));
        String json = CompactJson.message(java.util.Map.of("a", a)).json();
        assertThat(json).isEqualTo("{\"sources\":{\"a\":[[{\"s\":2,\"n\":\"a-v0\"},{\"s\":3,\"n\":\"a-v0\"},"
                + "{\"s\":5,\"n\":\"a-v1\",\"m\":\"m \\\"q\\\"\",\"v\":\"d\"}],[[\"f\",2,3]],[{\"s\":1,\"n\":\"a-a0\"}]]}}");
    }

    @Test
    void colibriSourcesGroupByName() {
        EndpointSources a = new EndpointSources(List.of(s(1, null)), List.of(), List.of(s(2, "a-v0"), s(3, "a-v0"), s(4, "a-v1")),
                List.of(new SourceGroup("FID", List.of(2L, 3L))));
        var colibri = a.toColibri("a");
        assertThat(colibri.mediaSources()).extracting(m -> m.id()).containsExactly("a-a0", "a-v0", "a-v1");
        assertThat(colibri.mediaSources().get(1).sourceGroups()).hasSize(1);
        assertThat(EndpointSources.fromColibri(colibri).ssrcs()).containsExactly(1L, 2L, 3L, 4L);
    }

    @Test
    void aSessionAcceptReplacesTheWholeSet() throws Exception {
        ConferenceSources c = new ConferenceSources(20, 20);
        c.add("a", c.validateAdd("a", video(List.of(s(1, "a-v0"), s(2, "a-v0")), List.of(new SourceGroup("FID", List.of(1L, 2L))))));
        c.add("b", c.validateAdd("b", video(List.of(s(3, "b-v0")), List.of())));
        ConferenceSources.Change ch = c.validateReplace("a", video(List.of(s(2, "a-v0"), s(5, "a-v0")), List.of()));
        assertThat(ch.removed().ssrcs()).containsExactly(1L);
        assertThat(ch.removed().videoGroups()).hasSize(1);
        assertThat(ch.added().ssrcs()).containsExactly(5L);
        c.remove("a", ch.removed());
        c.add("a", ch.added());
        assertThat(c.get("a").ssrcs()).containsExactlyInAnyOrder(2L, 5L);
        assertThatThrownBy(() -> c.validateReplace("a", video(List.of(s(3, "x")), List.of()))).hasMessageContaining("already used");
        assertThat(c.validateReplace("a", c.get("a")).isEmpty()).isTrue();
    }
}
