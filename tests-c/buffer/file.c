/* file: evbuffer_add_file and file segments on a 6 MB file: mmap, pread (DISABLE_MMAP),
   sendfile (EVBUFFER_FLAG_DRAINS_TO_FD) and no-sendfile paths each deliver exactly the file's
   bytes through a socketpair; offsets/lengths select the right range; a segment added twice
   reads twice; reading from the buffer in memory (remove, search, readln) works on file data;
   the segment's cleanup callback runs once, only after the segment is freed and no buffer
   holds its data; add_file closes the fd when done. */
/* BACKENDS: epoll */
#include <event2/buffer.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>

#define CHECK(c) do { if (!(c)) { fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #c); exit(1); } } while (0)
#define CHECK_EQ(a, b) do { long long a_ = (long long)(a), b_ = (long long)(b); if (a_ != b_) { \
    fprintf(stderr, "%s:%d: check failed: %s == %s (%lld != %lld)\n", __FILE__, __LINE__, #a, #b, a_, b_); exit(1); } } while (0)

#define FSIZE (6 * 1024 * 1024 + 123)
static unsigned char *content, *got;
static char path[64];

/* Write the whole buffer into a nonblocking socketpair while reading the other end; return
   what arrived. */
static size_t pump(struct evbuffer *b, int atmost)
{
    int sv[2];
    CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
    fcntl(sv[0], F_SETFL, O_NONBLOCK);
    fcntl(sv[1], F_SETFL, O_NONBLOCK);
    size_t n = 0;
    int spins = 0;
    while (evbuffer_get_length(b) > 0) {
        int w = atmost ? evbuffer_write_atmost(b, sv[0], atmost) : evbuffer_write(b, sv[0]);
        CHECK(w > 0 || (w < 0 && errno == EAGAIN));
        CHECK(!atmost || w <= atmost);
        for (;;) {
            ssize_t r = read(sv[1], got + n, FSIZE * 2 - n);
            if (r <= 0)
                break;
            n += (size_t)r;
        }
        CHECK(++spins < 10000000);
    }
    for (;;) {
        ssize_t r = read(sv[1], got + n, FSIZE * 2 - n);
        if (r <= 0)
            break;
        n += (size_t)r;
    }
    close(sv[0]);
    close(sv[1]);
    return n;
}

static int ncleanup, cleanup_flags;
static void seg_cleanup(struct evbuffer_file_segment const *seg, int flags, void *arg)
{
    (void)seg;
    CHECK(arg == &ncleanup);
    ncleanup++;
    cleanup_flags = flags;
}

static int fd_open(int fd) { return fcntl(fd, F_GETFD) != -1; }
static void remove_file(void) { unlink(path); }

int main(void)
{
    content = malloc(FSIZE);
    got = malloc(FSIZE * 2);
    CHECK(content && got);
    for (size_t i = 0; i < FSIZE; i++)
        content[i] = (unsigned char)((i * 2654435761u) >> 13);
    content[5000000] = '\n';
    snprintf(path, sizeof path, "/tmp/levent_buffer_file_%d", (int)getpid());
    int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
    CHECK(fd >= 0);
    atexit(remove_file); /* also when a check fails */
    CHECK_EQ(write(fd, content, FSIZE), FSIZE);
    close(fd);

    /* add_file, default (mmap), whole range from an offset, written with evbuffer_write. */
    for (int drains = 0; drains < 2; drains++) {
        struct evbuffer *b = evbuffer_new();
        if (drains)
            evbuffer_set_flags(b, EVBUFFER_FLAG_DRAINS_TO_FD); /* sendfile where possible */
        fd = open(path, O_RDONLY);
        evbuffer_add(b, "head", 4);
        CHECK_EQ(evbuffer_add_file(b, fd, 1000, FSIZE - 1000), 0);
        evbuffer_add(b, "tail", 4);
        CHECK_EQ(evbuffer_get_length(b), FSIZE - 1000 + 8);
        size_t n = pump(b, 0);
        CHECK_EQ(n, FSIZE - 1000 + 8);
        CHECK(memcmp(got, "head", 4) == 0);
        CHECK(memcmp(got + 4, content + 1000, FSIZE - 1000) == 0);
        CHECK(memcmp(got + 4 + FSIZE - 1000, "tail", 4) == 0);
        CHECK(!fd_open(fd)); /* everything sent: the segment and its fd are gone */
        evbuffer_free(b);
    }

    /* Segments with every combination of the mmap/sendfile switches. */
    for (int mode = 0; mode < 4; mode++) {
        unsigned flags = (mode & 1 ? EVBUF_FS_DISABLE_MMAP : 0) | (mode & 2 ? EVBUF_FS_DISABLE_SENDFILE : 0);
        fd = open(path, O_RDONLY);
        struct evbuffer_file_segment *seg = evbuffer_file_segment_new(fd, 0, FSIZE, flags | EVBUF_FS_CLOSE_ON_FREE);
        CHECK(seg != NULL);
        ncleanup = 0;
        evbuffer_file_segment_add_cleanup_cb(seg, seg_cleanup, &ncleanup);
        struct evbuffer *b = evbuffer_new();
        evbuffer_set_flags(b, EVBUFFER_FLAG_DRAINS_TO_FD);
        CHECK_EQ(evbuffer_add_file_segment(b, seg, 10, 3000000), 0);
        CHECK_EQ(evbuffer_add_file_segment(b, seg, FSIZE - 500, -1), 0); /* to the end */
        CHECK_EQ(evbuffer_add_file_segment(b, seg, 0, 100), 0);
        CHECK_EQ(evbuffer_get_length(b), 3000000 + 500 + 100);
        evbuffer_file_segment_free(seg); /* the buffer still holds it */
        CHECK_EQ(ncleanup, 0);
        CHECK(fd_open(fd));
        size_t n = pump(b, mode == 3 ? 65536 : 0);
        CHECK_EQ(n, 3000600);
        CHECK(memcmp(got, content + 10, 3000000) == 0);
        CHECK(memcmp(got + 3000000, content + FSIZE - 500, 500) == 0);
        CHECK(memcmp(got + 3000500, content, 100) == 0);
        CHECK_EQ(ncleanup, 1);
        CHECK_EQ(cleanup_flags, flags | EVBUF_FS_CLOSE_ON_FREE);
        CHECK(!fd_open(fd));
        evbuffer_free(b);
        CHECK_EQ(ncleanup, 1);
    }

    /* File data read through the memory interfaces (pread when mmap is off). */
    for (int mode = 0; mode < 2; mode++) {
        fd = open(path, O_RDONLY);
        struct evbuffer_file_segment *seg = evbuffer_file_segment_new(fd, 0, FSIZE, mode ? EVBUF_FS_DISABLE_MMAP : 0);
        CHECK(seg != NULL);
        ncleanup = 0;
        evbuffer_file_segment_add_cleanup_cb(seg, seg_cleanup, &ncleanup);
        struct evbuffer *b = evbuffer_new();
        CHECK_EQ(evbuffer_add_file_segment(b, seg, 4000000, 2000000), 0);
        unsigned char tmp[300];
        CHECK_EQ(evbuffer_remove(b, tmp, 300), 300);
        CHECK(memcmp(tmp, content + 4000000, 300) == 0);
        struct evbuffer_ptr p = evbuffer_search(b, (const char *)content + 4500000, 64, NULL);
        CHECK(p.pos >= 0);
        CHECK(memcmp(content + 4000300 + p.pos, content + 4500000, 64) == 0);
        size_t len;
        char *line = evbuffer_readln(b, &len, EVBUFFER_EOL_LF); /* the '\n' at 5000000 */
        CHECK(line != NULL);
        CHECK(len <= 5000000 - 4000300);
        CHECK(memcmp(line, content + 4000300, len) == 0);
        free(line);
        evbuffer_free(b); /* the buffer's part goes; the segment is still ours */
        CHECK_EQ(ncleanup, 0);
        evbuffer_file_segment_free(seg);
        CHECK_EQ(ncleanup, 1);
        CHECK(fd_open(fd)); /* no CLOSE_ON_FREE */
        close(fd);
    }

    /* A buffer freed with file data still in it closes add_file's fd. */
    fd = open(path, O_RDONLY);
    struct evbuffer *b = evbuffer_new();
    CHECK_EQ(evbuffer_add_file(b, fd, 0, 100000), 0);
    CHECK(fd_open(fd));
    evbuffer_free(b);
    CHECK(!fd_open(fd));

    free(content);
    free(got);
    return 0;
}
