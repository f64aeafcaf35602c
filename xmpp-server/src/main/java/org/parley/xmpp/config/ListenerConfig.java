package org.parley.xmpp.config;

/** A TCP listener; port 0 binds a free port (tests). */
public record ListenerConfig(boolean enabled, String bind, int port) {}
