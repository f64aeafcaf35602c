package org.parley.jingle.colibri2;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

import org.dom4j.Element;
import org.parley.jingle.rtp.Source;
import org.parley.jingle.rtp.SourceGroup;
import org.parley.jingle.xml.Ns;
import org.parley.jingle.xml.OpaqueElement;
import org.parley.jingle.xml.Xml;

/**
 * COLIBRI2 {@code <media-source type='video' id='abcd1234-v0'>}: one source of an endpoint (its id is the Jitsi source
 * name), with its XEP-0339 {@code <source>}s and {@code <ssrc-group>}s. The bridge's own feedback sources come back
 * as {@code jvb-a0} and {@code jvb-v0}.
 *
 * @param type the media type as written; see {@link #mediaType()}
 * @param id   the source name; null when absent
 */
public record MediaSource(String type, String id, List<Source> sources, List<SourceGroup> sourceGroups,
                          List<OpaqueElement> extensions) {
    public static final String ELEMENT = "media-source";

    public MediaSource {
        Objects.requireNonNull(type, "type");
        sources = List.copyOf(sources);
        sourceGroups = List.copyOf(sourceGroups);
        extensions = List.copyOf(extensions);
    }

    public MediaSource(MediaType type, String id, List<Source> sources, List<SourceGroup> sourceGroups) {
        this(MediaType.wireOf(type), id, sources, sourceGroups, List.of());
    }

    public MediaType mediaType() {
        return MediaType.of(type);
    }

    public static MediaSource parse(Element e) {
        Xml.expect(e, ELEMENT, Ns.COLIBRI2);
        List<Source> sources = new ArrayList<>();
        List<SourceGroup> groups = new ArrayList<>();
        List<OpaqueElement> extensions = new ArrayList<>();
        for (Element c : Xml.children(e)) {
            if (Xml.is(c, Source.ELEMENT, Ns.SSMA)) {
                sources.add(Source.parse(c));
            } else if (Xml.is(c, SourceGroup.ELEMENT, Ns.SSMA)) {
                groups.add(SourceGroup.parse(c));
            } else {
                extensions.add(OpaqueElement.of(c));
            }
        }
        return new MediaSource(Xml.requireNonBlank(e, "type"), Xml.attr(e, "id"), sources, groups, extensions);
    }

    public void appendTo(Element parent) {
        Element e = Xml.add(parent, ELEMENT, Ns.COLIBRI2);
        Xml.set(e, "type", type);
        Xml.set(e, "id", id);
        for (Source s : sources) {
            s.appendTo(e);
        }
        for (SourceGroup g : sourceGroups) {
            g.appendTo(e);
        }
        for (OpaqueElement x : extensions) {
            x.appendTo(e);
        }
    }
}
