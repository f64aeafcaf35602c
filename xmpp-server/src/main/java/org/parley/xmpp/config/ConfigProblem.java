package org.parley.xmpp.config;

/** One thing wrong with the configuration, named by its key so the operator can find it. */
public record ConfigProblem(String key, String message) {
    @Override public String toString() { return key + ": " + message; }
}
