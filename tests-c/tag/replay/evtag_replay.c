/* The evtag_unmarshal fuzz corpus (fuzz/corpus/evtag_unmarshal) through libevent's C entry
   points, printing everything each call answers, so the output on our library can be
   compared with the output on Debian's (tests-c/probe/check_tag_corpus.sh). An input is
   read as the fuzz target reads it (tests/tag_fuzz.rs): byte 0 says how many script bytes
   follow (1..8), byte 1 where the payload is split into two evbuffer_add calls; each script
   byte's low nibble picks an evtag call, its high nibble a tag; the script loops until the
   buffer is empty or 64 steps are done. Outputs start from a marker value, so what a failing
   call writes is compared too. Not a tests-c case (it reads files named on its command line). */
#include <event2/event.h>
#include <event2/buffer.h>
#include <event2/tag.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

/* exported by libevent, though tag.h does not declare them */
int evtag_decode_int(ev_uint32_t *pnumber, struct evbuffer *evbuf);
int evtag_decode_int64(ev_uint64_t *pnumber, struct evbuffer *evbuf);
int evtag_decode_tag(ev_uint32_t *ptag, struct evbuffer *evbuf);

#define MARK 0xa5a5a5a5u

static void run(const unsigned char *d, size_t n)
{
    struct evbuffer *buf, *dst;
    size_t nscript, split, step;
    const unsigned char *script, *payload;
    size_t plen;
    if (n < 2) { printf(" -\n"); return; }
    nscript = (size_t)(d[0] % 8 + 1);
    if (nscript > n - 2) nscript = n - 2;
    if (nscript == 0) { printf(" -\n"); return; }
    script = d + 2;
    payload = d + 2 + nscript;
    plen = n - 2 - nscript;
    split = d[1] < plen ? d[1] : plen;
    buf = evbuffer_new();
    dst = evbuffer_new();
    evbuffer_add(buf, payload, split);
    evbuffer_add(buf, payload + split, plen - split);
    for (step = 0; step < 64 && evbuffer_get_length(buf) > 0; step++) {
        unsigned op = script[step % nscript] & 0xf;
        ev_uint32_t tag = script[step % nscript] >> 4, t = MARK, u = MARK, u2 = MARK;
        ev_uint64_t big = ((ev_uint64_t)MARK << 32) | MARK;
        int r = 0;
        printf(" %x:", op);
        switch (op) {
        case 0: r = evtag_peek(buf, &t); printf("%d,%x", r, t); break;
        case 1: case 13:
            r = evtag_peek_length(buf, &u);
            printf("%d,%x", r, u);
            r = evtag_payload_length(buf, &u2);
            printf(",%d,%x", r, u2);
            break;
        case 2: r = evtag_consume(buf); printf("%d", r); break;
        case 3: r = evtag_decode_int(&u, buf); printf("%d,%x", r, u); break;
        case 4: r = evtag_decode_int64(&big, buf); printf("%d,%llx", r, (unsigned long long)big); break;
        case 5: r = evtag_unmarshal_int(buf, tag, &u); printf("%d,%x", r, u); break;
        case 6: r = evtag_unmarshal_int64(buf, tag, &big); printf("%d,%llx", r, (unsigned long long)big); break;
        case 7:
            r = evtag_unmarshal(buf, &t, dst);
            printf("%d,%x,%zu", r, t, evbuffer_get_length(dst));
            evbuffer_drain(dst, evbuffer_get_length(dst));
            break;
        case 8: {
            unsigned char out[8];
            size_t len = tag % 9, i;
            memset(out, 0x5a, sizeof out);
            r = evtag_unmarshal_fixed(buf, tag, out, len);
            printf("%d,", r);
            for (i = 0; i < sizeof out; i++) printf("%02x", out[i]);
            break;
        }
        case 9: {
            char *s = (char *)1;
            r = evtag_unmarshal_string(buf, tag, &s);
            if (r == 0) { printf("%d,%zu", r, strlen(s)); free(s); }
            else printf("%d,%s", r, s == (char *)1 ? "untouched" : s == NULL ? "null" : "set");
            break;
        }
        case 10: {
            struct timeval tv;
            tv.tv_sec = MARK; tv.tv_usec = MARK;
            r = evtag_unmarshal_timeval(buf, tag, &tv);
            printf("%d,%lld,%lld", r, (long long)tv.tv_sec, (long long)tv.tv_usec);
            break;
        }
        case 11: r = evtag_unmarshal_header(buf, &t); printf("%d,%x", r, t); break;
        case 12: r = evtag_decode_tag(&t, buf); printf("%d,%x", r, t); break;
        default: evbuffer_drain(buf, 1); break;
        }
        printf(",%zu", evbuffer_get_length(buf));
    }
    printf("\n");
    evbuffer_free(buf);
    evbuffer_free(dst);
}

int main(int argc, char **argv)
{
    int i;
    evtag_init();
    for (i = 1; i < argc; i++) {
        FILE *f = fopen(argv[i], "rb");
        unsigned char data[1 << 16];
        size_t n;
        if (!f) { perror(argv[i]); return 1; }
        n = fread(data, 1, sizeof data, f);
        fclose(f);
        printf("%s", strrchr(argv[i], '/') ? strrchr(argv[i], '/') + 1 : argv[i]);
        run(data, n);
    }
    return 0;
}
