#!/usr/bin/env python3
"""libevent 2.1.12's own test suite as our conformance oracle.

Runs every enabled `regress` case (one process per case) and libevent's small test programs
twice: on libevent's own libraries, built from Debian's source package by fetch.sh in the same
step (the reference), and on ours, swapped in with LD_LIBRARY_PATH. The groups that exercise
the backends run on epoll, poll (EVENT_NOEPOLL) and select (EVENT_NOEPOLL + EVENT_NOPOLL).
Everything runs inside a network namespace with only loopback (unshare --net).

A case fails the run when it passes on the reference, fails on ours (twice: one retry, as
libevent's own runner retries), and is listed neither in excluded.txt (tests that read
libevent's private internals, each with the internal it reads) nor in known-failing.txt (our
open failures, each with its cause; the list only shrinks). Writes RESULTS.md beside this file.

Usage: run.py [--jobs N] [--filter SUBSTRING] [--no-results-file]
"""

import argparse
import concurrent.futures
import fnmatch
import os
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
CONF = os.path.abspath(os.environ.get("OUT", os.path.join(ROOT, "build", "conformance")))
REF_LIBS = os.path.join(CONF, "build", ".libs")
OUR_LIBS = os.path.join(ROOT, "build", "lib")
BIN = os.path.join(CONF, "build", "test", ".libs")
SRC_TEST = os.path.join(CONF, "src", "test")

BACKENDS = {
    "epoll": {},
    "poll": {"EVENT_NOEPOLL": "1"},
    "select": {"EVENT_NOEPOLL": "1", "EVENT_NOPOLL": "1"},
}
ALL_BACKEND_GROUPS = {"main", "et", "signal", "bufferevent", "http"}
PROGRAMS = ["test-init", "test-eof", "test-weof", "test-closed", "test-changelist", "test-fdleak", "test-time"]
RATELIM = {
    "group_lim": "-g 30000 -n 30 -t 100 --check-grouplimit 1000 --check-stddev 100",
    "con_lim": "-c 1000 -n 30 -t 100 --check-connlimit 50 --check-stddev 50",
    "group_con_lim": "-c 1000 -g 30000 -n 30 -t 100 --check-grouplimit 1000 --check-connlimit 50 --check-stddev 50",
    "group_con_lim_drain": "-c 1000 -g 35000 -n 30 -t 100 -G 500 --check-grouplimit 1000 --check-connlimit 50 --check-stddev 50",
}
CASE_TIMEOUT = 90


def in_netns():
    """Re-run inside a fresh network namespace with loopback up (only loopback is reachable)."""
    if os.environ.get("LEVENT_CONFORMANCE_NETNS") == "1":
        return
    env = dict(os.environ, LEVENT_CONFORMANCE_NETNS="1")
    cmd = ["unshare", "--net", "sh", "-c", 'ip link set lo up && exec "$0" "$@"', sys.executable] + sys.argv
    try:
        os.execvpe("unshare", cmd, env)
    except OSError as e:
        sys.exit(f"conformance: cannot enter a network namespace ({e})")


def load_list(name):
    """Patterns `KIND BACKEND TEST` (fnmatch) with a reason after `#`."""
    out = []
    path = os.path.join(HERE, name)
    for line in open(path):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        pat, _, why = line.partition("#")
        pat = " ".join(pat.split())
        if not why.strip():
            sys.exit(f"conformance: {name}: '{pat}' needs a reason after '#'")
        out.append((pat, why.strip()))
    return out


def listed(case_id, patterns):
    for pat, why in patterns:
        if fnmatch.fnmatchcase(case_id, pat):
            return why
    return None


def regress_tests():
    r = subprocess.run([os.path.join(BIN, "regress"), "--list-tests"], env=env_for(REF_LIBS, {}),
                       capture_output=True, text=True, timeout=60)
    tests = []
    for line in r.stdout.splitlines():
        if line.startswith("    ") and "/" in line and "(Off by default)" not in line:
            tests.append(line.split()[0])
    return tests


def env_for(libs, extra):
    env = {k: v for k, v in os.environ.items() if not k.startswith("EVENT_")}
    env["LD_LIBRARY_PATH"] = libs
    env.update(extra)
    return env


def build_cases(flt):
    cases = []  # (id, group, backend, argv, extra_env, shell)
    for t in regress_tests():
        group = t.split("/")[0]
        backends = list(BACKENDS) if group in ALL_BACKEND_GROUPS else ["epoll"]
        for be in backends:
            cases.append((f"regress {be} {t}", group, be, [os.path.join(BIN, "regress"), "--quiet", t], BACKENDS[be], False))
    for p in PROGRAMS:
        for be in BACKENDS:
            cases.append((f"program {be} {p}", "programs", be, [os.path.join(BIN, p)], BACKENDS[be], False))
    dump = f'"{os.path.join(BIN, "test-dumpevents")}" | python3 "{os.path.join(SRC_TEST, "check-dumpevents.py")}"'
    cases.append(("program epoll test-dumpevents", "programs", "epoll", ["sh", "-c", dump], {}, True))
    for name, args in RATELIM.items():
        cases.append((f"program epoll test-ratelim/{name}", "programs", "epoll",
                       [os.path.join(BIN, "test-ratelim")] + args.split(), {}, False))
    if flt:
        cases = [c for c in cases if flt in c[0]]
    return cases


def run_case(case, libs):
    cid, _, _, argv, extra, _ = case
    try:
        r = subprocess.run(argv, env=env_for(libs, extra), stdin=subprocess.DEVNULL, capture_output=True,
                           timeout=CASE_TIMEOUT, cwd=CONF)
        out = (r.stdout + r.stderr).decode(errors="replace")
        if r.returncode == 0:
            return "skip" if "SKIPPED" in out or "1 tests ok.  (1 skipped)" in out else "ok", out
        return "fail", out + f"\n(exit {r.returncode})"
    except subprocess.TimeoutExpired as e:
        out = ((e.stdout or b"") + (e.stderr or b"")).decode(errors="replace")
        return "fail", out + f"\n(timed out after {CASE_TIMEOUT}s)"


def prove_loaded():
    """ldd must resolve every libevent library into the directory we put first."""
    for libs in (REF_LIBS, OUR_LIBS):
        r = subprocess.run(["ldd", os.path.join(BIN, "regress")], env=env_for(libs, {}), capture_output=True, text=True)
        lines = [line for line in r.stdout.splitlines() if "libevent" in line]
        bad = [line for line in lines if f"=> {libs}/" not in line]
        if not lines or bad:
            sys.exit(f"conformance: regress does not load libevent from {libs}:\n" + "\n".join(bad or [r.stdout]))
    print(f"conformance: ldd: reference from {REF_LIBS}, ours from {OUR_LIBS}")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--filter", default="")
    ap.add_argument("--no-results-file", action="store_true")
    args = ap.parse_args()
    in_netns()
    prove_loaded()
    excluded = load_list("excluded.txt")
    known = load_list("known-failing.txt")
    cases = build_cases(args.filter)
    t0 = time.time()
    results = {}

    def both(case):
        ref, ref_out = run_case(case, REF_LIBS)
        ours, out = run_case(case, OUR_LIBS)
        if ours == "fail" and ref == "ok":
            ours, out = run_case(case, OUR_LIBS)  # one retry, as libevent's runner retries
        return case, ref, ours, out

    with concurrent.futures.ThreadPoolExecutor(max_workers=args.jobs) as pool:
        for case, ref, ours, out in pool.map(both, cases):
            results[case[0]] = (case, ref, ours, out)

    # per group and backend: reference ok/run, ours ok/run, ours ok among the reference's ok
    table = {}
    regressions, fixed = [], []
    for cid, (case, ref, ours, out) in results.items():
        key = (case[1], case[2])
        row = table.setdefault(key, [0, 0, 0, 0, 0, 0])  # run, ref_ok, ours_ok, ref_ok&ours_ok, excluded, known
        row[0] += 1
        row[1] += ref == "ok"
        row[2] += ours == "ok"
        row[3] += ref == "ok" and ours == "ok"
        if ref == "ok" and ours != "ok":
            if listed(cid, excluded):
                row[4] += 1
            elif listed(cid, known):
                row[5] += 1
            else:
                regressions.append((cid, out))
        elif ref == "ok" and ours == "ok" and listed(cid, known):
            fixed.append(cid)

    lines = ["| group | backend | cases | pass on libevent | pass on ours | of libevent's, ours pass | excluded (internals) | known failing |",
             "|---|---|---:|---:|---:|---:|---:|---:|"]
    tot = [0] * 6
    for (g, be) in sorted(table):
        row = table[(g, be)]
        tot = [a + b for a, b in zip(tot, row)]
        lines.append(f"| {g} | {be} | {row[0]} | {row[1]} | {row[2]} | {row[3]} | {row[4]} | {row[5]} |")
    lines.append(f"| **all** | | {tot[0]} | {tot[1]} | {tot[2]} | {tot[3]} | {tot[4]} | {tot[5]} |")
    print("\n".join(lines))
    for cid, out in sorted(regressions):
        print(f"\nFAIL {cid} (passes on libevent, fails on ours):")
        print("    " + "\n    ".join(out.strip().splitlines()[-15:]))
    for cid in sorted(fixed):
        print(f"now passing, remove from known-failing.txt: {cid}")
    if not args.no_results_file and not args.filter:
        with open(os.path.join(HERE, "RESULTS.md"), "w") as f:
            f.write("# Conformance: libevent 2.1.12's own tests on our library\n\n")
            f.write("Generated by `make conformance` (tests-conformance/run.py): each case of libevent's `regress` and\n"
                    "its test programs, built from Debian's libevent 2.1.12-stable-8+deb12u1 source package, run on\n"
                    "libevent's own libraries (built in the same step) and on ours. Exclusions (tests that read\n"
                    "libevent's private internals) are in `excluded.txt`; open failures, each with its cause, in\n"
                    "`known-failing.txt`.\n\n")
            f.write("\n".join(lines) + "\n")
    print(f"conformance: {len(results)} cases in {time.time() - t0:.0f}s; {tot[3]} of the {tot[1]} that pass on libevent "
          f"pass on ours; {tot[4]} excluded, {tot[5]} known failing, {len(regressions)} unexpected failures")
    print(f"{tot[3]} passed, {len(regressions)} failed")
    sys.exit(1 if regressions else 0)


if __name__ == "__main__":
    main()
