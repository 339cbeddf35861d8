/* dns server_dig: a real DNS client (dig, from bind9-dnsutils) asks an evdns server port on
   127.0.0.1 for A (two records), AAAA, a CNAME chain, PTR from an address, MX and TXT built
   with evdns_server_request_add_reply, an NXDOMAIN carrying an SOA in the authority section,
   an answer with AA set, and a REFUSED; dig's reading of the replies must be the one
   expected. dig runs in a child process; the server answers in the parent's loop. Skipped
   (passes) when dig is not installed; tests-c/deps.sh installs it. */
/* BACKENDS: epoll poll select */
#include <event2/event.h>
#include <event2/dns.h>
#include <event2/dns_struct.h>
#include <event2/util.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#define CHECK(c) do { if (!(c)) { fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #c); exit(1); } } while (0)

static struct event_base *base;
static char out[16384];
static size_t out_len;

static void server_cb(struct evdns_server_request *req, void *arg)
{
    const char *q = req->questions[0]->name;
    int type = req->questions[0]->type, err = 0;
    (void)arg;
    if (!strcasecmp(q, "www.example.com") && type == EVDNS_TYPE_A) {
        CHECK(evdns_server_request_add_a_reply(req, q, 1, "\xc0\x00\x02\x01", 300) == 0);
        CHECK(evdns_server_request_add_a_reply(req, q, 1, "\xc0\x00\x02\x02", 300) == 0);
    } else if (!strcasecmp(q, "www.example.com") && type == EVDNS_TYPE_AAAA) {
        struct in6_addr a;
        inet_pton(AF_INET6, "2001:db8::1", &a);
        CHECK(evdns_server_request_add_aaaa_reply(req, q, 1, &a, 600) == 0);
    } else if (!strcasecmp(q, "alias.example.com")) {
        CHECK(evdns_server_request_add_cname_reply(req, q, "www.example.com", 60) == 0);
        CHECK(evdns_server_request_add_a_reply(req, "www.example.com", 1, "\xc0\x00\x02\x01", 300) == 0);
    } else if (!strcasecmp(q, "1.2.0.192.in-addr.arpa")) {
        struct in_addr in;
        inet_pton(AF_INET, "192.0.2.1", &in);
        CHECK(evdns_server_request_add_ptr_reply(req, &in, NULL, "www.example.com", 3600) == 0);
    } else if (!strcasecmp(q, "example.com") && type == EVDNS_TYPE_MX) {
        static const char mx[] = "\0\x0a\4mail\7example\3com"; /* preference 10 */
        CHECK(evdns_server_request_add_reply(req, EVDNS_ANSWER_SECTION, q, EVDNS_TYPE_MX, EVDNS_CLASS_INET, 120,
                                             sizeof mx, 0, mx) == 0);
    } else if (!strcasecmp(q, "example.com") && type == EVDNS_TYPE_TXT) {
        CHECK(evdns_server_request_add_reply(req, EVDNS_ANSWER_SECTION, q, EVDNS_TYPE_TXT, EVDNS_CLASS_INET, 120, 12, 0,
                                             "\5hello\5world") == 0);
    } else if (!strcasecmp(q, "nx.example.com")) {
        static const char soa[] = "\3ns1\7example\3com\0\12hostmaster\7example\3com\0"
                                  "\0\0\0\1" "\0\0\x1c\x20" "\0\0\x0e\x10" "\0\x12\x75\0" "\0\0\x0e\x10";
        CHECK(evdns_server_request_add_reply(req, EVDNS_AUTHORITY_SECTION, "example.com", EVDNS_TYPE_SOA, EVDNS_CLASS_INET,
                                             42, sizeof soa - 1, 0, soa) == 0);
        err = DNS_ERR_NOTEXIST;
    } else if (!strcasecmp(q, "aa.example.com")) {
        evdns_server_request_set_flags(req, EVDNS_FLAGS_AA);
        CHECK(evdns_server_request_add_a_reply(req, q, 1, "\xc0\x00\x02\x03", 5) == 0);
    } else {
        err = DNS_ERR_REFUSED;
    }
    CHECK(evdns_server_request_respond(req, err) == 0);
}

static void on_output(evutil_socket_t fd, short what, void *arg)
{
    ssize_t n = read(fd, out + out_len, sizeof out - 1 - out_len);
    if (n <= 0) {
        event_base_loopexit(base, NULL);
        return;
    }
    out_len += (size_t)n;
}

static void on_timeout(evutil_socket_t fd, short what, void *arg)
{
    fprintf(stderr, "dig did not finish; output so far:\n%s\n", out);
    exit(1);
}

/* dig's lines, whitespace runs squeezed to one space, comment lines kept only for the
   header's status and flags. */
static void normalise(char *s)
{
    char *r = s, *w = s;
    int space = 0;
    for (; *r; r++) {
        if (*r == ' ' || *r == '\t') {
            space = 1;
            continue;
        }
        if (space && w > s && w[-1] != '\n')
            *w++ = ' ';
        space = 0;
        *w++ = *r;
    }
    *w = 0;
}

static const char *expected =
    "www.example.com. 300 IN A 192.0.2.1\n"
    "www.example.com. 300 IN A 192.0.2.2\n"
    "www.example.com. 600 IN AAAA 2001:db8::1\n"
    "alias.example.com. 60 IN CNAME www.example.com.\n"
    "www.example.com. 300 IN A 192.0.2.1\n"
    "1.2.0.192.in-addr.arpa. 3600 IN PTR www.example.com.\n"
    "example.com. 120 IN MX 10 mail.example.com.\n"
    "example.com. 120 IN TXT \"hello\" \"world\"\n"
    "status: NXDOMAIN flags: qr\n"
    "example.com. 42 IN SOA ns1.example.com. hostmaster.example.com. 1 7200 3600 1209600 3600\n"
    "status: NOERROR flags: qr aa\n"
    "aa.example.com. 5 IN A 192.0.2.3\n"
    "status: REFUSED flags: qr\n";

int main(void)
{
    struct sockaddr_in sin;
    socklen_t sl = sizeof sin;
    int srv, pipefd[2], status;
    char port_s[16], *line, *save, result[16384];
    size_t rn = 0;
    pid_t child;
    struct evdns_server_port *port;
    struct event *rd, *to;
    struct timeval limit = {20, 0};

    if (system("command -v dig >/dev/null 2>&1") != 0) {
        printf("dig is not installed: skipped\n");
        return 0;
    }
    base = event_base_new();
    srv = socket(AF_INET, SOCK_DGRAM, 0);
    CHECK(srv >= 0 && evutil_make_socket_nonblocking(srv) == 0);
    memset(&sin, 0, sizeof sin);
    sin.sin_family = AF_INET;
    sin.sin_addr.s_addr = htonl(0x7f000001);
    CHECK(bind(srv, (struct sockaddr *)&sin, sizeof sin) == 0);
    CHECK(getsockname(srv, (struct sockaddr *)&sin, &sl) == 0);
    port = evdns_add_server_port_with_base(base, srv, 0, server_cb, NULL);
    CHECK(port);
    snprintf(port_s, sizeof port_s, "%d", ntohs(sin.sin_port));

    CHECK(pipe(pipefd) == 0);
    child = fork();
    CHECK(child >= 0);
    if (child == 0) {
        dup2(pipefd[1], 1);
        close(pipefd[0]);
        close(pipefd[1]);
        execlp("dig", "dig", "@127.0.0.1", "-p", port_s, "+tries=1", "+time=5", "+norecurse", "+noedns", "+nocookie",
               "+noall", "+answer",
               "www.example.com", "A", "www.example.com", "AAAA", "alias.example.com", "A", "-x", "192.0.2.1",
               "example.com", "MX", "example.com", "TXT",
               "nx.example.com", "A", "+comments", "+authority",
               "aa.example.com", "A", "+comments",
               "nothing.example.org", "A", "+comments",
               (char *)NULL);
        _exit(127);
    }
    close(pipefd[1]);
    rd = event_new(base, pipefd[0], EV_READ | EV_PERSIST, on_output, NULL);
    to = evtimer_new(base, on_timeout, NULL);
    event_add(rd, NULL);
    event_add(to, &limit);
    event_base_dispatch(base);
    CHECK(waitpid(child, &status, 0) == child);
    out[out_len] = 0;

    /* keep the records and, from the header comments, the status and the flags */
    result[0] = 0;
    for (line = strtok_r(out, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        char *st = strstr(line, "status: "), *fl = strstr(line, ";; flags: ");
        if (st) {
            char *comma = strchr(st, ',');
            rn += snprintf(result + rn, sizeof result - rn, "%.*s", (int)(comma - st), st);
        } else if (fl) {
            char *semi = strchr(fl + 3, ';');
            rn += snprintf(result + rn, sizeof result - rn, " flags: %.*s\n", (int)(semi - fl - 10), fl + 10);
        } else if (line[0] != ';' && line[0]) {
            rn += snprintf(result + rn, sizeof result - rn, "%s\n", line);
        }
    }
    normalise(result);
    if (strcmp(result, expected)) {
        fprintf(stderr, "dig read:\n%s\nexpected:\n%s", result, expected);
        return 1;
    }
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    event_free(rd);
    event_free(to);
    evdns_close_server_port(port);
    event_base_free(base);
    return 0;
}
