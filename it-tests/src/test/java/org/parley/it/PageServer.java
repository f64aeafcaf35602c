package org.parley.it;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * Serves a fixed set of files to the browser on a free loopback port, so the test page has an http:// origin
 * of its own (different from the server's HTTP port, as for a real web app: BOSH is then cross-origin).
 */
final class PageServer implements AutoCloseable {
    private final HttpServer http;

    /** {@code files} maps a URL path such as {@code /page.html} to the file served there. */
    PageServer(Map<String, Path> files) throws IOException {
        http = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 16);
        http.createContext("/", exchange -> {
            try (exchange) {
                Path file = files.get(exchange.getRequestURI().getPath());
                if (file == null || !"GET".equals(exchange.getRequestMethod())) {
                    exchange.sendResponseHeaders(404, -1);
                    return;
                }
                send(exchange, file);
            }
        });
        http.start();
    }

    private static void send(HttpExchange exchange, Path file) throws IOException {
        byte[] body = Files.readAllBytes(file);
        String name = file.getFileName().toString();
        String type = name.endsWith(".html") ? "text/html; charset=utf-8"
                : name.endsWith(".js") ? "text/javascript; charset=utf-8" : "application/octet-stream";
        exchange.getResponseHeaders().set("Content-Type", type);
        exchange.getResponseHeaders().set("Cache-Control", "no-store");
        exchange.sendResponseHeaders(200, body.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(body);
        }
    }

    String url(String path) {
        return "http://127.0.0.1:" + http.getAddress().getPort() + path;
    }

    @Override
    public void close() {
        http.stop(0);
    }
}
