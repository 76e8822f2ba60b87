"""Shared helpers for the peer benchmark scripts in benches/peers/.

Standard library only: this module is imported both by the system Python (before the
script re-executes itself inside its venv) and by the venv's Python.

* ``bootstrap(name)``: create ``benches/peers/.venv-<name>`` if needed, install the pinned
  ``requirements-<name>.txt`` into it (re-installed whenever that file changes), and
  re-execute the calling script with the venv's interpreter.
* ``measure(fn)``: the timing rule shared by all peers (median of repeats, see below).
* ``write_json_atomic(path, obj)``: write to a temp file in the same folder, then rename.
* ``machine_info()``: what the numbers were measured on.
"""

import datetime
import hashlib
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
RESULTS = os.path.join(HERE, "results")

# Timing rule: repeat the whole computation (from scratch) until 5 repetitions are done or
# 1 s of total time has been spent, whichever comes first; report the median.
MAX_REPS = 5
MIN_TOTAL_S = 1.0


def bootstrap(name):
    """Make sure we run inside .venv-<name> with requirements-<name>.txt installed."""
    venv = os.path.join(HERE, ".venv-" + name)
    req = os.path.join(HERE, "requirements-%s.txt" % name)
    py = os.path.join(venv, "bin", "python")
    if os.path.realpath(sys.prefix) == os.path.realpath(venv):
        return
    with open(req, "rb") as fh:
        digest = hashlib.sha256(fh.read()).hexdigest()
    stamp = os.path.join(venv, ".requirements.sha256")
    current = None
    if os.path.exists(stamp):
        with open(stamp) as fh:
            current = fh.read().strip()
    if current != digest:
        if not os.path.exists(py):
            print("[%s] creating %s" % (name, venv), file=sys.stderr)
            subprocess.check_call([sys.executable, "-m", "venv", venv])
        print("[%s] installing %s" % (name, os.path.basename(req)), file=sys.stderr)
        subprocess.check_call([py, "-m", "pip", "install", "-q", "--no-deps", "-r", req])
        # report unmet declared dependencies, but do not fail on them (BSeries declares
        # matplotlib, which it imports only for plotting)
        subprocess.call([py, "-m", "pip", "check"])
        with open(stamp, "w") as fh:
            fh.write(digest + "\n")
    script = os.path.abspath(sys.argv[0])
    os.execv(py, [py, script] + sys.argv[1:])


def measure(fn, max_reps=MAX_REPS, min_total=MIN_TOTAL_S, before_each=None):
    """Run fn() repeatedly (see the timing rule above); return (median_s, times, last_result)."""
    times = []
    result = None
    total = 0.0
    while len(times) < max_reps and total < min_total:
        if before_each is not None:
            before_each()
        t0 = time.perf_counter()
        result = fn()
        dt = time.perf_counter() - t0
        times.append(dt)
        total += dt
    return statistics.median(times), times, result


def write_json_atomic(path, obj):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=os.path.dirname(path), prefix=".tmp-", suffix=".json")
    try:
        with os.fdopen(fd, "w") as fh:
            json.dump(obj, fh, indent=1, sort_keys=False)
            fh.write("\n")
        os.chmod(tmp, 0o644)  # mkstemp creates 0600
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def machine_info():
    cpu = platform.processor() or ""
    try:
        with open("/proc/cpuinfo") as fh:
            for line in fh:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    return {
        "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "cpu": cpu,
        "cores": os.cpu_count(),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "loadavg_1_5_15": [round(x, 2) for x in os.getloadavg()],
    }


def result_path(name):
    return os.path.join(RESULTS, name)
