/* readln: evbuffer_readln with every end-of-line style (ANY, CRLF, CRLF_STRICT, LF, NUL):
   what counts as a terminator, how much is drained, n_read_out, empty lines, lines split
   across chains, and a last line without a terminator staying in the buffer (NULL). Also the
   compat evbuffer_readline (style ANY) and evbuffer_find. */
/* BACKENDS: epoll */
#include <event2/buffer.h>
#include <event2/buffer_compat.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CHECK(c) do { if (!(c)) { fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #c); exit(1); } } while (0)
#define CHECK_EQ(a, b) do { long long a_ = (long long)(a), b_ = (long long)(b); if (a_ != b_) { \
    fprintf(stderr, "%s:%d: check failed: %s == %s (%lld != %lld)\n", __FILE__, __LINE__, #a, #b, a_, b_); exit(1); } } while (0)

/* Read one line with `style`; it must be `want` (NULL: no line), and `left` bytes remain. */
static void line(int lineno, struct evbuffer *b, enum evbuffer_eol_style style, const char *want, size_t wantlen, size_t left)
{
    size_t n = 12345;
    char *s = evbuffer_readln(b, &n, style);
    if (!want) {
        if (s) { fprintf(stderr, "line %d: expected no line, got '%s'\n", lineno, s); exit(1); }
        CHECK_EQ(n, 0); /* set to 0 when there is no line */
    } else {
        if (!s) { fprintf(stderr, "line %d: expected a line\n", lineno); exit(1); }
        if (n != wantlen || memcmp(s, want, wantlen) != 0 || s[n] != '\0') {
            fprintf(stderr, "line %d: got %zu bytes '%s', want %zu\n", lineno, n, s, wantlen);
            exit(1);
        }
        free(s);
    }
    if (evbuffer_get_length(b) != left) {
        fprintf(stderr, "line %d: %zu left, want %zu\n", lineno, evbuffer_get_length(b), left);
        exit(1);
    }
}
#define ADDS(b, lit) CHECK_EQ(evbuffer_add(b, lit, sizeof(lit) - 1), 0)
#define LINE(b, st, w, left) line(__LINE__, b, st, w, (w) ? strlen(w) : 0, left)

static void noop_cleanup(const void *d, size_t l, void *a) { (void)d; (void)l; (void)a; }
/* A chain of its own for each piece, so terminators can straddle chains. */
static void addref(struct evbuffer *b, const char *s)
{
    CHECK_EQ(evbuffer_add_reference(b, s, strlen(s), noop_cleanup, NULL), 0);
}

int main(void)
{
    struct evbuffer *b = evbuffer_new();

    /* ANY: any run of CR and LF ends the line and is drained whole. */
    ADDS(b, "one\r\n\r\ntwo\nthree\rfour\n\n\r\rfive");
    LINE(b, EVBUFFER_EOL_ANY, "one", 22);
    LINE(b, EVBUFFER_EOL_ANY, "two", 18);
    LINE(b, EVBUFFER_EOL_ANY, "three", 12);
    LINE(b, EVBUFFER_EOL_ANY, "four", 4);
    LINE(b, EVBUFFER_EOL_ANY, NULL, 4); /* "five" has no terminator yet */
    ADDS(b, "\r");
    LINE(b, EVBUFFER_EOL_ANY, "five", 0);
    LINE(b, EVBUFFER_EOL_ANY, NULL, 0);

    /* CRLF: LF, optionally preceded by CR; a lone CR is data. */
    ADDS(b, "a\nb\r\nc\rd\ne\r\r\nf\r");
    LINE(b, EVBUFFER_EOL_CRLF, "a", 13);
    LINE(b, EVBUFFER_EOL_CRLF, "b", 10);
    LINE(b, EVBUFFER_EOL_CRLF, "c\rd", 6);
    LINE(b, EVBUFFER_EOL_CRLF, "e\r", 2);
    LINE(b, EVBUFFER_EOL_CRLF, NULL, 2); /* "f\r": the CR alone does not end it */
    ADDS(b, "\n\n");
    LINE(b, EVBUFFER_EOL_CRLF, "f", 1);
    LINE(b, EVBUFFER_EOL_CRLF, "", 0); /* empty line */

    /* CRLF_STRICT: only CR LF. */
    ADDS(b, "a\nb\r\nc\rd\r\r\n\r\nz");
    LINE(b, EVBUFFER_EOL_CRLF_STRICT, "a\nb", 9);
    LINE(b, EVBUFFER_EOL_CRLF_STRICT, "c\rd\r", 3);
    LINE(b, EVBUFFER_EOL_CRLF_STRICT, "", 1);
    LINE(b, EVBUFFER_EOL_CRLF_STRICT, NULL, 1);
    ADDS(b, "\n");
    LINE(b, EVBUFFER_EOL_CRLF_STRICT, NULL, 2); /* "z\n" is no CRLF line */
    evbuffer_drain(b, 2);

    /* LF: only LF; a CR before it stays in the line. */
    ADDS(b, "x\r\ny\n\nw");
    LINE(b, EVBUFFER_EOL_LF, "x\r", 4);
    LINE(b, EVBUFFER_EOL_LF, "y", 2);
    LINE(b, EVBUFFER_EOL_LF, "", 1);
    LINE(b, EVBUFFER_EOL_LF, NULL, 1);
    evbuffer_drain(b, 1);

    /* NUL: a zero byte ends the line; CR/LF are data. */
    ADDS(b, "p\nq\0\0r\r\n\0s");
    LINE(b, EVBUFFER_EOL_NUL, "p\nq", 6);
    LINE(b, EVBUFFER_EOL_NUL, "", 5);
    LINE(b, EVBUFFER_EOL_NUL, "r\r\n", 1);
    LINE(b, EVBUFFER_EOL_NUL, NULL, 1);
    evbuffer_drain(b, 1);

    /* n_read_out may be NULL. */
    ADDS(b, "nn\n");
    char *s = evbuffer_readln(b, NULL, EVBUFFER_EOL_LF);
    CHECK(s && strcmp(s, "nn") == 0);
    free(s);

    /* An unknown style finds no line. */
    ADDS(b, "q\n");
    CHECK(evbuffer_readln(b, NULL, (enum evbuffer_eol_style)99) == NULL);
    CHECK_EQ(evbuffer_get_length(b), 2);
    evbuffer_drain(b, 2);

    /* Terminators and lines split across chains. */
    addref(b, "split");
    addref(b, " line\r");
    addref(b, "\nnext\r");
    addref(b, "\r");
    addref(b, "\n");
    LINE(b, EVBUFFER_EOL_CRLF_STRICT, "split line", 7);
    LINE(b, EVBUFFER_EOL_CRLF_STRICT, "next\r", 0);
    addref(b, "ab");
    addref(b, "\r");
    addref(b, "\r");
    addref(b, "\ncd");
    LINE(b, EVBUFFER_EOL_ANY, "ab", 2);
    addref(b, "e");
    addref(b, "");
    addref(b, "\n");
    LINE(b, EVBUFFER_EOL_LF, "cde", 0);

    /* A long line spanning many chains. */
    static char longline[100001];
    for (int i = 0; i < 100000; i++)
        longline[i] = 'a' + i % 26;
    for (int i = 0; i < 100000; i += 333)
        evbuffer_add(b, longline + i, 100000 - i < 333 ? 100000 - i : 333);
    ADDS(b, "\r\nrest");
    size_t n;
    s = evbuffer_readln(b, &n, EVBUFFER_EOL_CRLF);
    CHECK(s != NULL);
    CHECK_EQ(n, 100000);
    CHECK(memcmp(s, longline, 100000) == 0 && s[100000] == 0);
    free(s);
    CHECK_EQ(evbuffer_get_length(b), 4);
    evbuffer_drain(b, 4);

    /* compat: evbuffer_readline is style ANY. */
    ADDS(b, "old\r\n\nstyle");
    s = evbuffer_readline(b);
    CHECK(s && strcmp(s, "old") == 0);
    free(s);
    CHECK(evbuffer_readline(b) == NULL);
    CHECK_EQ(evbuffer_get_length(b), 5);

    /* compat: evbuffer_find returns a pointer into the (now contiguous) buffer. */
    evbuffer_drain(b, 5);
    addref(b, "needle in ");
    addref(b, "a hay");
    addref(b, "stack");
    unsigned char *f = evbuffer_find(b, (const unsigned char *)"ayst", 4);
    CHECK(f != NULL);
    CHECK(memcmp(f, "ayst", 4) == 0); /* only up to the match's end is made contiguous */
    unsigned char *head = evbuffer_pullup(b, -1);
    f = evbuffer_find(b, (const unsigned char *)"ayst", 4);
    CHECK_EQ(f - head, 13);
    CHECK(evbuffer_find(b, (const unsigned char *)"nope", 4) == NULL);
    CHECK(evbuffer_find(b, (const unsigned char *)"stackX", 6) == NULL);
    f = evbuffer_find(b, (const unsigned char *)"needle", 6);
    CHECK(f == head);
    CHECK_EQ(evbuffer_get_length(b), 20);

    evbuffer_free(b);
    return 0;
}
