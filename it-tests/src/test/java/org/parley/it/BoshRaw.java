package org.parley.it;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** BOSH requests written by hand, for what a real client never sends: bad rids, unknown sids, floods. */
public final class BoshRaw {
    public static final String NS = "http://jabber.org/protocol/httpbind";
    private static final Pattern SID = Pattern.compile("sid='([^']+)'");

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
    private final URI uri;
    private String sid;
    private long rid;

    public BoshRaw() {
        this("/http-bind");
    }

    public BoshRaw(String path) {
        this(URI.create("http://127.0.0.1:" + ParleyServer.get().httpPort() + path));
    }

    /** BOSH at any URI, e.g. a server of a test's own or with a {@code ?token=}. */
    public BoshRaw(URI uri) {
        this.uri = uri;
    }

    public URI uri() { return uri; }

    public HttpClient http() { return http; }

    /** Creates a session (hold 1, the given wait) and returns the creation response body. */
    public String create(int waitSeconds) throws Exception {
        return create(waitSeconds, "localhost");
    }

    /** Creates a session with the virtual host {@code to}. */
    public String create(int waitSeconds, String to) throws Exception {
        rid = 1_000_000 + (long) (Math.random() * 1_000_000_000L);
        String answer = post("<body xmlns='" + NS + "' xmlns:xmpp='urn:xmpp:xbosh' rid='" + rid + "' to='" + to + "'"
                + " xml:lang='en' wait='" + waitSeconds + "' hold='1' ver='1.11' xmpp:version='1.0'/>").body();
        Matcher m = SID.matcher(answer);
        if (!m.find()) throw new AssertionError("no sid in " + answer);
        sid = m.group(1);
        return answer;
    }

    public String sid() { return sid; }

    /** The rid of the last request made with {@link #next}, or of the creation request. */
    public long rid() { return rid; }

    /** A request of this session with rid {@code rid}, carrying {@code payload}. */
    public String body(long rid, String payload) {
        return "<body xmlns='" + NS + "' rid='" + rid + "' sid='" + sid + "'" + (payload.isEmpty() ? "/>" : ">" + payload + "</body>");
    }

    /** The next request in sequence, sent now and answered asynchronously. */
    public CompletableFuture<HttpResponse<String>> next(String payload) {
        return postAsync(body(++rid, payload));
    }

    public HttpResponse<String> post(String xml) throws Exception {
        return http.send(request(xml), HttpResponse.BodyHandlers.ofString());
    }

    public CompletableFuture<HttpResponse<String>> postAsync(String xml) {
        return http.sendAsync(request(xml), HttpResponse.BodyHandlers.ofString());
    }

    private HttpRequest request(String xml) {
        return HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(30))
                .header("Content-Type", "text/xml; charset=utf-8")
                .POST(HttpRequest.BodyPublishers.ofString(xml)).build();
    }
}
