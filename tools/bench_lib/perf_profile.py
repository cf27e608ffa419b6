"""perf_profile.py — the CPU profile of tools/bench's "profile" section: `perf record` of given
processes, then `perf script` parsed here into shares (by shared object, by symbol's self
time, and by the time spent under chosen call-chain entries). Reports shares of samples,
never asserts on them. The parsing and summing are pure functions (test_perf_profile.py)."""

import os
import re
import shutil
import subprocess

# perf's software clock: works where hardware counters are not exposed (VMs, containers).
PERF_EVENT = "cpu-clock"
PERF_FREQ = 999

# Inclusive shares: a sample counts for a group when any frame of its call chain matches
# (once per sample). Chosen for the step path: what the engine's statements cost around
# the step's own work.
CHAIN_GROUPS = [
    ("SPI_execute_plan (saved plans: the engine's statements and the step's)", re.compile(r"^SPI_execute_plan$")),
    ("SPI_execute / SPI_execute_with_args (planned per call)", re.compile(r"^SPI_execute(_with_args|_extended)?$")),
    ("plan-cache revalidation (RevalidateCachedQuery, AcquireExecutorLocks)",
     re.compile(r"^(RevalidateCachedQuery|AcquireExecutorLocks|CheckCachedPlan)$")),
    ("planner (pg_plan_query)", re.compile(r"^(pg_plan_query|standard_planner)$")),
    ("parse analysis and rewrite", re.compile(r"^(parse_analyze\w*|pg_analyze_and_rewrite\w*|pg_rewrite_query)$")),
    ("raw parser (raw_parser)", re.compile(r"^(raw_parser|base_yyparse)$")),
    ("executor start / end (plan tree set-up and shut-down)",
     re.compile(r"^(standard_ExecutorStart|standard_ExecutorEnd)$")),
    ("executor run (standard_ExecutorRun)", re.compile(r"^standard_ExecutorRun$")),
    ("deferred triggers, FK checks (AfterTriggerFireDeferred, RI_FKey_check)",
     re.compile(r"^(AfterTriggerFireDeferred|AfterTriggerEndQuery|RI_FKey_check\w*)$")),
    ("transaction commit (CommitTransactionCommand)", re.compile(r"^CommitTransactionCommand$")),
    ("  of which WAL flush (XLogFlush)", re.compile(r"^XLogFlush$")),
    ("WAL insert (XLogInsert)", re.compile(r"^XLogInsert$")),
    ("subtransactions (Begin/Release/RollbackAndRelease...SubTransaction)",
     re.compile(r"^(BeginInternalSubTransaction|ReleaseCurrentSubTransaction|RollbackAndReleaseCurrentSubTransaction)$")),
    ("jsonb (jsonb_*, JsonbValueToJsonb, to_jsonb, parse_jsonb...)",
     re.compile(r"^(jsonb\w*|Jsonb\w*|to_jsonb|pushJsonbValue|JsonbDeepContains|datum_to_jsonb\w*|pg_parse_json)$")),
    ("VM state (de)serialization (pg_durable: *serialize*)", re.compile(r"serializ", re.I)),
    ("snapshots (GetSnapshotData)", re.compile(r"^GetSnapshotData$")),
    ("catalog cache lookups (SearchCatCache*)", re.compile(r"^SearchCatCache\w*$")),
    ("memory contexts (AllocSet*, MemoryContext*)", re.compile(r"^(AllocSet\w+|MemoryContext\w+)$")),
]

FRAME_RE = re.compile(r"^\s+([0-9a-f]+)\s+(.*?)\s+\((.*)\)\s*$")


def perf_unavailable_reason():
    """None when `perf record` can sample other processes here, else why not."""
    perf = shutil.which("perf")
    if not perf:
        return "perf is not installed (tools/dev setup installs linux-perf)"
    try:
        res = subprocess.run([perf, "record", "-e", PERF_EVENT, "-F", str(PERF_FREQ), "-o", "/dev/null",
                              "--", "true"], capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired) as e:
        return f"perf could not run ({e})"
    if res.returncode != 0:
        return "perf record failed: " + (res.stderr.strip().splitlines() or ["?"])[-1]
    if os.geteuid() != 0:
        try:
            paranoid = int(open("/proc/sys/kernel/perf_event_paranoid").read())
        except (OSError, ValueError):
            paranoid = 2
        if paranoid > 0:
            return (f"perf_event_paranoid = {paranoid} and not root: the server's processes belong to "
                    "another user and cannot be sampled")
    return None


def record(pids, seconds, out_path):
    """Samples the given processes (with call chains) for `seconds`; raises on failure."""
    cmd = ["perf", "record", "-q", "-e", PERF_EVENT, "-F", str(PERF_FREQ), "-g", "-o", out_path,
           "-p", ",".join(str(p) for p in pids), "--", "sleep", str(seconds)]
    res = subprocess.run(cmd, capture_output=True, text=True, timeout=seconds + 120)
    if res.returncode != 0 or not os.path.exists(out_path):
        raise RuntimeError(f"perf record failed: {res.stderr.strip()[-300:]}")


def script(data_path):
    res = subprocess.run(["perf", "script", "-i", data_path, "-F", "comm,pid,ip,sym,dso"],
                         capture_output=True, text=True, timeout=600)
    if res.returncode != 0:
        raise RuntimeError(f"perf script failed: {res.stderr.strip()[-300:]}")
    return res.stdout


def dso_name(path):
    """A short name for a shared object: postgres, pg_durable.so, libc, kernel, ..."""
    if path.startswith("[kernel") or path in ("[vdso]",):
        return "kernel" if path.startswith("[kernel") else path
    if path in ("[unknown]", ""):
        return "[unknown]"
    base = os.path.basename(path)
    m = re.match(r"(lib[\w+-]+?)(-[\d.]+)?\.so", base)
    if m and base != "pg_durable.so":
        return m.group(1)
    return base


def parse_script(text):
    """`perf script -F comm,pid,ip,sym,dso` output -> [[(symbol, dso), ...] leaf first]."""
    samples, frames = [], None
    for line in text.splitlines():
        if not line.strip():
            if frames:
                samples.append(frames)
            frames = None
            continue
        m = FRAME_RE.match(line)
        if m and frames is not None:
            sym = re.sub(r"\+0x[0-9a-f]+$", "", m.group(2))
            frames.append((sym, dso_name(m.group(3))))
        elif not line[0].isspace():
            if frames:
                samples.append(frames)
            frames = []
    if frames:
        samples.append(frames)
    return samples


def summarize(samples, top=15):
    """{'samples': n, 'dso': [(dso, share)], 'self': [(symbol, dso, share)],
    'chains': [(group, share)]}: shares of all samples, largest first (chains in
    CHAIN_GROUPS order)."""
    n = len(samples)
    if n == 0:
        return {"samples": 0, "dso": [], "self": [], "chains": []}
    by_dso, by_sym = {}, {}
    chains = {label: 0 for label, _ in CHAIN_GROUPS}
    for frames in samples:
        sym, dso = frames[0]
        by_dso[dso] = by_dso.get(dso, 0) + 1
        by_sym[(sym, dso)] = by_sym.get((sym, dso), 0) + 1
        names = {s for s, _ in frames}
        for label, rx in CHAIN_GROUPS:
            if any(rx.search(s) for s in names):
                chains[label] += 1
    order = lambda d: sorted(d.items(), key=lambda kv: (-kv[1], kv[0]))  # noqa: E731
    return {"samples": n,
            "dso": [(d, c / n) for d, c in order(by_dso)],
            "self": [(s, d, c / n) for (s, d), c in order(by_sym)[:top]],
            "chains": [(label, chains[label] / n) for label, _ in CHAIN_GROUPS]}
