package org.parley.it;

import static org.assertj.core.api.Assertions.fail;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import org.junit.jupiter.api.Assumptions;

/**
 * What the browser tests share: the npm project in {@code it-tests/browser} (drivers run with node there) and Debian's
 * Chromium. {@code .ci/run} installs both and sets {@code PARLEY_BROWSER_TESTS=required}, under which their absence
 * fails a browser test instead of skipping it.
 */
final class BrowserSetup {
    static final Path DIR = Path.of("browser").toAbsolutePath();
    static final Path NODE_MODULES = DIR.resolve("node_modules");
    static final Path CHROMIUM = Path.of(System.getenv().getOrDefault("CHROMIUM", "/usr/bin/chromium"));

    private BrowserSetup() {}

    /**
     * Checks that Chromium, playwright-core and {@code files} (paths under node_modules the test serves) are there;
     * when not, fails under {@code PARLEY_BROWSER_TESTS=required} and skips (aborts) the calling test class otherwise.
     */
    static void require(String test, Path... files) {
        List<String> missing = new ArrayList<>();
        boolean packages = Files.isDirectory(NODE_MODULES.resolve("playwright-core"));
        for (Path f : files) packages &= Files.isRegularFile(f);
        if (!packages) missing.add("npm packages (run `npm ci` in " + DIR + ")");
        if (!Files.isExecutable(CHROMIUM)) missing.add(CHROMIUM + " (apt-get install chromium)");
        if (missing.isEmpty()) return;
        String why = test + " needs " + String.join(" and ", missing) + "; .ci/run installs them";
        if ("required".equals(System.getenv("PARLEY_BROWSER_TESTS"))) fail(why);
        System.err.println(test + " skipped: " + why);
        Assumptions.abort(why);
    }

    /** Starts {@code node <args>} in the npm project's directory, with the Chromium to drive. */
    static Process node(String... args) throws IOException {
        List<String> command = new ArrayList<>();
        command.add("node");
        command.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(command).directory(DIR.toFile());
        pb.environment().putIfAbsent("CHROMIUM", CHROMIUM.toString());
        return pb.start();
    }

    /** A daemon thread handing each line of {@code in} to {@code line} until the stream ends. */
    static Thread pump(InputStream in, Consumer<String> line, String name) {
        Thread t = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
                for (String l; (l = r.readLine()) != null; ) line.accept(l);
            } catch (IOException ignored) {
                // the process ended
            }
        }, name);
        t.setDaemon(true);
        t.start();
        return t;
    }

    /** Stops a driver process and whatever it started (Chromium). */
    static void kill(Process p) throws InterruptedException {
        p.descendants().forEach(ProcessHandle::destroyForcibly);
        p.destroyForcibly();
        p.waitFor(5, java.util.concurrent.TimeUnit.SECONDS);
    }
}
