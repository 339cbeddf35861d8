#!/usr/bin/env python3
"""Drive Debian's fstrm_capture (Frame Streams collector: evconnlistener + bufferevents) on a
chosen libevent and check what it wrote.

usage: fstrm_drive.py MODE ROOT [CONFIG...]     MODE: ldpath | preload | system
CONFIG: unix, tcp, maxconns (default: all three, one fstrm_capture process each)

fstrm_capture listens on a unix socket in a temporary directory (unix, maxconns: at most 2
connections at once, so its listener is disabled and re-enabled) or on 127.0.0.1 and a free
port (tcp). Six senders connect at once, each does the bidirectional handshake (READY -> ACCEPT, START), sends data frames of
1 byte to 200 KB in pieces of awkward sizes (so frames straddle reads), and ends with STOP,
which must be answered by FINISH. A peer that connects and vanishes mid-frame must not
disturb the others. Then fstrm_capture is stopped with SIGINT and its output file is parsed:
every frame of every sender, in order per sender, nothing else. The process must have mapped
our libevent (ldpath, preload) or Debian's (system). Everything is bounded in time.
"""
import os
import random
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time

FSTRM = "/usr/bin/fstrm_capture"
CTYPE = b"protobuf:dnstap.Dnstap"
ACCEPT, START, STOP, READY, FINISH = 1, 2, 3, 4, 5
FIELD_CONTENT_TYPE = 1


class Failure(Exception):
    pass


def check(cond, what):
    if not cond:
        raise Failure(what)


def control(ctype, content_type=None):
    body = struct.pack(">I", ctype)
    if content_type is not None:
        body += struct.pack(">II", FIELD_CONTENT_TYPE, len(content_type)) + content_type
    return struct.pack(">II", 0, len(body)) + body


def recv_exact(s, n):
    out = b""
    while len(out) < n:
        chunk = s.recv(n - len(out))
        if not chunk:
            raise Failure("connection closed while reading %d bytes" % n)
        out += chunk
    return out


def recv_control(s):
    esc, length = struct.unpack(">II", recv_exact(s, 8))
    check(esc == 0, "expected a control frame")
    body = recv_exact(s, length)
    return struct.unpack(">I", body[:4])[0], body[4:]


def connect(addr):
    """addr: a unix socket path, or (host, port) for TCP."""
    s = socket.socket(socket.AF_UNIX if isinstance(addr, str) else socket.AF_INET, socket.SOCK_STREAM)
    s.settimeout(10)
    s.connect(addr)
    return s


def sender(addr, seed, frames, errors):
    try:
        s = connect(addr)
        s.sendall(control(READY, CTYPE))
        ctype, fields = recv_control(s)
        check(ctype == ACCEPT and CTYPE in fields, "no ACCEPT for our content type: %d %r" % (ctype, fields))
        stream = control(START, CTYPE)
        for f in frames:
            stream += struct.pack(">I", len(f)) + f
        stream += control(STOP)
        rng = random.Random(seed)
        i = 0
        while i < len(stream):
            n = rng.choice([1, 3, 7, 100, 1500, 4096, 65536, 300000])
            s.sendall(stream[i:i + n])
            i += n
        ctype, _ = recv_control(s)
        check(ctype == FINISH, "expected FINISH, got %d" % ctype)
        s.close()
    except Exception as e:  # reported by the main thread
        errors.append("sender %d: %s" % (seed, e))


def parse_file(data):
    """Frame Streams file: START(content type), data frames, STOP. Returns the data frames."""
    i = 0
    frames = []
    esc, length = struct.unpack(">II", data[0:8])
    check(esc == 0, "file does not start with a control frame")
    check(struct.unpack(">I", data[8:12])[0] == START, "file does not start with START")
    check(CTYPE in data[12:8 + length], "file START lacks the content type")
    i = 8 + length
    while i < len(data):
        (n,) = struct.unpack(">I", data[i:i + 4])
        if n == 0:
            (length,) = struct.unpack(">I", data[i + 4:i + 8])
            check(struct.unpack(">I", data[i + 8:i + 12])[0] == STOP, "unexpected control frame in file")
            check(i + 8 + length == len(data), "bytes after STOP")
            return frames
        frames.append(data[i + 4:i + 4 + n])
        check(len(frames[-1]) == n, "truncated frame in file")
        i += 4 + n
    raise Failure("file has no STOP")


def check_listener_limit(addr, limit):
    """With -c LIMIT, a connection beyond the limit waits unaccepted (no ACCEPT for its READY)
    until one of the first LIMIT closes: evconnlistener_disable, then _enable."""
    held = []
    try:
        for _ in range(limit + 1):
            s = connect(addr)
            s.sendall(control(READY, CTYPE))
            held.append(s)
        for s in held[:limit]:
            check(recv_control(s)[0] == ACCEPT, "no ACCEPT under the connection limit")
        extra = held[limit]
        extra.settimeout(0.4)
        try:
            extra.recv(1)
            raise Failure("a connection beyond -c %d was served at once" % limit)
        except socket.timeout:
            pass
        held[0].close()
        extra.settimeout(5)
        check(recv_control(extra)[0] == ACCEPT, "the waiting connection got no ACCEPT after one closed")
    finally:
        for s in held:
            s.close()


def free_tcp_port():
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def tcp_listening(port):
    want = ":%04X" % port
    with open("/proc/net/tcp") as f:
        for line in f.readlines()[1:]:
            fields = line.split()
            if fields[1] == "0100007F" + want and fields[3] == "0A":
                return True
    return False


# Each configuration is one fstrm_capture process: (name, extra arguments, senders, how they
# reach it). "unix": a unix socket; "tcp": 127.0.0.1 and a free port; "maxconns": at most 2
# connections at once (-c 2): fstrm_capture turns its evconnlistener off at the limit and on
# again when a connection closes; a third connection must wait unserved until one of two closes,
# and 6 senders queue in the kernel's backlog and must all be served in turn.
CONFIGS = [("unix", [], 6), ("tcp", [], 6), ("maxconns", ["-c", "2"], 6)]


def run(name, extra, nsenders, mode, lib, env, d):
    out = os.path.join(d, name + ".fstrm")
    log = os.path.join(d, name + ".log")
    if name == "tcp":
        port = free_tcp_port()
        addr = ("127.0.0.1", port)
        where = ["-a", "127.0.0.1", "-p", str(port)]
        ready = lambda: tcp_listening(port)
    else:
        addr = os.path.join(d, name + ".sock")
        where = ["-u", addr]
        ready = lambda: os.path.exists(addr)
    proc = pid = None
    try:
        with open(log, "w") as logf:
            # timeout(1) bounds fstrm_capture even if this driver is killed.
            proc = subprocess.Popen(["timeout", "-s", "KILL", "25", FSTRM, "-t", CTYPE.decode()] + where +
                                    extra + ["-w", out], env=env, stdin=subprocess.DEVNULL,
                                    stdout=subprocess.DEVNULL, stderr=logf)
        end = time.time() + 5
        while not (pid and ready()):
            check(proc.poll() is None, "fstrm_capture exited at start")
            check(time.time() < end, "fstrm_capture did not listen within 5 s")
            if not pid:
                kids = open("/proc/%d/task/%d/children" % (proc.pid, proc.pid)).read().split()
                pid = int(kids[0]) if kids else None
            time.sleep(0.05)
        files = sorted({l.split()[-1] for l in open("/proc/%d/maps" % pid) if "libevent" in l})
        ours = [f for f in files if f.startswith(lib + "/")]
        if mode == "system":
            check(files and not ours, "system run mapped %s" % files)
        else:
            check(ours and ours == files, "fstrm_capture mapped %s, not only ours" % files)

        if name == "maxconns":
            check_listener_limit(addr, 2)

        # A peer that starts a frame and vanishes.
        s = connect(addr)
        s.sendall(control(READY, CTYPE))
        recv_control(s)
        s.sendall(control(START, CTYPE) + struct.pack(">I", 1000) + b"x" * 10)
        s.close()

        rng = random.Random(7)
        plan = {}
        for seed in range(1, nsenders + 1):
            plan[seed] = [bytes([seed]) + os.urandom(rng.choice([0, 1, 50, 999, 4096, 70000, 200000])) for _ in range(40)]
        errors = []
        threads = [threading.Thread(target=sender, args=(addr, seed, fr, errors)) for seed, fr in plan.items()]
        for t in threads:
            t.start()
        end = time.time() + 15
        for t in threads:
            t.join(max(0.1, end - time.time()))
        check(not any(t.is_alive() for t in threads), "a sender hung")
        check(not errors, "; ".join(errors))

        os.kill(pid, signal.SIGINT)
        rc = proc.wait(10)
        check(rc == 0, "fstrm_capture exited with %d after SIGINT" % rc)
        frames = parse_file(open(out, "rb").read())
        # The vanished peer's partial frame is dropped; senders' frames interleave by
        # connection but stay in order per sender (the first byte names the sender).
        got = {}
        for f in frames:
            got.setdefault(f[0], []).append(f)
        check(sorted(got) == sorted(plan), "senders in file: %s" % sorted(got))
        for seed, fr in plan.items():
            check(got[seed] == fr, "sender %d: frames differ (%d written, %d sent)" % (seed, len(got[seed]), len(fr)))
        total = sum(len(f) for f in frames)
        print("  fstrm_capture %s (%s), pid %d mapped %s: %d senders x 40 frames (%d bytes) + 1 broken peer, file checked: ok"
              % (name, mode, pid, " ".join(files), nsenders, total))
        return True
    except (Failure, OSError, ValueError, IndexError, subprocess.TimeoutExpired, struct.error) as e:
        print("  fstrm_capture %s (%s) FAILED: %s" % (name, mode, e))
        try:
            sys.stdout.write(open(log).read()[-2000:])
        except OSError:
            pass
        return False
    finally:
        if proc and proc.poll() is None:
            if pid:
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
            proc.kill()
            proc.wait()


def main():
    mode, root = sys.argv[1], sys.argv[2]
    only = sys.argv[3:]
    lib = os.path.join(root, "build", "lib")
    env = {k: v for k, v in os.environ.items() if k not in ("LD_LIBRARY_PATH", "LD_PRELOAD")}
    if mode == "ldpath":
        env["LD_LIBRARY_PATH"] = lib
    elif mode == "preload":
        env["LD_PRELOAD"] = os.path.join(lib, "libevent-2.1.so.7")
    elif mode != "system":
        print("unknown mode " + mode)
        return 2
    d = tempfile.mkdtemp(prefix="levent-fstrm-")
    try:
        ok = True
        for name, extra, n in CONFIGS:
            if not only or name in only:
                ok = run(name, extra, n, mode, lib, env, d) and ok
        return 0 if ok else 1
    finally:
        shutil.rmtree(d, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
