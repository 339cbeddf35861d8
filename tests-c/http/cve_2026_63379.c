/* CVE-2026-63379 (Debian's libevent 2.1.12-stable-8+deb12u1: "http: Discard trailers"): the
   trailer fields after a chunked body are read and thrown away, never added to the message's
   headers (where a later Content-Length, Transfer-Encoding or Host could be taken for the real
   one), on a server and on a client; the body and the next request on the connection are
   unaffected; a malformed trailer still fails the message as "too long" (413 on a server,
   EVREQ_HTTP_DATA_TOO_LONG on a client), as does one with a CR. */
/* BACKENDS: epoll poll select */
#include "raw_exchange.h"

int main(void)
{
    base = event_base_new();
    CHECK(base);
    /* server: trailers gone, the pipelined request after them served */
    EXPECT(exchange("POST /a HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n"
                    "Content-Length: 999\r\nTransfer-Encoding: gzip\r\nHost: evil\r\nX-T: 1\r\n\r\n"
                    "GET /b HTTP/1.1\r\n\r\n"), "200,200 open");
    EXPECT(seen, "/a body=5 hdrs=[Transfer-Encoding;] /b body=0 hdrs=[] ");
    EXPECT(exchange("POST /a HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nX-T: 1\r\n\r\n"), "200 open");
    EXPECT(seen, "/a body=0 hdrs=[Transfer-Encoding;] ");
    /* malformed trailers: 413, nothing served */
    EXPECT(exchange("POST /a HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\nno colon\r\n\r\n"), "413 closed");
    EXPECT(exchange("POST /a HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\nX-T: a\rb\r\n\r\n"), "413 closed");
    EXPECT(seen, "");

    /* client: the response's trailers are not among its headers */
    EXPECT(fetch("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\n"
                 "Content-Length: 999\r\nX-T: 1\r\n\r\n"), "code=200 body=2 hdrs=[Transfer-Encoding;]");
    EXPECT(fetch("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\nbad trailer\r\n\r\n"), "error=5 NULL");
    EXPECT(fetch("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\nX: a\rb\r\n\r\n"), "error=5 NULL");
    event_base_free(base);
    printf("ok\n");
    return 0;
}
