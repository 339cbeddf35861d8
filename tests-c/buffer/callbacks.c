/* callbacks: evbuffer_add_cb callbacks run after each change with exact evbuffer_cb_info
   (orig_size, n_added, n_deleted) for add, drain, remove, prepend, commit, readln, add_buffer
   (both sides), remove_buffer; not for changes of nothing; newest callback first; a callback
   may remove itself; remove_cb / remove_cb_entry / cb_clear_flags / cb_set_flags; the compat
   evbuffer_setcb replaces every callback and reports old and new lengths; freeing runs none. */
/* BACKENDS: epoll */
#include <event2/buffer.h>
#include <event2/buffer_compat.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>

#define CHECK(c) do { if (!(c)) { fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #c); exit(1); } } while (0)
#define CHECK_EQ(a, b) do { long long a_ = (long long)(a), b_ = (long long)(b); if (a_ != b_) { \
    fprintf(stderr, "%s:%d: check failed: %s == %s (%lld != %lld)\n", __FILE__, __LINE__, #a, #b, a_, b_); exit(1); } } while (0)

struct rec { int calls; struct evbuffer *buf; size_t orig, added, deleted; char order[16]; };
static char order[64];
static int norder;

static void cb(struct evbuffer *buf, const struct evbuffer_cb_info *info, void *arg)
{
    struct rec *r = arg;
    r->calls++;
    r->buf = buf;
    r->orig = info->orig_size;
    r->added = info->n_added;
    r->deleted = info->n_deleted;
    if (norder < 63)
        order[norder++] = r->order[0];
}
#define EXPECT(r, n, o, a, d) do { CHECK_EQ((r).calls, n); CHECK_EQ((r).orig, o); CHECK_EQ((r).added, a); \
    CHECK_EQ((r).deleted, d); (r).calls = 0; } while (0)

static struct evbuffer_cb_entry *self_ent;
static int self_calls;
static void self_removing(struct evbuffer *buf, const struct evbuffer_cb_info *info, void *arg)
{
    (void)info; (void)arg;
    self_calls++;
    CHECK_EQ(evbuffer_remove_cb_entry(buf, self_ent), 0);
}

static int old_calls;
static size_t old_old, old_new;
static void old_cb(struct evbuffer *buf, size_t o, size_t n, void *arg)
{
    (void)buf;
    CHECK(arg == &old_calls);
    old_calls++;
    old_old = o;
    old_new = n;
}

int main(void)
{
    struct evbuffer *a = evbuffer_new(), *b = evbuffer_new();
    struct rec ra = { .order = "a" }, rb = { .order = "b" }, r2 = { .order = "2" };
    struct evbuffer_cb_entry *ea = evbuffer_add_cb(a, cb, &ra);
    struct evbuffer_cb_entry *eb = evbuffer_add_cb(b, cb, &rb);
    CHECK(ea && eb);
    char out[64];

    evbuffer_add(a, "hello", 5);
    EXPECT(ra, 1, 0, 5, 0);
    CHECK(ra.buf == a);
    evbuffer_add(a, "", 0); /* nothing changed: no call */
    CHECK_EQ(ra.calls, 0);
    evbuffer_drain(a, 2);
    EXPECT(ra, 1, 5, 0, 2);
    evbuffer_drain(a, 0);
    CHECK_EQ(ra.calls, 0);
    evbuffer_prepend(a, "ab", 2);
    EXPECT(ra, 1, 3, 2, 0);
    CHECK_EQ(evbuffer_remove(a, out, 3), 3);
    EXPECT(ra, 1, 5, 0, 3);
    evbuffer_copyout(a, out, 10); /* reading only: no call */
    evbuffer_pullup(a, -1);
    evbuffer_search(a, "l", 1, NULL);
    CHECK_EQ(ra.calls, 0);

    /* reserve: nothing; commit: the committed bytes. */
    struct iovec v;
    CHECK_EQ(evbuffer_reserve_space(a, 100, &v, 1), 1);
    CHECK_EQ(ra.calls, 0);
    memcpy(v.iov_base, "\nxyz\r\n", 6);
    v.iov_len = 6;
    CHECK_EQ(evbuffer_commit_space(a, &v, 1), 0);
    EXPECT(ra, 1, 2, 6, 0);
    /* readln: the line, then its terminator, are deleted as two changes (the last seen here). */
    char *s = evbuffer_readln(a, NULL, EVBUFFER_EOL_LF);
    CHECK(s && strcmp(s, "lo") == 0);
    free(s);
    EXPECT(ra, 2, 6, 0, 1);
    CHECK(evbuffer_readln(a, NULL, EVBUFFER_EOL_NUL) == NULL);
    CHECK_EQ(ra.calls, 0);

    /* add_buffer and remove_buffer: both sides hear about it. */
    evbuffer_add(b, "12345678", 8);
    EXPECT(rb, 1, 0, 8, 0);
    CHECK_EQ(evbuffer_add_buffer(a, b), 0);
    EXPECT(ra, 1, 5, 8, 0);
    EXPECT(rb, 1, 8, 0, 8);
    CHECK_EQ(evbuffer_remove_buffer(a, b, 7), 7);
    EXPECT(ra, 1, 13, 0, 7);
    EXPECT(rb, 1, 0, 7, 0);
    CHECK_EQ(evbuffer_prepend_buffer(a, b), 0);
    EXPECT(ra, 1, 6, 7, 0);
    EXPECT(rb, 1, 7, 0, 7);
    evbuffer_add_printf(a, "%d", 42);
    EXPECT(ra, 1, 13, 2, 0);
    evbuffer_drain(a, 1000);
    EXPECT(ra, 1, 15, 0, 15);

    /* Several callbacks: the newest runs first. */
    struct evbuffer_cb_entry *e2 = evbuffer_add_cb(a, cb, &r2);
    norder = 0;
    evbuffer_add(a, "x", 1);
    CHECK_EQ(norder, 2);
    CHECK(order[0] == '2' && order[1] == 'a');
    EXPECT(ra, 1, 0, 1, 0);
    EXPECT(r2, 1, 0, 1, 0);

    /* Disabled: not called; the changes meanwhile are not saved up for later. */
    CHECK_EQ(evbuffer_cb_clear_flags(a, ea, EVBUFFER_CB_ENABLED), 0);
    evbuffer_add(a, "yy", 2);
    CHECK_EQ(ra.calls, 0);
    EXPECT(r2, 1, 1, 2, 0);
    CHECK_EQ(evbuffer_cb_set_flags(a, ea, EVBUFFER_CB_ENABLED), 0);
    evbuffer_drain(a, 1);
    EXPECT(ra, 1, 3, 0, 1);
    EXPECT(r2, 1, 3, 0, 1);

    /* remove_cb by function and argument; a second removal finds nothing. */
    CHECK_EQ(evbuffer_remove_cb(a, cb, &r2), 0);
    CHECK_EQ(evbuffer_remove_cb(a, cb, &r2), -1);
    CHECK_EQ(evbuffer_remove_cb(a, cb, &rb), -1); /* registered on b, not a */
    (void)e2;
    evbuffer_add(a, "z", 1);
    CHECK_EQ(r2.calls, 0);
    EXPECT(ra, 1, 2, 1, 0);

    /* A callback removing itself while running. */
    self_ent = evbuffer_add_cb(a, self_removing, NULL);
    evbuffer_add(a, "1", 1);
    evbuffer_add(a, "2", 1);
    CHECK_EQ(self_calls, 1);
    EXPECT(ra, 2, 4, 1, 0);

    /* remove_cb_entry. */
    CHECK_EQ(evbuffer_remove_cb_entry(a, ea), 0);
    evbuffer_add(a, "3", 1);
    CHECK_EQ(ra.calls, 0);

    /* compat setcb: replaces every callback, reports (old length, new length). */
    ea = evbuffer_add_cb(a, cb, &ra);
    CHECK_EQ(evbuffer_setcb(a, old_cb, &old_calls), 0);
    evbuffer_add(a, "4567", 4);
    CHECK_EQ(ra.calls, 0);
    CHECK_EQ(old_calls, 1);
    CHECK_EQ(old_old, 6);
    CHECK_EQ(old_new, 10);
    evbuffer_drain(a, 3);
    CHECK_EQ(old_calls, 2);
    CHECK_EQ(old_old, 10);
    CHECK_EQ(old_new, 7);
    CHECK_EQ(evbuffer_setcb(a, NULL, NULL), 0); /* removes it */
    evbuffer_add(a, "8", 1);
    CHECK_EQ(old_calls, 2);

    /* Freeing runs no callback. */
    evbuffer_add_cb(b, cb, &r2);
    rb.calls = r2.calls = 0;
    evbuffer_free(b);
    CHECK_EQ(rb.calls, 0);
    CHECK_EQ(r2.calls, 0);
    evbuffer_free(a);
    return 0;
}
