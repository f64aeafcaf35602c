package org.parley.bench;

import java.util.List;

/**
 * The JVM options Parley's launchers ({@code bin/parley}, the Debian package's {@code parley}, the container image)
 * give every server beyond its heap, so that a benchmark's server runs as an operator's does. Keep in step with them.
 */
public final class LauncherOptions {
    private LauncherOptions() {}

    /** The statistics sampler once a second instead of every 50 ms (why: {@code bin/parley}). */
    public static final List<String> JVM = List.of("-XX:PerfDataSamplingInterval=1000");
}
