package org.parley.http;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class HttpRouterTest {
    @Test
    void pathIgnoresQueryFragmentAndTrailingSlash() {
        assertThat(HttpRouter.path("/http-bind")).isEqualTo("/http-bind");
        assertThat(HttpRouter.path("/xmpp-websocket?room=lobby&x=1")).isEqualTo("/xmpp-websocket");
        assertThat(HttpRouter.path("/http-bind/")).isEqualTo("/http-bind");
        assertThat(HttpRouter.path("/http-bind#x")).isEqualTo("/http-bind");
        assertThat(HttpRouter.path("http://meet.example:5280/http-bind?x")).isEqualTo("/http-bind");
        assertThat(HttpRouter.path("/")).isEqualTo("/");
    }
}
