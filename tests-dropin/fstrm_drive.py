#!/usr/bin/env python3
"""Drive Debian's fstrm_capture (Frame Streams collector: evconnlistener + bufferevents) on a
chosen libevent and check what it wrote.

usage: fstrm_drive.py MODE ROOT     MODE: ldpath | preload | system

fstrm_capture listens on a unix socket in a temporary directory. Several senders connect at
once, each does the bidirectional handshake (READY -> ACCEPT, START), sends data frames of
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


def sender(path, seed, frames, errors):
    try:
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.settimeout(10)
        s.connect(path)
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


def main():
    mode, root = sys.argv[1], sys.argv[2]
    lib = os.path.join(root, "build", "lib")
    env = {k: v for k, v in os.environ.items() if k not in ("LD_LIBRARY_PATH", "LD_PRELOAD")}
    if mode == "ldpath":
        env["LD_LIBRARY_PATH"] = lib
    elif mode == "preload":
        env["LD_PRELOAD"] = os.path.join(lib, "libevent-2.1.so.7")
    d = tempfile.mkdtemp(prefix="levent-fstrm-")
    path, out = os.path.join(d, "sock"), os.path.join(d, "out.fstrm")
    proc = None
    try:
        proc = subprocess.Popen(["timeout", "-s", "KILL", "45", FSTRM, "-t", CTYPE.decode(), "-u", path, "-w", out],
                                env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                stderr=open(os.path.join(d, "log"), "w"))
        end = time.time() + 5
        while not os.path.exists(path):
            check(proc.poll() is None, "fstrm_capture exited at start")
            check(time.time() < end, "fstrm_capture did not create its socket")
            time.sleep(0.05)
        pid = int(open("/proc/%d/task/%d/children" % (proc.pid, proc.pid)).read().split()[0])
        files = sorted({l.split()[-1] for l in open("/proc/%d/maps" % pid) if "libevent" in l})
        ours = [f for f in files if f.startswith(lib)]
        if mode == "system":
            check(files and not ours, "system run mapped %s" % files)
        else:
            check(ours and ours == files, "fstrm_capture mapped %s, not only ours" % files)
        print("  fstrm_capture pid %d mapped: %s" % (pid, " ".join(files)))

        # A peer that starts a frame and vanishes.
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.settimeout(5)
        s.connect(path)
        s.sendall(control(READY, CTYPE))
        recv_control(s)
        s.sendall(control(START, CTYPE) + struct.pack(">I", 1000) + b"x" * 10)
        s.close()

        rng = random.Random(7)
        plan = {}
        for seed in range(1, 7):
            plan[seed] = [bytes([seed]) + os.urandom(rng.choice([0, 1, 50, 999, 4096, 70000, 200000])) for _ in range(40)]
        errors = []
        threads = [threading.Thread(target=sender, args=(path, seed, fr, errors)) for seed, fr in plan.items()]
        for t in threads:
            t.start()
        for t in threads:
            t.join(20)
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
        print("  fstrm_capture (%s): 6 senders x 40 frames (%d bytes) + 1 broken peer, file checked: ok" % (mode, total))
        return 0
    except (Failure, OSError, ValueError, IndexError, subprocess.TimeoutExpired, struct.error) as e:
        print("  fstrm_capture (%s) FAILED: %s" % (mode, e))
        try:
            sys.stdout.write(open(os.path.join(d, "log")).read()[-2000:])
        except OSError:
            pass
        return 1
    finally:
        if proc and proc.poll() is None:
            proc.kill()
            proc.wait()
        shutil.rmtree(d, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
