/* CVE-2026-63382 (Debian's libevent 2.1.12-stable-8+deb12u1: "http: Tighten acceptable headers
   to prevent request smuggling"): Transfer-Encoding together with Content-Length, "chunked"
   before another coding, or any Transfer-Encoding header after one ending in "chunked" fail
   the message: a server answers 400 and closes without running the request (or the one
   smuggled behind it), a client fails the request (EVREQ_HTTP_INVALID_HEADER, callback gets
   NULL). "chunked" as the last coding ("gzip, chunked", or a later header) is a chunked body;
   a Transfer-Encoding without chunked is not. The exported checkers are in
   transfer_encoding.c; the full table in hostile_server.c and hostile_client.c. */
/* BACKENDS: epoll poll select */
#include "raw_exchange.h"

int main(void)
{
    base = event_base_new();
    CHECK(base);
    /* server */
    EXPECT(exchange("POST /a HTTP/1.1\r\nTransfer-Encoding: chunked\r\nContent-Length: 4\r\n\r\n"
                    "0\r\n\r\nGET /smuggled HTTP/1.1\r\n\r\n"), "400 closed");
    EXPECT(seen, "");
    EXPECT(exchange("POST /a HTTP/1.1\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n"
                    "0\r\n\r\nGET /smuggled HTTP/1.1\r\n\r\n"), "400 closed");
    EXPECT(exchange("POST /a HTTP/1.1\r\nContent-Length: 5\r\nTransfer-Encoding: gzip\r\n\r\nhello"), "400 closed");
    EXPECT(exchange("POST /a HTTP/1.1\r\nTransfer-Encoding: chunked, gzip\r\n\r\n0\r\n\r\n"), "400 closed");
    EXPECT(exchange("POST /a HTTP/1.1\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"), "400 closed");
    EXPECT(exchange("POST /a HTTP/1.1\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: gzip\r\n\r\n0\r\n\r\n"), "400 closed");
    EXPECT(exchange("POST /a HTTP/1.1\r\nTransfer-Encoding: chunked,\r\n\r\n0\r\n\r\n"), "400 closed");
    EXPECT(seen, "");
    EXPECT(exchange("POST /a HTTP/1.1\r\nTransfer-Encoding: gzip, chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n"
                    "GET /b HTTP/1.1\r\n\r\n"), "200,200 open");
    EXPECT(seen, "/a body=5 hdrs=[Transfer-Encoding;] /b body=0 hdrs=[] ");
    EXPECT(exchange("POST /a HTTP/1.1\r\nTransfer-Encoding: gzip\r\nTransfer-Encoding: CHUNKED\r\n\r\n5\r\nhello\r\n0\r\n\r\n"),
           "200 open");
    EXPECT(seen, "/a body=5 hdrs=[Transfer-Encoding;Transfer-Encoding;] ");
    /* no chunked: no body for a request without a length; the rest is the next "request" */
    EXPECT(exchange("POST /a HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n5\r\nhello\r\n0\r\n\r\n"), "200,400 closed");
    EXPECT(seen, "/a body=0 hdrs=[Transfer-Encoding;] ");

    /* client */
    EXPECT(fetch("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Length: 2\r\n\r\n2\r\nok\r\n0\r\n\r\n"), "error=2 NULL");
    EXPECT(fetch("HTTP/1.1 200 OK\r\nContent-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\n\r\n"), "error=2 NULL");
    EXPECT(fetch("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked, gzip\r\n\r\n2\r\nok\r\n0\r\n\r\n"), "error=2 NULL");
    EXPECT(fetch("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\n\r\n"), "error=2 NULL");
    EXPECT(fetch("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n2\r\nok\r\n0\r\n\r\n"),
           "code=200 body=2 hdrs=[Transfer-Encoding;]");
    event_base_free(base);
    printf("ok\n");
    return 0;
}
