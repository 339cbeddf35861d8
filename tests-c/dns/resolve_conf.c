/* dns resolve_conf: evdns_base_resolv_conf_parse's answers and what it configures, as
   2.1.12 does: a missing file (or NULL) is 1 and means a local resolver (127.0.0.1:53,
   unless DNS_OPTION_NAMESERVERS_NO_DEFAULT or without DNS_OPTION_NAMESERVERS); an
   unreadable one (a directory) is 2; a file without a usable name server is 6 and gets
   127.0.0.1 too; "nameserver" lines take ADDR, ADDR:PORT, [V6]:PORT, skip what does not
   parse (a '\r' at the end does not), ignore extra fields; lines starting with '#' or ';'
   are not directives; "options timeout: attempts:" take effect with DNS_OPTION_MISC only;
   evdns_base_new with EVDNS_BASE_INITIALIZE_NAMESERVERS reads /etc/resolv.conf. */
/* BACKENDS: epoll */
#include "resolve_fake_ns.h"
#include <event2/dns.h>
#include <sys/stat.h>

static struct event_base *base;

static const char *ns_list(struct evdns_base *d)
{
    static char out[512];
    int i;
    out[0] = 0;
    for (i = 0; i < 10; i++) {
        struct sockaddr_storage ss;
        char b[64];
        size_t n = strlen(out);
        if (evdns_base_get_nameserver_addr(d, i, (struct sockaddr *)&ss, sizeof(ss)) < 0) break;
        if (ss.ss_family == AF_INET)
            inet_ntop(AF_INET, &((struct sockaddr_in *)&ss)->sin_addr, b, sizeof(b));
        else
            inet_ntop(AF_INET6, &((struct sockaddr_in6 *)&ss)->sin6_addr, b, sizeof(b));
        snprintf(out + n, sizeof(out) - n, "%s%s:%d", n ? " " : "", b, ntohs(((struct sockaddr_in *)&ss)->sin_port));
    }
    return out;
}

static int parse_text(struct evdns_base *d, const char *text, int flags)
{
    char path[] = "/tmp/levent-resolvconf-XXXXXX";
    int fd = mkstemp(path), r;
    CHECK(fd >= 0);
    CHECK(write(fd, text, strlen(text)) == (ssize_t)strlen(text));
    close(fd);
    r = evdns_base_resolv_conf_parse(d, flags, path);
    unlink(path);
    return r;
}

static int drop_all(struct fake_ns *ns, const struct fake_query *q, struct pkt *o, void *arg)
{
    (void)ns; (void)q; (void)o; (void)arg;
    return 0;
}

int main(void)
{
    struct evdns_base *d;
    char dir[] = "/tmp/levent-resolvdir-XXXXXX";
    alarm(30);
    base = event_base_new();

    d = evdns_base_new(base, 0);
    CHECK_EQ(evdns_base_resolv_conf_parse(d, DNS_OPTIONS_ALL, "/nonexistent/resolv.conf"), 1);
    CHECK_STR(ns_list(d), "127.0.0.1:53");
    evdns_base_free(d, 0);
    d = evdns_base_new(base, 0);
    CHECK_EQ(evdns_base_resolv_conf_parse(d, DNS_OPTIONS_ALL | DNS_OPTION_NAMESERVERS_NO_DEFAULT, "/nonexistent"), 1);
    CHECK_EQ(evdns_base_count_nameservers(d), 0);
    CHECK_EQ(evdns_base_resolv_conf_parse(d, DNS_OPTION_SEARCH | DNS_OPTION_MISC, "/nonexistent"), 1);
    CHECK_EQ(evdns_base_count_nameservers(d), 0);
    CHECK_EQ(evdns_base_resolv_conf_parse(d, DNS_OPTION_NAMESERVERS, NULL), 1);
    CHECK_STR(ns_list(d), "127.0.0.1:53");
    evdns_base_free(d, 0);

    CHECK(mkdtemp(dir));
    d = evdns_base_new(base, 0);
    CHECK_EQ(evdns_base_resolv_conf_parse(d, DNS_OPTIONS_ALL, dir), 2);
    CHECK_EQ(evdns_base_count_nameservers(d), 0);
    rmdir(dir);
    CHECK_EQ(parse_text(d, "", DNS_OPTION_MISC), 0);
    CHECK_EQ(evdns_base_count_nameservers(d), 0);
    CHECK_EQ(parse_text(d, "# nothing\n", DNS_OPTIONS_ALL | DNS_OPTION_NAMESERVERS_NO_DEFAULT), 0);
    CHECK_EQ(evdns_base_count_nameservers(d), 0);
    CHECK_EQ(parse_text(d, "nameserver 10.0.0.5\r\n", DNS_OPTIONS_ALL), 6);
    CHECK_STR(ns_list(d), "127.0.0.1:53");
    evdns_base_free(d, 0);

    d = evdns_base_new(base, 0);
    CHECK_EQ(parse_text(d,
                 "nameserver bad\nnameserver 10.0.0.1:99\nnameserver [::1]:5353\n#nameserver 10.0.0.9\n"
                 ";nameserver 10.0.0.8\n  nameserver\t10.0.0.3  # c\nnameserver 10.0.0.4 extra\nnameserver\n"
                 "nameserver 10.0.0.1:99\n",
                 DNS_OPTIONS_ALL),
        0);
    CHECK_STR(ns_list(d), "10.0.0.1:99 10.0.0.4:53 10.0.0.3:53 ::1:5353");
    evdns_base_free(d, 0);
    d = evdns_base_new(base, 0);
    CHECK_EQ(parse_text(d, "nameserver 10.0.0.1\n", DNS_OPTION_SEARCH), 0);
    CHECK_EQ(evdns_base_count_nameservers(d), 0);
    evdns_base_free(d, 0);

    /* options take effect with DNS_OPTION_MISC only */
    {
        struct fake_ns *ns = fake_ns_start(base, "127.0.0.1", drop_all, NULL);
        char text[256];
        struct answer a;
        int flags;
        for (flags = 0; flags < 2; flags++) {
            d = evdns_base_new(base, 0);
            snprintf(text, sizeof(text), "nameserver 127.0.0.1:%d\noptions timeout:0.1 attempts:2 bogus:7\n", ns->port);
            CHECK_EQ(parse_text(d, text, flags ? DNS_OPTIONS_ALL : DNS_OPTION_NAMESERVERS), 0);
            if (!flags) {
                /* without MISC the defaults stay (5 s timeout): set them by hand to check */
                CHECK_EQ(evdns_base_set_option(d, "timeout", "0.1"), 0);
                CHECK_EQ(evdns_base_set_option(d, "attempts", "4"), 0);
            }
            memset(&a, 0, sizeof(a));
            ns->n_queries = 0;
            answers_pending = 1;
            CHECK(evdns_base_resolve_ipv4(d, "x.example", 0, answer_cb, &a));
            run_until_answered(base, 5);
            CHECK_EQ(a.result, DNS_ERR_TIMEOUT);
            CHECK_EQ(ns->n_queries, flags ? 2 : 4);
            evdns_base_free(d, 0);
        }
        fake_ns_stop(ns);
    }

    /* the system's resolv.conf: when the base is made, it lists at least one server */
    d = evdns_base_new(base, EVDNS_BASE_INITIALIZE_NAMESERVERS);
    if (d) {
        CHECK(evdns_base_count_nameservers(d) >= 1);
        evdns_base_free(d, 0);
    }

    event_base_free(base);
    printf("ok\n");
    return 0;
}
