package org.parley.it;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/**
 * One run of an outside program (a script driving a third-party client): its output lines (stdout and stderr
 * merged, echoed to the test log) and exit code. Killed, with everything it started, when it overruns.
 */
record ChildScript(int exitCode, List<String> lines) {

    /** {@code name} labels its lines in the test log. */
    static ChildScript run(String name, Path dir, long timeoutSeconds, String... command) throws Exception {
        Process p = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
        List<String> lines = new CopyOnWriteArrayList<>();
        Thread pump = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line; (line = r.readLine()) != null; ) {
                    lines.add(line);
                    System.out.println("[" + name + "] " + line);
                }
            } catch (IOException ignored) {
                // the process ended
            }
        }, name + " output");
        pump.setDaemon(true);
        pump.start();
        try {
            if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                lines.add("(killed after " + timeoutSeconds + " s)");
                return new ChildScript(-1, lines);
            }
        } finally {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
            p.waitFor(5, TimeUnit.SECONDS);
            pump.join(5000);
        }
        return new ChildScript(p.exitValue(), lines);
    }

    /** The text after "RESULT " of the first such line. */
    String result() {
        return lines.stream().filter(l -> l.startsWith("RESULT ")).findFirst().map(l -> l.substring(7))
                .orElseThrow(() -> new AssertionError("no RESULT line; output:\n" + output()));
    }

    String output() {
        return String.join("\n", lines);
    }
}
