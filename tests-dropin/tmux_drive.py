#!/usr/bin/env python3
"""Drive Debian's tmux on a chosen libevent and check every answer.

usage: tmux_drive.py MODE ROOT [DIR]     MODE: ldpath | preload | system
DIR: an empty private directory to work in (tmux.sh passes one so that it can kill a server
left behind); a temporary one when not given.

A private server (-S socket in a temporary directory, -f /dev/null, HOME there too): two
sessions and three windows, keys sent to a shell and read back with capture-pane, a window
resized, a client attached on a pseudo-terminal, its terminal resized (SIGWINCH: the window
follows), detached, reattached, and finally the server killed. The server process must have mapped our libevent (ldpath, preload) or Debian's (system).
With LD_PRELOAD, tmux still loads its own DT_NEEDED libevent_core-2.1.so.7 from Debian; the
dynamic linker's bindings (LD_DEBUG=bindings, LD_BIND_NOW=1, on `tmux -V`: same binary, same
environment, same lookup) must send every libevent symbol tmux imports to ours.
Every tmux command and every wait is bounded; the server is killed whatever happens. The
server daemonizes (it leaves any timeout(1) process group), so its pid goes to DIR/server.pid
for tmux.sh's trap, and every pane's shell runs under `timeout -s KILL`: when all panes are
gone the server exits by itself (exit-empty), even if nobody is left to kill it.
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
# Each pane's program: a shell that cannot outlive the test by much.
SHELL = ["timeout", "--foreground", "-s", "KILL", "45", "/bin/sh"]


class Failure(Exception):
    pass


def check(cond, what):
    if not cond:
        raise Failure(what)


class Tmux:
    def __init__(self, mode, root, workdir=None):
        self.root = root
        self.own_dir = workdir is None
        self.dir = workdir or tempfile.mkdtemp(prefix="levent-tmux-")
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

    def maps(self, pid=None):
        with open("/proc/%d/maps" % (pid or self.server_pid)) as f:
            return sorted({line.split()[-1] for line in f if "libevent" in line})

    def cleanup(self):
        if self.server_pid:
            try:
                os.kill(self.server_pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        if self.own_dir:
            shutil.rmtree(self.dir, ignore_errors=True)

    def preload_bindings(self):
        """(symbols tmux binds to ours, symbols tmux binds to another libevent) at load time."""
        d = os.path.join(self.dir, "lddebug")
        os.mkdir(d)
        env = dict(self.env, LD_BIND_NOW="1", LD_DEBUG="bindings", LD_DEBUG_OUTPUT=os.path.join(d, "ld"))
        subprocess.run([TMUX, "-V"], env=env, stdin=subprocess.DEVNULL, capture_output=True, timeout=10)
        ours_dir = os.path.join(self.root, "build", "lib") + "/"
        ours, other = set(), set()
        for name in os.listdir(d):
            with open(os.path.join(d, name)) as f:
                for line in f:
                    # "PID: binding file /usr/bin/tmux [0] to /path/lib.so [0]: normal symbol `name'"
                    if "binding file " + TMUX + " " not in line:
                        continue
                    to = line.split(" to ", 1)[1].split()[0]
                    sym = line.rsplit("`", 1)[1].split("'")[0]
                    if to.startswith(ours_dir):
                        ours.add(sym)
                    elif "libevent" in to:
                        other.add("%s (%s)" % (sym, to))
        shutil.rmtree(d, ignore_errors=True)
        return ours, other


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

    def resize(self, cols, rows):
        """A terminal resize as a terminal emulator does it: new size on the pty, SIGWINCH.
        The tmux client learns of it through its libevent signal event."""
        fcntl.ioctl(self.master, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
        os.kill(self.proc.pid, signal.SIGWINCH)

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
    t = Tmux(mode, root, sys.argv[3] if len(sys.argv) > 3 else None)
    clients = []
    try:
        t.run("new-session", "-d", "-s", "one", "-x", "100", "-y", "30", *SHELL)
        t.server_pid = int(t.run("display-message", "-p", "#{pid}").strip())
        with open(os.path.join(t.dir, "server.pid"), "w") as f:
            f.write("%d\n" % t.server_pid)
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
            bound, elsewhere = t.preload_bindings()
            check(not elsewhere, "with LD_PRELOAD tmux binds to another libevent: %s" % sorted(elsewhere))
            check(len(bound) >= 20 and "event_loop" in bound and "bufferevent_new" in bound,
                  "tmux's libevent symbols did not bind to ours: %s" % sorted(bound))
            print("  LD_PRELOAD: all %d libevent symbols tmux imports bind to ours" % len(bound))
        print("  tmux server pid %d mapped: %s" % (t.server_pid, " ".join(files)))

        t.run("new-window", "-t", "one", "-n", "second", *SHELL)
        t.run("new-session", "-d", "-s", "two", "-x", "80", "-y", "24", *SHELL)
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
            if round_ == 1:
                # The client is a libevent program too (its own loop: the server socket, stdin,
                # SIGWINCH): it maps the same library as the server.
                cfiles = t.maps(c.proc.pid)
                check(cfiles == files, "the attached client mapped %s, the server %s" % (cfiles, files))
                # The client's terminal shrinks: the client (SIGWINCH) tells the server, and the
                # window follows its only client (one line less: the status line).
                want = "90x25 90x24"
                c.resize(90, 25)
                t.wait_for("client and window at 90x25 / 90x24", lambda: t.run(
                    "list-clients", "-t", "one", "-F", "#{client_width}x#{client_height} #{window_width}x#{window_height}"
                ).strip() == want)
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
        print("  tmux (%s): 2 sessions, 3 windows, keys echoed, resize-window, attach/detach x2, client resized by SIGWINCH, kill-server: ok" % mode)
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
