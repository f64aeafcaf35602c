package org.parley.bench.servers;

import java.util.List;
import org.parley.bench.load.Target;

/**
 * An XMPP server the comparison starts, loads and stops: Parley, Prosody or ejabberd, each as a child process with
 * its own config files and data under a temp directory, on free loopback ports, with the same domains
 * ({@code localhost} with accounts and in-band registration, {@code anon.localhost} anonymous,
 * {@code conference.localhost} MUC), the same certificate and rate limits off.
 */
public interface ServerUnderTest extends AutoCloseable {
    String name();

    /** The version string the server reports or its package carries. */
    String version();

    /** Writes the config, starts the process and waits until it accepts connections; throws if it does not. */
    void start() throws Exception;

    /** Where clients connect and which process to measure; valid after {@link #start}. */
    Target target();

    /** What the bench configured on this server beyond its defaults, one line each. */
    List<String> settings();

    /** Warning and error lines of its log, at most {@code max}. */
    List<String> logProblems(int max);

    /** The last lines of its log. */
    List<String> logTail(int lines);

    /** Stops every process it started, by process id; idempotent. */
    @Override
    void close();
}
