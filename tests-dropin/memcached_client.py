#!/usr/bin/env python3
"""Load and correctness client for the memcached drop-in run (Python 3 standard library only).

N connections, one thread each, all connected at once (a barrier), each doing a seeded random
mix of set / get / delete / incr / decr / multi-get on its own keys, with values from 1 byte to
500 KB. Every answer is checked byte for byte against a model of what memcached must answer:
each command's expected reply is computed before it is sent and compared with exactly what comes
back. Some commands are pipelined (several in one send), some large replies are read slowly (so
the server's socket fills and it must wait for writability), and each connection drops once with
a large reply unread (the server sees a reset) and reconnects. A shared counter is incremented
by every thread and checked at the end, and an item set with a 1 s expiry must be gone after
2.5 s (memcached's clock advances only in a 1 s libevent timer).

Usage: memcached_client.py --port P [--conns 50] [--ops 200] [--seed S] [--deadline 40] [--no-drop]
Exit status 0 when every reply matched; 1 otherwise (the first mismatches are printed).
"""
import argparse
import random
import socket
import sys
import threading
import time

HOST = "127.0.0.1"
BIG = 500 * 1024          # the largest value: 500 KB (memcached's default item max is 1 MB)
POOL = 10                 # data keys per connection
COUNTERS = 3              # numeric keys per connection
SHARED_INCRS = 10         # increments of the shared counter per connection
# At most this many connections hold a large (64 KB..500 KB) value at a time: with -m 64 every
# slab class used takes at least a 1 MB page, and an evicted value would be a false failure.
BIG_SLOTS = threading.BoundedSemaphore(6)


class Mismatch(Exception):
    pass


def show(b, n=60):
    r = repr(bytes(b[:n]))
    return r + ("...(%d bytes)" % len(b) if len(b) > n else "")


def diff(what, want, got):
    i = next((k for k in range(min(len(want), len(got))) if want[k] != got[k]), min(len(want), len(got)))
    return ("%s: reply differs at byte %d (expected %d bytes, got %d)\n      expected %s\n      got      %s"
            % (what, i, len(want), len(got), show(want[max(0, i - 20):]), show(got[max(0, i - 20):])))


class Conn:
    def __init__(self, port, timeout, stats):
        self.port, self.timeout, self.stats = port, timeout, stats
        self.connect()

    def connect(self):
        self.s = socket.create_connection((HOST, self.port), timeout=self.timeout)
        self.s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.buf = bytearray()
        self.chunk = 1 << 20

    def close(self):
        try:
            self.s.close()
        except OSError:
            pass

    def send(self, data):
        self.s.sendall(data)
        self.stats["sent"] += len(data)

    def fill(self):
        try:
            d = self.s.recv(self.chunk)
        except socket.timeout:
            raise Mismatch("no reply within %ss; have %s" % (self.timeout, show(self.buf)))
        except OSError as e:
            raise Mismatch("recv failed (%s); have %s" % (e, show(self.buf)))
        if not d:
            raise Mismatch("server closed the connection; have %s" % show(self.buf))
        self.stats["recv"] += len(d)
        self.buf += d

    def read_exact(self, n):
        while len(self.buf) < n:
            self.fill()
        out = bytes(self.buf[:n])
        del self.buf[:n]
        return out

    def read_line(self):
        while b"\r\n" not in self.buf:
            if len(self.buf) > 4096:
                raise Mismatch("no line end in %s" % show(self.buf))
            self.fill()
        i = self.buf.index(b"\r\n") + 2
        out = bytes(self.buf[:i])
        del self.buf[:i]
        return out

    def read_reply(self, kind, slow=False):
        """One reply, framed by the protocol (never by the expected length): a line, or for a
        get the VALUE blocks up to END. slow: wait first, then read in 4 KB pieces."""
        if slow:
            time.sleep(0.05)          # let the server's socket buffer fill: it must wait to write
            self.chunk = 4096
        got = []
        try:
            while True:
                line = self.read_line()
                got.append(line)
                if kind == "get" and line.startswith(b"VALUE "):
                    try:
                        n = int(line.split(b" ")[-1])
                    except ValueError:
                        raise Mismatch("malformed VALUE line %s" % show(line))
                    got.append(self.read_exact(n + 2))
                    continue
                return b"".join(got)
        except Mismatch as e:
            raise Mismatch("%s (after %s)" % (e, show(b"".join(got))))
        finally:
            self.chunk = 1 << 20

    def expect_eof(self):
        end = time.monotonic() + self.timeout
        while time.monotonic() < end:
            try:
                d = self.s.recv(4096)
            except socket.timeout:
                break
            if not d:
                return
            self.buf += d
        raise Mismatch("expected the server to close after quit; got %s" % show(self.buf))


def value_block(key, flags, data):
    return b"VALUE %s %d %d\r\n" % (key, flags, len(data)) + data + b"\r\n"


class Worker(threading.Thread):
    def __init__(self, idx, args, barrier, errors, deadline):
        super().__init__(daemon=True)
        self.idx, self.args, self.barrier, self.errors, self.deadline = idx, args, barrier, errors, deadline
        self.rng = random.Random(args.seed * 1000 + idx)
        self.stats = {"sent": 0, "recv": 0, "ops": 0}
        self.counts = {}
        self.data = {}        # key -> (flags, bytes)
        self.nums = {}        # key -> [number, stored length]
        self.shared_last = 0

    # Each c_* builds one command and updates the model: (text for humans, request bytes,
    # expected reply bytes or a check function, "line" or "get" framing of the reply).
    def count(self, op):
        self.counts[op] = self.counts.get(op, 0) + 1
        self.stats["ops"] += 1

    def rand_value(self, kind):
        r = self.rng
        if kind == "big":
            n = BIG if not self.did_big else r.randint(64 * 1024 + 1, BIG)
            self.did_big = True
        elif kind == "one":
            n = 1
        else:
            x = r.random()
            n = r.randint(1, 1000) if x < 0.75 else r.randint(1001, 8192) if x < 0.97 else r.randint(8193, 64 * 1024)
        v = r.randbytes(n)
        if n >= 7 and r.random() < 0.3:  # values are binary: embed the protocol's own terminator
            p = r.randrange(n - 6)
            v = v[:p] + b"\r\nEND\r\n" + v[p + 7:]
        return v

    def c_set(self, key, kind="pool"):
        flags = self.rng.choice([0, 1, 0xFFFF, 0xFFFFFFFF, self.rng.getrandbits(32)])
        v = self.rand_value(kind)
        self.data[key] = (flags, v)
        self.count("set")
        return ("set %s (%d bytes)" % (key.decode(), len(v)),
                b"set %s %d 0 %d\r\n" % (key, flags, len(v)) + v + b"\r\n", b"STORED\r\n", "line")

    def c_get(self, keys, op="get"):
        want = b"".join(value_block(k, *self.data[k]) for k in keys if k in self.data) + b"END\r\n"
        self.count(op)
        return ("%s %s" % (op, b" ".join(keys).decode()), b"get " + b" ".join(keys) + b"\r\n", want, "get")

    def c_delete(self, key):
        found = self.data.pop(key, None) is not None or self.nums.pop(key, None) is not None
        want = b"DELETED\r\n" if found else b"NOT_FOUND\r\n"
        self.count("delete")
        return ("delete %s" % key.decode(), b"delete %s\r\n" % key, want, "line")

    def c_setnum(self, key, n):
        t = b"%d" % n
        self.nums[key] = [n, len(t)]
        self.count("set")
        return ("set %s %s" % (key.decode(), n), b"set %s 0 0 %d\r\n%s\r\n" % (key, len(t), t), b"STORED\r\n", "line")

    def c_delta(self, key, op, by):
        self.count(op)
        cmd = b"%s %s %d\r\n" % (op.encode(), key, by)
        ent = self.nums.get(key)
        if ent is None:
            return ("%s %s (missing)" % (op, key.decode()), cmd, b"NOT_FOUND\r\n", "line")
        n = (ent[0] + by) % (1 << 64) if op == "incr" else max(0, ent[0] - by)
        t = b"%d" % n
        ent[0] = n
        # memcached rewrites in place, space-padded, when the new number is not longer
        # (protocol.txt: "MAY be space-padded"); c_getnum accepts both forms.
        if len(t) > ent[1]:
            ent[1] = len(t)
        return ("%s %s %d" % (op, key.decode(), by), cmd, t + b"\r\n", "line")

    def c_getnum(self, key):
        self.count("get")
        ent = self.nums.get(key)
        if ent is None:
            return ("get %s" % key.decode(), b"get %s\r\n" % key, b"END\r\n", "get")
        t = b"%d" % ent[0]

        def check(got):
            """the number, possibly space-padded to the length it had (both forms are allowed)"""
            for n in range(len(t), max(len(t), ent[1]) + 1):
                if got == value_block(key, 0, t + b" " * (n - len(t))) + b"END\r\n":
                    return None
            return value_block(key, 0, t) + b"END\r\n"
        return ("get %s" % key.decode(), b"get %s\r\n" % key, check, "get")

    def c_shared(self):
        self.count("incr")
        by = self.idx + 1

        def check(got):
            """concurrent increments: a number at least the last one seen plus ours"""
            if not got[:-2].isdigit() or int(got[:-2]) < self.shared_last + by:
                return b"(a number >= %d)\r\n" % (self.shared_last + by)
            self.shared_last = int(got[:-2])
        return ("incr shared:counter %d" % by, b"incr shared:counter %d\r\n" % by, check, "line")

    def run_cmds(self, conn, cmds, slow=False):
        """Send the commands in one write (pipelined) and check every reply in order."""
        conn.send(b"".join(c[1] for c in cmds))
        for what, _, want, kind in cmds:
            got = conn.read_reply(kind, slow=slow and kind == "get")
            if callable(want):
                want = want(got)
            if want is not None and got != want:
                raise Mismatch(diff(what, want, got))

    def big_scenario(self, conn):
        """A large value: set, slow get, multi-get with small keys, delete, get again."""
        k = b"t%d:big" % self.idx
        with BIG_SLOTS:
            self.run_cmds(conn, [self.c_set(k, "big")])
            self.run_cmds(conn, [self.c_get([k])], slow=True)
            small = [x for x in self.pool if x in self.data][:3]
            self.run_cmds(conn, [self.c_get(small + [k] + small[:1], "mget")], slow=self.rng.random() < 0.5)
            self.run_cmds(conn, [self.c_delete(k), self.c_get([k])])

    def drop_and_reconnect(self, conn):
        """Ask for a large reply and hang up without reading it; then reconnect."""
        k = b"t%d:drop" % self.idx
        with BIG_SLOTS:
            self.run_cmds(conn, [self.c_set(k, "big")])
            conn.send(b"get %s\r\n" % k)
            conn.s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
            conn.close()                   # RST: the server's pending write fails
            self.count("drop")
            conn.connect()
            self.run_cmds(conn, [self.c_get([k]), self.c_delete(k)])

    def one_op(self):
        r, x = self.rng, self.rng.random()
        key = r.choice(self.pool)
        nkey = r.choice(self.numkeys)
        if x < 0.30:
            return self.c_set(key)
        if x < 0.50:
            return self.c_get([key])
        if x < 0.58:
            return self.c_delete(key)
        if x < 0.70:
            if nkey not in self.nums or r.random() < 0.1:
                # numbers stay below 2**63: for larger ones memcached 1.6.18's safe_strtoull
                # looks for a '-' with strchr() past the item's "\r\n" into stale slab memory and
                # may answer CLIENT_ERROR non-numeric at random (a memcached bug, not libevent's)
                return self.c_setnum(nkey, r.choice([0, 1, 9, 99, 1000, r.getrandbits(40)]))
            return self.c_delta(nkey, "incr", r.choice([1, 2, 7, 1000, r.getrandbits(20)]))
        if x < 0.78:
            return self.c_delta(nkey, "decr", r.choice([1, 3, 10, 1 << 30]))
        if x < 0.82:
            return self.c_getnum(nkey)
        ks = [r.choice(self.pool + [b"t%d:absent" % self.idx]) for _ in range(r.randint(2, 12))]
        return self.c_get(ks, "mget")

    def run(self):
        what = "connect"
        conn = None
        try:
            conn = Conn(self.args.port, self.args.timeout, self.stats)
            self.barrier.wait(timeout=self.args.timeout)
            self.did_big = False
            self.pool = [b"t%d:k%d" % (self.idx, j) for j in range(POOL)]
            self.numkeys = [b"t%d:n%d" % (self.idx, j) for j in range(COUNTERS)]
            # every size class at least once: 1 byte, 500 KB, and the rest at random
            self.run_cmds(conn, [self.c_set(self.pool[0], "one"), self.c_get([self.pool[0]])])
            self.big_scenario(conn)
            ops = self.args.ops
            shared_at = sorted(self.rng.sample(range(ops), SHARED_INCRS))
            drop_at = ops // 2
            i = 0
            while i < ops:
                if time.monotonic() > self.deadline:
                    raise Mismatch("deadline passed after %d of %d operations" % (i, ops))
                if i >= drop_at and self.args.drop:
                    self.drop_and_reconnect(conn)
                    drop_at = ops + 1
                while shared_at and shared_at[0] <= i:
                    shared_at.pop(0)
                    self.run_cmds(conn, [self.c_shared()])
                if self.rng.random() < 0.015:
                    self.big_scenario(conn)
                n = self.rng.randint(2, 8) if self.rng.random() < 0.15 else 1   # pipelined batch
                cmds = [self.one_op() for _ in range(min(n, ops - i))]
                what = cmds[0][0]
                self.run_cmds(conn, cmds)
                i += len(cmds)
            for _ in shared_at:
                self.run_cmds(conn, [self.c_shared()])
            # leave no data behind, then quit: the server must close the connection
            self.run_cmds(conn, [self.c_delete(k) for k in self.pool + self.numkeys if k in self.data or k in self.nums])
            conn.send(b"quit\r\n")
            conn.expect_eof()
        except Mismatch as e:
            self.errors.append("conn %d: %s" % (self.idx, e))
        except threading.BrokenBarrierError:
            self.errors.append("conn %d: not all connections were established in time" % self.idx)
        except OSError as e:
            self.errors.append("conn %d: %s: %s" % (self.idx, what, e))
        finally:
            if conn:
                conn.close()


def command(port, timeout, req, until):
    """One short exchange on a fresh connection: everything up to the reply ending in `until`
    (or an error line, or the server closing)."""
    s = socket.create_connection((HOST, port), timeout=timeout)
    try:
        s.sendall(req)
        buf = b""
        while not buf.endswith(until) and not (b"ERROR" in buf and buf.endswith(b"\r\n")):
            d = s.recv(65536)
            if not d:
                break
            buf += d
        return buf
    finally:
        s.close()


def stats(port, timeout):
    out = {}
    for line in command(port, timeout, b"stats\r\n", b"END\r\n").split(b"\r\n"):
        p = line.split(b" ")
        if len(p) == 3 and p[0] == b"STAT":
            out[p[1].decode()] = p[2].decode()
    return out


def main():
    try:
        return run()
    except OSError as e:     # the server went away, or never answered
        print("FAIL: %s" % e)
        return 1


def run():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--conns", type=int, default=50)
    ap.add_argument("--ops", type=int, default=200, help="operations per connection (>= 10)")
    ap.add_argument("--seed", type=int, default=None)
    ap.add_argument("--timeout", type=float, default=15.0, help="per-reply timeout, seconds")
    ap.add_argument("--deadline", type=float, default=40.0, help="whole run, seconds")
    ap.add_argument("--no-drop", dest="drop", action="store_false", help="no abrupt disconnects")
    args = ap.parse_args()
    args.ops = max(args.ops, SHARED_INCRS)
    if args.seed is None:
        args.seed = random.randrange(1 << 30)
    t0 = time.monotonic()
    deadline = t0 + args.deadline
    errors = []
    if command(args.port, args.timeout, b"set shared:counter 0 0 1\r\n0\r\n", b"STORED\r\n") != b"STORED\r\n":
        print("FAIL: could not initialise the shared counter")
        return 1
    # An item that expires after 1 s. memcached's clock only advances in its clock_handler, a
    # libevent timer re-armed every second: the item is still there now, and gone at the end.
    ttl_set = time.monotonic()
    if command(args.port, args.timeout, b"set ttl:key 0 1 3\r\nttl\r\nget ttl:key\r\n", b"END\r\n") != \
            b"STORED\r\n" + value_block(b"ttl:key", 0, b"ttl") + b"END\r\n":
        print("FAIL: set/get of an item with a 1 s expiry")
        return 1
    barrier = threading.Barrier(args.conns + 1)
    workers = [Worker(i, args, barrier, errors, deadline) for i in range(args.conns)]
    for w in workers:
        w.start()
    try:
        barrier.wait(timeout=args.timeout)
        during = stats(args.port, args.timeout)     # all connections open at once
    except (threading.BrokenBarrierError, OSError):
        during = {}
    for w in workers:
        w.join(max(0.0, deadline + 5 - time.monotonic()))
    hung = [w.idx for w in workers if w.is_alive()]
    if hung:
        errors.append("connections still running after the deadline: %s" % hung[:10])
    total = sum(w.idx + 1 for w in workers) * SHARED_INCRS
    if not hung and not errors:
        t = b"%d" % total
        got = command(args.port, args.timeout, b"get shared:counter\r\n", b"END\r\n")
        if got != value_block(b"shared:counter", 0, t) + b"END\r\n":
            errors.append("shared counter: expected %d after every connection's increments, got %s" % (total, show(got)))
    ttl_ok = False
    if not hung:
        time.sleep(max(0.0, ttl_set + 2.5 - time.monotonic()))
        got = command(args.port, args.timeout, b"get ttl:key\r\n", b"END\r\n")
        ttl_ok = got == b"END\r\n"
        if not ttl_ok:
            errors.append("an item set with a 1 s expiry is still there after 2.5 s (memcached's 1 s "
                          "clock timer did not run?): %s" % show(got))
    after = stats(args.port, args.timeout) if not hung else {}
    secs = time.monotonic() - t0
    counts = {}
    for w in workers:
        for k, v in w.counts.items():
            counts[k] = counts.get(k, 0) + v
    ops = sum(w.stats["ops"] for w in workers)
    sent = sum(w.stats["sent"] for w in workers)
    recv = sum(w.stats["recv"] for w in workers)
    print("client: %d connections at once (server counted %s open), seed %d, %.1fs"
          % (args.conns, during.get("curr_connections", "?"), args.seed, secs))
    print("client: %d commands checked byte for byte (%s); %.1f MB sent, %.1f MB received; values 1 B..%d KB"
          % (ops, ", ".join("%s %d" % kv for kv in sorted(counts.items())), sent / 1e6, recv / 1e6, BIG // 1024))
    if after:
        print("client: %sserver stats: total_connections %s, cmd_get %s, cmd_set %s, evictions %s"
              % ("1 s expiry honoured (memcached's clock timer ran); " if ttl_ok else "",
                 after.get("total_connections"), after.get("cmd_get"), after.get("cmd_set"), after.get("evictions")))
    for e in errors[:8]:
        print("FAIL " + e)
    if len(errors) > 8:
        print("FAIL ... and %d more" % (len(errors) - 8))
    if errors and after.get("evictions", "0") != "0":
        print("note: the server evicted %s items (memory pressure), which can explain a missing value" % after["evictions"])
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
