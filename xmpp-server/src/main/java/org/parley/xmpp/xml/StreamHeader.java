package org.parley.xmpp.xml;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * The opening {@code <stream:stream>} tag as read.
 *
 * <p>Attribute keys are the local name for unprefixed attributes ("to", "from", "version", "id") and
 * {@code prefix:local} for prefixed ones, so xml:lang is keyed "xml:lang".
 */
public final class StreamHeader {
    private final String name;
    private final String prefix;
    private final String namespace;
    private final String defaultNamespace;
    private final Map<String, String> attributes;
    private final Map<String, String> namespaces;

    public StreamHeader(String name, String prefix, String namespace, String defaultNamespace,
                        Map<String, String> attributes) {
        this(name, prefix, namespace, defaultNamespace, attributes, Map.of());
    }

    /**
     * @param namespaces the namespace declarations on the tag, prefix to URI, "" for the default one; s2s needs
     *                   them (e.g. whether xmlns:db was declared for dialback)
     */
    public StreamHeader(String name, String prefix, String namespace, String defaultNamespace,
                        Map<String, String> attributes, Map<String, String> namespaces) {
        this.name = Objects.requireNonNull(name, "name");
        this.prefix = prefix == null ? "" : prefix;
        this.namespace = namespace == null ? "" : namespace;
        this.defaultNamespace = defaultNamespace == null ? "" : defaultNamespace;
        this.attributes = Collections.unmodifiableMap(new LinkedHashMap<>(attributes));
        this.namespaces = Collections.unmodifiableMap(new LinkedHashMap<>(namespaces));
    }

    /** Local name, "stream" for a valid header. */
    public String name() {
        return name;
    }

    /** The prefix used on the tag, usually "stream"; "" if none. */
    public String prefix() {
        return prefix;
    }

    /** The tag's own namespace; valid headers have {@value XmlFramer#STREAM_NAMESPACE}. */
    public String namespace() {
        return namespace;
    }

    /** The default namespace declared on the tag (jabber:client, jabber:server, ...); "" if none. */
    public String defaultNamespace() {
        return defaultNamespace;
    }

    /** Unmodifiable, in document order. */
    public Map<String, String> attributes() {
        return attributes;
    }

    /** Unmodifiable namespace declarations on the tag, prefix to URI ("" for the default namespace). */
    public Map<String, String> namespaces() {
        return namespaces;
    }

    /** Convenience for {@code attributes().get(name)}. */
    public String attribute(String attributeName) {
        return attributes.get(attributeName);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof StreamHeader h
                && name.equals(h.name) && prefix.equals(h.prefix) && namespace.equals(h.namespace)
                && defaultNamespace.equals(h.defaultNamespace) && attributes.equals(h.attributes)
                && namespaces.equals(h.namespaces);
    }

    @Override
    public int hashCode() {
        return Objects.hash(name, prefix, namespace, defaultNamespace, attributes, namespaces);
    }

    @Override
    public String toString() {
        return "StreamHeader{" + (prefix.isEmpty() ? name : prefix + ':' + name) + " ns=" + namespace
                + " default=" + defaultNamespace + " attributes=" + attributes + " namespaces=" + namespaces + '}';
    }
}
