package org.parley.importer;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What Prosody would make of its configuration: the global section, the virtual hosts and the components, each with
 * its options in the order they were set and the file and line that set them (for the importer's report).
 */
public final class ProsodyConfig {
    /** An option as the configuration left it: the value in Java form (String, Long, Double, Boolean, List, Map). */
    public record Option(String name, Object value, Source source) {}

    /** Where something was set. */
    public record Source(String file, int line) {
        @Override public String toString() { return file + ":" + line; }
    }

    /** The global section ({@code "*"}), a {@code VirtualHost} or a {@code Component}. */
    public static final class Section {
        private final String name;
        private final Source source;
        private final boolean component;
        private String module;
        private final Map<String, Option> options = new LinkedHashMap<>();

        Section(String name, Source source, boolean component, String module) {
            this.name = name;
            this.source = source;
            this.component = component;
            this.module = module;
        }

        public String name() { return name; }

        /** Where the section was opened first. */
        public Source source() { return source; }

        public boolean isComponent() { return component; }

        /** A component's module ({@code "muc"}, {@code "client_proxy"}, ...), {@code "component"} for an external one. */
        public String module() { return module; }

        void module(String module) { this.module = module; }

        public Map<String, Option> options() { return Collections.unmodifiableMap(options); }

        public Option option(String key) { return options.get(key); }

        void set(String key, Object value, Source at) {
            if (value == null) options.remove(key);
            else options.put(key, new Option(key, value, at));
        }
    }

    private final Section global;
    private final Map<String, Section> hosts;
    private final Map<String, Section> components;

    ProsodyConfig(Section global, Map<String, Section> hosts, Map<String, Section> components) {
        this.global = global;
        this.hosts = Collections.unmodifiableMap(hosts);
        this.components = Collections.unmodifiableMap(components);
    }

    public Section global() { return global; }

    /** {@code VirtualHost} sections by name, in the order they were opened. */
    public Map<String, Section> hosts() { return hosts; }

    /** {@code Component} sections by name, in the order they were opened. */
    public Map<String, Section> components() { return components; }

    /**
     * An option as a host or component sees it: its own, else the global one (Prosody's inheritance), else null.
     */
    public Option effective(Section section, String key) {
        Option own = section.option(key);
        return own != null ? own : global.option(key);
    }
}
