package org.parley.it;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import org.parley.http.admin.Json;

/**
 * lib-jitsi-meet participants in one headless Chromium: {@code browser/jitsi-drive.mjs} run by node, one
 * {@code jitsi.html} page (served by a {@link PageServer}) per {@link Participant}. Each command is a JSON line to
 * the driver, each answer a JSON line back; the driver's stderr (page warnings and errors) is printed.
 */
final class JitsiBrowser implements AutoCloseable {
    static final Path LIB_JITSI_MEET = BrowserSetup.NODE_MODULES.resolve("@lyno/lib-jitsi-meet/lib-jitsi-meet.min.js");
    /** The jQuery that build takes from the page (a global, as its dependency's version). */
    static final Path JQUERY = BrowserSetup.NODE_MODULES.resolve("jquery/dist/jquery.min.js");
    private static final Duration COMMAND_TIMEOUT = Duration.ofSeconds(30);

    private final Process node;
    private final OutputStream stdin;
    private final PageServer pages;
    private final AtomicLong ids = new AtomicLong();
    private final Map<Long, CompletableFuture<Map<String, Object>>> waiting = new ConcurrentHashMap<>();
    private final CompletableFuture<Void> ended = new CompletableFuture<>();

    private JitsiBrowser(Process node, PageServer pages) {
        this.node = node;
        this.stdin = node.getOutputStream();
        this.pages = pages;
    }

    /** Skips or fails as {@link BrowserSetup#require} when the packages or Chromium are missing. */
    static JitsiBrowser start(String test) throws Exception {
        BrowserSetup.require(test, LIB_JITSI_MEET, JQUERY);
        PageServer pages = new PageServer(Map.of(
                "/jitsi.html", BrowserSetup.DIR.resolve("jitsi.html"),
                "/jitsi-page.js", BrowserSetup.DIR.resolve("jitsi-page.js"),
                "/lib-jitsi-meet.min.js", LIB_JITSI_MEET,
                "/jquery.min.js", JQUERY));
        JitsiBrowser b;
        try {
            b = new JitsiBrowser(BrowserSetup.node("jitsi-drive.mjs"), pages);
        } catch (IOException | RuntimeException e) {
            pages.close();
            throw e;
        }
        CompletableFuture<Map<String, Object>> ready = new CompletableFuture<>();
        b.waiting.put(0L, ready);
        b.node.onExit().thenRun(() -> b.ended.complete(null));
        BrowserSetup.pump(b.node.getInputStream(), b::answer, "jitsi-drive.mjs stdout");
        BrowserSetup.pump(b.node.getErrorStream(), l -> System.out.println("[jitsi-drive.mjs] " + l), "jitsi-drive.mjs stderr");
        try {
            b.result(ready, "chromium start", Duration.ofSeconds(30));
        } catch (Exception | AssertionError e) {
            b.close();
            throw e;
        }
        return b;
    }

    private void answer(String line) {
        Map<String, Object> reply;
        try {
            reply = Json.parseObject(line);
        } catch (Json.Malformed e) {
            System.out.println("[jitsi-drive.mjs] " + line);
            return;
        }
        Object id = reply.get("id");
        CompletableFuture<Map<String, Object>> f = id instanceof Long l ? waiting.remove(l) : null;
        if (f != null) f.complete(reply);
        else System.out.println("[jitsi-drive.mjs] unexpected answer " + line);
    }

    private Object send(Map<String, Object> command, Duration timeout) throws Exception {
        long id = ids.incrementAndGet();
        Map<String, Object> cmd = new LinkedHashMap<>();
        cmd.put("id", id);
        cmd.putAll(command);
        // Kept here: the answer may come (and leave the map) before this thread waits for it.
        CompletableFuture<Map<String, Object>> answer = new CompletableFuture<>();
        waiting.put(id, answer);
        synchronized (stdin) {
            stdin.write((Json.write(cmd) + "\n").getBytes(StandardCharsets.UTF_8));
            stdin.flush();
        }
        long start = System.nanoTime();
        try {
            return result(answer, Json.write(command), timeout);
        } finally {
            System.out.printf("[jitsi] %s %s %s: %d ms%n", command.get("page"), command.get("op"),
                    command.getOrDefault("fn", command.getOrDefault("expr", "")), (System.nanoTime() - start) / 1_000_000);
        }
    }

    private Object result(CompletableFuture<Map<String, Object>> f, String what, Duration timeout) throws Exception {
        Map<String, Object> reply;
        try {
            reply = CompletableFuture.anyOf(f, ended).get(timeout.toMillis(), TimeUnit.MILLISECONDS) instanceof Map<?, ?> m
                    ? cast(m) : null;
        } catch (TimeoutException e) {
            throw new AssertionError("no answer from the browser in " + timeout + " to " + what);
        } catch (ExecutionException e) {
            throw new AssertionError("browser driver: " + e.getCause().getMessage());
        }
        if (reply == null) throw new AssertionError("the browser driver ended (exit " + node.exitValue() + ") before answering " + what);
        if (!Boolean.TRUE.equals(reply.get("ok"))) throw new BrowserError(what, String.valueOf(reply.get("error")));
        return reply.get("value");
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> cast(Map<?, ?> m) {
        return (Map<String, Object>) m;
    }

    /** A failure inside the page (a rejected promise, a thrown error, a wait that timed out). */
    static final class BrowserError extends AssertionError {
        final String error;

        BrowserError(String what, String error) {
            super(what + " failed in the browser: " + error);
            this.error = error;
        }
    }

    /** Opens a participant's page (a browser context of its own). */
    Participant open(String name) throws Exception {
        send(Map.of("page", name, "op", "open", "url", pages.url("/jitsi.html")), COMMAND_TIMEOUT);
        return new Participant(name);
    }

    /** One page: a Jitsi Meet participant. */
    final class Participant implements AutoCloseable {
        final String name;
        private boolean closed;

        private Participant(String name) {
            this.name = name;
        }

        /** {@code await window.meet[fn](...args)}; arguments and value as JSON (maps, lists, strings, Long, ...). */
        Object call(String fn, Object... args) throws Exception {
            return send(Map.of("page", name, "op", "call", "fn", fn, "args", Arrays.asList(args)), COMMAND_TIMEOUT);
        }

        /** The value of a JS expression in the page, where {@code meet} is window.meet (promises are awaited). */
        Object eval(String expr) throws Exception {
            return send(Map.of("page", name, "op", "eval", "expr", expr), COMMAND_TIMEOUT);
        }

        /** Waits until the expression is truthy; fails with the page's events and XMPP traffic when it does not get so. */
        Object waitFor(String expr, Duration timeout) throws Exception {
            try {
                return send(Map.of("page", name, "op", "wait", "expr", expr, "timeoutMs", timeout.toMillis()),
                        timeout.plusSeconds(5));
            } catch (BrowserError e) {
                throw new AssertionError(name + ": " + e.getMessage() + "\n" + report(), e);
            }
        }

        Object waitFor(String expr) throws Exception {
            return waitFor(expr, Duration.ofSeconds(15));
        }

        /** What the page saw, for a failure message: its conference events, errors and the end of its XMPP traffic. */
        String report() {
            try {
                return "events of " + name + ": " + Json.write(eval("meet.events.map(e => e.t + ' ' + e.type + ' ' + JSON.stringify(e.args))"))
                        + "\nerrors: " + Json.write(eval("meet.errors"))
                        + "\ntraffic of " + name + ":\n" + String.join("\n", strings(eval("meet.traffic.slice(-150)")));
            } catch (Exception | AssertionError e) {
                return "(no report from " + name + ": " + e.getMessage() + ")";
            }
        }

        @Override
        public void close() throws Exception {
            if (closed) return;
            closed = true;
            try {
                send(Map.of("page", name, "op", "eval", "expr", "meet.leave().catch(() => null)"), Duration.ofSeconds(10));
            } finally {
                send(Map.of("page", name, "op", "close"), Duration.ofSeconds(10));
            }
        }
    }

    static List<String> strings(Object jsonList) {
        List<String> out = new ArrayList<>();
        if (jsonList instanceof List<?> l) for (Object o : l) out.add(String.valueOf(o));
        return out;
    }

    @Override
    public void close() throws Exception {
        try {
            stdin.close();
            if (!node.waitFor(20, TimeUnit.SECONDS)) BrowserSetup.kill(node);
        } finally {
            if (node.isAlive()) BrowserSetup.kill(node);
            pages.close();
            ended.complete(null);
        }
    }
}
