"""Driver shared by derive_sympy.py and derive_symengine.py (standard library only).

Each (problem, order) is timed in a forked child process so that a run over the time limit
(120 s by default) can be killed and recorded as a timeout, and so that memory is returned
between runs. The child repeats the whole derivation from scratch following the timing rule
of _peer_common.measure (median of up to 5 repetitions or 1 s in total) and reports each
repetition to the parent as it finishes.

A backend is an object with:
  name, version          strings for the JSON
  problems               ordered list of problem names
  derive(problem, N)     -> list [f_1, ..., f_N] (each a list of components), from scratch
  count_terms(problem, fs) -> total number of terms of f_1..f_N (see the README)
  to_strings(problem, f) -> list of plain strings, one per component
  check(problem)         -> dict with the f_1/f_2 oracle verdicts (not timed)
  before_each()          -> called before every timed repetition (e.g. clear SymPy's cache)
"""

import multiprocessing as mp
import os
import resource
import signal
import statistics
import sys
import time
import traceback

from _peer_common import MAX_REPS, MIN_TOTAL_S, machine_info, result_path, write_json_atomic

ORDERS = [2, 4, 6, 8]
TIMEOUT_S = float(os.environ.get("PEER_TIMEOUT_S", "120"))  # CPU seconds per repetition
WALL_LIMIT_S = float(os.environ.get("PEER_WALL_LIMIT_S", "600"))  # safety net, wall seconds
MEM_LIMIT = int(float(os.environ.get("PEER_MEM_GIB", "8")) * 2**30)


def _limit_memory(cpu_limit=None):
    """Cap the child's address space and, for timed runs, its CPU time (SIGXCPU ends it)."""
    try:
        resource.setrlimit(resource.RLIMIT_AS, (MEM_LIMIT, MEM_LIMIT))
        if cpu_limit:
            resource.setrlimit(resource.RLIMIT_CPU, (cpu_limit, cpu_limit + 5))
    except (ValueError, OSError):
        pass


def _child_time(backend, problem, order, conn):
    try:
        # the time limit counts CPU seconds, so that load from other processes on the machine does
        # not turn a slow run into a timeout; the repetitions stop after 1 s, so this is the
        # limit of one repetition (within about 1 s)
        _limit_memory(int(TIMEOUT_S) + 1)
        total = 0.0
        times = []
        fs = None
        cpu = []
        while len(times) < MAX_REPS and total < MIN_TOTAL_S:
            backend.before_each()
            c0 = time.thread_time()
            t0 = time.perf_counter()
            fs = backend.derive(problem, order)
            dt = time.perf_counter() - t0
            cpu.append(time.thread_time() - c0)
            times.append(dt)
            total += dt
            conn.send(("rep", dt, cpu[-1]))
        extra = {"terms": backend.count_terms(problem, fs), "cpu": cpu}
        if order == 2:
            extra["f1"] = backend.to_strings(problem, fs[0])
            extra["f2"] = backend.to_strings(problem, fs[1])
        conn.send(("done", times, extra))
    except BaseException as exc:  # report, never hang the parent
        conn.send(("error", "%s: %s" % (type(exc).__name__, exc), traceback.format_exc()))
    finally:
        conn.close()


def _child_check(backend, problem, conn):
    try:
        _limit_memory()
        conn.send(("done", backend.check(problem)))
    except BaseException as exc:
        conn.send(("error", "%s: %s" % (type(exc).__name__, exc), traceback.format_exc()))
    finally:
        conn.close()


def _run_child(target, args, timeout):
    """Run target in a forked child; return the list of messages and whether it timed out.

    The timeout applies to each message (each timed repetition) separately."""
    ctx = mp.get_context("fork")
    parent, child = ctx.Pipe(duplex=False)
    proc = ctx.Process(target=target, args=args + (child,))
    proc.start()
    child.close()
    msgs = []
    timed_out = False
    while True:
        if not parent.poll(timeout):
            timed_out = True
            proc.kill()
            break
        try:
            msg = parent.recv()
        except EOFError:
            proc.join()
            if proc.exitcode in (-signal.SIGXCPU, -signal.SIGKILL):
                timed_out = True  # over its CPU-time limit
            else:
                msgs.append(("error", "child died (exit code %s)" % proc.exitcode, ""))
            break
        msgs.append(msg)
        if msg[0] in ("done", "error"):
            break
    proc.join()
    return msgs, timed_out


def run(backend, out_name, formulas_name, notes):
    problems = backend.problems
    only = os.environ.get("PEER_PROBLEMS")
    if only:
        problems = [p for p in problems if p in only.split(",")]
    orders = [int(o) for o in os.environ.get("PEER_ORDERS", ",".join(map(str, ORDERS))).split(",")]
    out = {
        "peer": backend.name,
        "version": backend.version,
        "machine": machine_info(),
        "timing": "median of repetitions from scratch; repeat until %d repetitions or %.1f s in total; "
        "seconds = wall clock (time.perf_counter), cpu_seconds = CPU time of the computing thread (time.thread_time; "
        "single-threaded computation; less sensitive to other load on the machine); a repetition over %.0f CPU s is killed and "
        "recorded as a timeout" % (MAX_REPS, MIN_TOTAL_S, TIMEOUT_S),
        "notes": notes,
        "checks": {},
        "results": [],
    }
    formulas = {"peer": backend.name, "version": backend.version, "problems": {}}
    path = result_path(out_name)
    for problem in problems:
        msgs, timed_out = _run_child(_child_check, (backend, problem), WALL_LIMIT_S)
        if timed_out:
            out["checks"][problem] = {"error": "check timed out"}
        elif msgs[-1][0] == "error":
            out["checks"][problem] = {"error": msgs[-1][1]}
            print(msgs[-1][2], file=sys.stderr)
        else:
            out["checks"][problem] = msgs[-1][1]
        print("[%s] check %s: %s" % (backend.name, problem, out["checks"][problem]), file=sys.stderr)
        skip = False
        for order in orders:
            row = {"problem": problem, "order": order}
            if skip:
                row.update(seconds=None, terms=None, timeout=True, note="skipped: a lower order timed out")
                out["results"].append(row)
                continue
            msgs, timed_out = _run_child(_child_time, (backend, problem, order), WALL_LIMIT_S)
            reps = [m[1] for m in msgs if m[0] == "rep"]
            cpu = [m[2] for m in msgs if m[0] == "rep"]
            last = msgs[-1] if msgs else ("none",)
            if timed_out:
                row.update(seconds=statistics.median(reps) if reps else None,
                           cpu_seconds=statistics.median(cpu) if cpu else None, terms=None, timeout=True,
                           reps=reps, note="a repetition exceeded %.0f CPU s" % TIMEOUT_S)
                skip = not reps
            elif last[0] == "error":
                row.update(seconds=None, terms=None, timeout=False, error=last[1])
                print(last[2], file=sys.stderr)
                skip = True
            else:
                times, extra = last[1], last[2]
                row.update(seconds=statistics.median(times), cpu_seconds=statistics.median(extra["cpu"]),
                           terms=extra["terms"], timeout=False, reps=times)
                if "f1" in extra:
                    formulas["problems"][problem] = {"f1": extra["f1"], "f2": extra["f2"]}
            out["results"].append(row)
            print("[%s] %s order %d: %s" % (backend.name, problem, order,
                                          {k: v for k, v in row.items() if k != "reps"}), file=sys.stderr)
            write_json_atomic(path, out)  # partial results survive an interruption
    out["machine"]["loadavg_end"] = [round(x, 2) for x in os.getloadavg()]
    write_json_atomic(path, out)
    write_json_atomic(result_path(formulas_name), formulas)
    failed = [p for p, c in out["checks"].items() if not c.get("ok")]
    print("[%s] wrote %s" % (backend.name, path), file=sys.stderr)
    if failed:
        print("[%s] CHECK FAILED for %s" % (backend.name, failed), file=sys.stderr)
        sys.exit(1)
