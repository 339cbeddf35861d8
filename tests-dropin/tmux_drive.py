#!/usr/bin/env python3
"""Drive Debian's tmux on a chosen libevent and check every answer.

usage: tmux_drive.py MODE ROOT     MODE: ldpath | preload | system

A private server (-S socket in a temporary directory, -f /dev/null, HOME there too): two
sessions and three windows, keys sent to a shell and read back with capture-pane, a window
resized, a client attached on a pseudo-terminal, detached, reattached, and finally the server
killed. The server process must have mapped our libevent (ldpath, preload) or Debian's (system).
Every tmux command and every wait is bounded; the server is killed whatever happens.
"""
import os
import pty
import select
import shutil
import signal
import struct
import subprocess
import sys
import tempfile
import time
import fcntl
import termios

TMUX = "/usr/bin/tmux"


class Failure(Exception):
    pass


def check(cond, what):
    if not cond:
        raise Failure(what)


class Tmux:
    def __init__(self, mode, root):
        self.root = root
        self.dir = tempfile.mkdtemp(prefix="levent-tmux-")
        self.sock = os.path.join(self.dir, "sock")
        env = {k: v for k, v in os.environ.items() if not k.startswith("TMUX") and k not in ("LD_LIBRARY_PATH", "LD_PRELOAD")}
        env.update(HOME=self.dir, TERM="xterm-256color", SHELL="/bin/sh", LANG="C.UTF-8", PS1="$ ")
        lib = os.path.join(root, "build", "lib")
        if mode == "ldpath":
            env["LD_LIBRARY_PATH"] = lib
        elif mode == "preload":
            env["LD_PRELOAD"] = os.path.join(lib, "libevent-2.1.so.7")
        elif mode != "system":
            raise Failure("unknown mode " + mode)
        self.mode = mode
        self.env = env
        self.server_pid = None

    def run(self, *args, ok=True):
        p = subprocess.run([TMUX, "-S", self.sock, "-f", "/dev/null", *args], env=self.env,
                           stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=10)
        if ok and p.returncode != 0:
            raise Failure("tmux %s -> %d: %s" % (" ".join(args), p.returncode, p.stderr.strip()))
        return p.stdout

    def wait_for(self, what, fn, limit=5.0):
        end = time.time() + limit
        last = None
        while time.time() < end:
            last = fn()
            if last:
                return last
            time.sleep(0.05)
        raise Failure("timed out waiting for " + what)

    def maps(self):
        with open("/proc/%d/maps" % self.server_pid) as f:
            return sorted({line.split()[-1] for line in f if "libevent" in line})

    def cleanup(self):
        if self.server_pid:
            try:
                os.kill(self.server_pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        shutil.rmtree(self.dir, ignore_errors=True)


class Client:
    """`tmux attach` on a pseudo-terminal of a fixed size; collects what it draws."""

    def __init__(self, t, target, cols=100, rows=30):
        self.master, slave = pty.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
        self.proc = subprocess.Popen([TMUX, "-S", t.sock, "-f", "/dev/null", "attach", "-t", target],
                                     env=t.env, stdin=slave, stdout=slave, stderr=slave,
                                     start_new_session=True)
        os.close(slave)
        self.out = b""

    def pump(self, limit):
        end = time.time() + limit
        while time.time() < end:
            r, _, _ = select.select([self.master], [], [], 0.05)
            if r:
                try:
                    data = os.read(self.master, 65536)
                except OSError:
                    return
                if not data:
                    return
                self.out += data
            elif self.proc.poll() is not None:
                return

    def wait_text(self, text, limit=5.0):
        end = time.time() + limit
        while time.time() < end:
            if text.encode() in self.out:
                return
            self.pump(0.1)
        raise Failure("attached client never drew %r" % text)

    def wait_exit(self, limit=5.0):
        end = time.time() + limit
        while time.time() < end:
            self.pump(0.1)
            if self.proc.poll() is not None:
                self.pump(0.2)
                return self.proc.returncode
        self.proc.kill()
        raise Failure("attached client did not exit")

    def close(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        os.close(self.master)


def main():
    mode, root = sys.argv[1], sys.argv[2]
    t = Tmux(mode, root)
    clients = []
    try:
        t.run("new-session", "-d", "-s", "one", "-x", "100", "-y", "30", "/bin/sh")
        t.server_pid = int(t.run("display-message", "-p", "#{pid}").strip())
        files = t.maps()
        ours = [f for f in files if f.startswith(os.path.join(root, "build", "lib"))]
        if mode == "system":
            check(files and not ours, "system run mapped %s" % files)
        elif mode == "ldpath":
            check(ours and ours == files, "tmux server mapped %s, not only ours" % files)
        else:
            # LD_PRELOAD puts ours first in symbol lookup; tmux's own DT_NEEDED
            # libevent_core-2.1.so.7 is still loaded from the system, but unused.
            check(ours, "tmux server did not map ours: %s" % files)
        print("  tmux server pid %d mapped: %s" % (t.server_pid, " ".join(files)))

        t.run("new-window", "-t", "one", "-n", "second", "/bin/sh")
        t.run("new-session", "-d", "-s", "two", "-x", "80", "-y", "24", "/bin/sh")
        sessions = sorted(t.run("list-sessions", "-F", "#{session_name}:#{session_windows}").split())
        check(sessions == ["one:2", "two:1"], "list-sessions said %s" % sessions)
        windows = t.run("list-windows", "-t", "one", "-F", "#{window_index}:#{window_name}").split()
        check(len(windows) == 2 and windows[1].endswith(":second"), "list-windows said %s" % windows)

        # Keys to the shells of two windows; the output comes back through capture-pane.
        t.run("send-keys", "-t", "one:0", "echo dropin-$((6*7))", "Enter")
        t.run("send-keys", "-t", "one:second", "echo other-$((10+5))", "Enter")
        t.wait_for("dropin-42 in pane one:0", lambda: "\ndropin-42" in "\n" + t.run("capture-pane", "-p", "-t", "one:0"))
        t.wait_for("other-15 in pane one:second", lambda: "\nother-15" in "\n" + t.run("capture-pane", "-p", "-t", "one:second"))

        # A long burst of output through the pane (many reads and writes in the server).
        t.run("send-keys", "-t", "two", "seq 1 3000 | tail -n 1; echo done-seq", "Enter")
        t.wait_for("seq output", lambda: "\ndone-seq" in "\n" + t.run("capture-pane", "-p", "-t", "two"))
        check("\n3000" in "\n" + t.run("capture-pane", "-p", "-t", "two"), "seq output missing")

        t.run("resize-window", "-t", "two", "-x", "120", "-y", "40")
        size = t.run("display-message", "-p", "-t", "two", "#{window_width}x#{window_height}").strip()
        check(size == "120x40", "resize-window gave %s" % size)

        # Attach on a pty, see the pane, detach; again; then kill the server under a client.
        # (new-window made "second" current: show window 0 to the clients first.)
        t.run("select-window", "-t", "one:0")
        for round_ in (1, 2):
            c = Client(t, "one")
            clients.append(c)
            c.wait_text("dropin-42")
            t.wait_for("the attached client", lambda: t.run("list-clients", "-t", "one").strip())
            t.run("detach-client", "-s", "one")
            rc = c.wait_exit()
            check(rc == 0, "attach round %d exited %d" % (round_, rc))
            check(b"detached" in c.out, "attach round %d: no detached message" % round_)
            c.close()
        t.run("select-window", "-t", "one:second")
        c = Client(t, "one")
        clients.append(c)
        c.wait_text("other-15")
        t.run("kill-server")
        c.wait_exit()
        check(b"server exited" in c.out or b"lost server" in c.out, "client did not see the server go")
        end = time.time() + 5
        while time.time() < end and os.path.exists("/proc/%d" % t.server_pid):
            with open("/proc/%d/stat" % t.server_pid) as f:
                if f.read().split(") ")[1].startswith("Z"):
                    break
            time.sleep(0.05)
        gone = not os.path.exists("/proc/%d" % t.server_pid)
        if not gone:
            with open("/proc/%d/stat" % t.server_pid) as f:
                gone = f.read().split(") ")[1].startswith("Z")
        check(gone, "tmux server still running after kill-server")
        t.server_pid = None
        print("  tmux (%s): 2 sessions, 3 windows, keys echoed, resize, attach/detach x2, kill-server: ok" % mode)
        return 0
    except (Failure, subprocess.TimeoutExpired, OSError, ValueError) as e:
        print("  tmux (%s) FAILED: %s" % (mode, e))
        return 1
    finally:
        for c in clients:
            try:
                c.close()
            except OSError:
                pass
        t.cleanup()


if __name__ == "__main__":
    sys.exit(main())
