"""report.py — turns the measurements of bench.py into the console table and BENCHMARKS.md:
every figure as median (min–max) over the repeated runs, the targets of docs/design.md
"Performance model" marked met / missed, never asserted."""

import os

import perf_profile as prof
import workloads as w

FINDINGS_FILE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "findings.md")


def verdict(value, comparison, target):
    if comparison == ">=":
        return "met" if value >= target else "missed"
    if comparison == "<=":
        return "met" if value <= target else "missed"
    raise ValueError(f"unknown comparison {comparison!r}")


def fig(triple, digits=1):
    med, lo, hi = triple
    return f"{med:.{digits}f} ({lo:.{digits}f}–{hi:.{digits}f})"


def ratios(numerators, denominators):
    """Paired per-run ratios (the runs were interleaved)."""
    return [a / b for a, b in zip(numerators, denominators)]


def cost_ms(steps_per_s):
    return [1000.0 / x for x in steps_per_s]


# ---------------------------------------------------------------------- figures
def rows(r, b):
    """[(section, what, figure text)] for the main table."""
    out = []
    for k in (1, 8):
        out.append(("1 physical limit", f"pgbench INSERT, {k} client{'s' if k > 1 else ''} (TPS)",
                    fig(w.summary(r["pgbench"][k]), 0)))
    for k in (1, 8):
        seq = r["seq"]["none"][k]
        out.append(("2 sequential", f"10-step workflow, {k} in flight (steps/s)", fig(w.summary(seq), 0)))
        out.append(("2 sequential", f"  ratio to pgbench at {k}", fig(w.summary(ratios(seq, r["pgbench"][k])), 2)))
    lat = r["latency"]
    out.append(("3 latency", f"1-step workflow, {b.latency_n} sequential: p50 (ms)", fig(w.summary(lat["p50"]), 2)))
    out.append(("3 latency", "  p99 (ms)", fig(w.summary(lat["p99"]), 2)))
    out.append(("3 latency", "  max (ms)", fig(w.summary(lat["max"]), 2)))
    for k in (1, 8):
        out.append(("4 fan-out", f"10-branch join + 1 step, {k} in flight (instances/s)",
                    fig(w.summary(r["fanout"][k]), 1)))
    big = list(r["seq"].keys() - {"none"})[0]
    for k in (1, 8):
        none, full = w.summary(cost_ms(r["seq"]["none"][k])), w.summary(cost_ms(r["seq"][big][k]))
        out.append(("5 scale", f"ms per step, {k} in flight, no finished instances", fig(none, 3)))
        out.append(("5 scale", f"ms per step, {k} in flight, {big} finished instances",
                    fig(full, 3) + f"  ({(full[0] / none[0] - 1) * 100:+.1f}%)"))
        cpu = r.get("seq_cpu", {})
        if k in cpu.get("none", {}) and k in cpu.get(big, {}):
            c0, c1 = w.summary(cpu["none"][k]), w.summary(cpu[big][k])
            out.append(("5 scale", f"  engine CPU ms per step, {k} in flight: 0 / {big} finished",
                        f"{fig(c0, 3)} / {fig(c1, 3)}  ({(c1[0] / c0[0] - 1) * 100:+.1f}%)"))
    for key in ("workflow 1", "workflow 8", "pgbench 1", "pgbench 8"):
        d = r["wal"][key]
        per = "step" if key.startswith("workflow") else "transaction"
        out.append(("6 commits, WAL", f"{key}: commits per {per} (WAL commit records)", f"{engine_commits(d):.3f}"))
        out.append(("6 commits, WAL", f"{key}: WAL bytes per {per}", f"{d['wal_bytes'] / d['units']:.0f}"))
    return out


def issue_rows(r, b):
    """[(figure, measured, target)] — the figures of issue #12's table, each as the bench
    measured it in this run (ratios to pgbench in the same run)."""
    out = []
    pgb = {k: w.summary(r["pgbench"][k])[0] for k in (1, 8)}
    seq = r["seq"]["none"]
    for k, vs in ((1, 1), (8, 8), (200, 8)):
        if k not in seq or not seq[k]:
            continue
        ratio = w.summary(ratios(seq[k], r["pgbench"][vs]))
        out.append((f"10-step sequential, {k} in flight: steps/s; ratio to pgbench @{vs}",
                    f"{w.summary(seq[k])[0]:.0f}; {fig(ratio, 2)}", ">= 0.7x" if k == 200 else ">= 0.5x"))
    ceil = r.get("ceiling") or {}
    for k in (1, 8):
        if not ceil.get(k):
            continue
        c = w.summary(ceil[k])[0]
        share = w.summary(seq[k])[0] / c if seq.get(k) else None
        out.append((f"in-server ceiling, {k} client(s): effect + checkpoint + COMMIT per step (TPS); "
                    f"ratio to pgbench @{k}; the 10-step workflow at {k} in flight as a share of it",
                    f"{c:.0f}; {c / pgb[k]:.2f}; " + (f"{share:.2f}" if share is not None else "-"),
                    "reported"))
    loop = r.get("ceiling_loop") or {}
    for k in (1, 8):
        if not loop.get(k):
            continue
        c = w.summary(loop[k])[0]
        vs_ceiling = f"{c / w.summary(ceil[k])[0]:.2f}" if ceil.get(k) else "-"
        share = w.summary(seq[k])[0] / c if seq.get(k) else None
        out.append((f"in-server ceiling, PL/pgSQL loop, {k} session(s): effect INSERT + checkpoint UPDATE + "
                    f"COMMIT per step (TPS); ratio to pgbench @{k}; to the pgbench-based ceiling @{k}; "
                    f"the 10-step workflow at {k} in flight as a share of it",
                    f"{c:.0f}; {fig(w.summary(ratios(loop[k], r['pgbench'][k])), 2)}; {vs_ceiling}; "
                    + (f"{share:.2f}" if share is not None else "-"), "reported"))
    st = r.get("statements")
    if st:
        c, n = st["counts"], st["n"]
        marginal = (c[10]["engine"] - c[1]["engine"]) / (9 * n)
        out.append(("engine statements per SQL step (pg_stat_statements, besides the step's own)",
                    f"{marginal:.2f} marginal; {c[10]['engine'] / (10 * n):.2f} all included "
                    f"(start and finish spread over the 10 steps)", "<= 3"))
        if "fk" in c[10]:
            fk = (c[10]["fk"] - c[1]["fk"]) / (9 * n)
            out.append(("  of which deferred foreign-key checks of df.start's df.nodes rows (per step; "
                        "19 node rows per 10-step instance)", f"{fk:.2f}; step path alone {marginal - fk:.2f}",
                        "<= 3"))
    for k in (1, 8):
        d = r["wal"][f"workflow {k}"]
        p = r["wal"][f"pgbench {k}"]
        step = (f"; the step's own transaction alone: {d['step_txn_bytes'] / d['step_txns']:.0f} "
                f"(pgbench's: {p['step_txn_bytes'] / max(p['step_txns'], 1):.0f})") if d.get("step_txns") else ""
        out.append((f"WAL bytes per SQL step, {k} in flight: all WAL / steps (pgbench: "
                    f"{p['wal_bytes'] / p['units']:.0f} per transaction)",
                    f"{d['wal_bytes'] / d['units']:.0f}{step}", "<= 600"))
    for k in (1, 8):
        d = r["wal"][f"workflow {k}"]
        if "engine_cpu_s" in d:
            out.append((f"engine CPU per SQL step, {k} in flight (ms; scheduler + executors, /proc)",
                        f"{d['engine_cpu_s'] * 1000 / d['units']:.3f}", "lower"))
    lat = r["latency"]
    pgb_ms = 1000.0 / pgb[1]
    p50, p99 = w.summary(lat["p50"])[0], w.summary(lat["p99"])[0]
    out.append(("1-step latency p50 / p99 (ms); ratio to pgbench 1-client latency (1 / TPS @1 = "
                f"{pgb_ms:.2f} ms)", f"{p50:.2f} / {p99:.2f}; {p50 / pgb_ms:.1f}x / {p99 / pgb_ms:.1f}x",
                "<= 2x / <= 5x"))
    fan8 = [x * (FANOUT_BRANCHES + 1) for x in r["fanout"][8]]
    out.append(("10-branch join + 1 step, 8 in flight: steps/s; ratio to pgbench @8",
                f"{w.summary(fan8)[0]:.0f}; {w.summary(ratios(fan8, r['pgbench'][8]))[0]:.2f}", ">= 0.5x"))
    bj = r.get("big_join")
    if bj:
        rate = bj["branches"] / bj["seconds"]
        out.append((f"{bj['branches']:,}-branch join (1 instance): steps/s; vs the 10-branch join @8",
                    f"{rate:.0f} ({bj['seconds']:.2f} s); {rate / w.summary(fan8)[0]:.2f}x", "1.0x (linear)"))
    sig = r.get("signals")
    if sig:
        out.append((f"{sig['n']:,} buffered signals, one commit each: ms per signal (first tenth / "
                    "last tenth)", f"{w.summary(sig['all'])[0]:.3f} ({w.summary(sig['first'])[0]:.3f} / "
                    f"{w.summary(sig['last'])[0]:.3f})", "flat"))
    big = list(r["seq"].keys() - {"none"})[0]
    for k in (1, 8):
        none, full = w.summary(cost_ms(seq[k]))[0], w.summary(cost_ms(r["seq"][big][k]))[0]
        cpu = r.get("seq_cpu", {})
        extra = ""
        if k in cpu.get("none", {}) and k in cpu.get(big, {}):
            c0, c1 = w.summary(cpu["none"][k])[0], w.summary(cpu[big][k])[0]
            extra = f"; engine CPU per step {c0:.3f} vs {c1:.3f} ms ({(c1 / c0 - 1) * 100:+.1f}%)"
        out.append((f"ms per step, {k} in flight: 0 vs {big} finished instances",
                    f"{none:.3f} vs {full:.3f} ({(full / none - 1) * 100:+.1f}%){extra}", "within 10%"))
    stages = list(r["memory"].keys())
    anon = max((m["RssAnon"] for m in r["memory"][stages[-1]].values()), default=0)
    peak = max((m["RssAnon"] for s in stages for m in r["memory"][s].values()), default=0)
    out.append(("executor private memory (RssAnon, MiB): largest at the end / peak",
                f"{anon / 1024:.1f} / {peak / 1024:.1f}", "flat"))
    ex = r.get("executors")
    if ex:
        out.append(("10-step sequential @8 with 1 / 2 / 4 executors (steps/s)",
                    " / ".join(f"{w.summary(ex[n])[0]:.0f}" for n in sorted(ex)), "reported"))
    return out


def statements_table(r):
    st = r["statements"]
    n = st["n"]
    top = st["counts"][10]["top"]
    return table(["engine statement (10-step run)", "calls per step"],
                 [[q.replace("|", "\\|")[:140], f"{c / (10 * n):.2f}"] for q, c in top])


FANOUT_BRANCHES = 10


def engine_commits(d):
    """COMMITs of transactions that wrote the step's relations, per unit, minus the
    df.start commits of the driver (the application's own commits)."""
    return (d["commits_ours"] - d["starts"]) / d["units"]


def targets(r):
    big = list(r["seq"].keys() - {"none"})[0]
    out = []
    ratio8 = w.summary(ratios(r["seq"]["none"][8], r["pgbench"][8]))[0]
    out.append(("sequential throughput at 8 in flight >= 50% of pgbench at 8 clients",
                f"{ratio8 * 100:.0f}%", verdict(ratio8, ">=", 0.5)))
    p50, p99 = w.summary(r["latency"]["p50"])[0], w.summary(r["latency"]["p99"])[0]
    out.append(("latency p50 <= 5 ms", f"{p50:.2f} ms", verdict(p50, "<=", 5.0)))
    out.append(("latency p99 <= 20 ms", f"{p99:.2f} ms", verdict(p99, "<=", 20.0)))
    for k in (1, 8):
        none, full = w.summary(cost_ms(r["seq"]["none"][k]))[0], w.summary(cost_ms(r["seq"][big][k]))[0]
        out.append((f"cost per step flat within 10% from 0 to {big} finished ({k} in flight)",
                    f"{(full / none - 1) * 100:+.1f}% (negative = cheaper)",
                    "met" if w.within(none, full, 0.10) else "missed"))
    worst = max(engine_commits(r["wal"][f"workflow {k}"]) for k in (1, 8))
    out.append(("one commit per SQL step", f"{worst:.3f}", verdict(worst, "<=", 1.02)))
    stages = list(r["memory"].keys())
    first, last = stages[1], stages[2]  # 1,000 and 3,000 driven instances
    worst_change, who = memory_change(r["memory"][first], r["memory"][last], "RssAnon")
    out.append((f"worker private memory (RssAnon) flat within 10% from {first} to {last} instances",
                f"{worst_change * 100:+.1f}% ({who})", "met" if abs(worst_change) <= 0.10 else "missed"))
    # VmRSS = RssAnon + RssFile + RssShmem: it grows with the shared buffers a process has
    # touched (more data read, no leak), so it is shown, not judged.
    worst_change, who = memory_change(r["memory"][first], r["memory"][last], "VmRSS")
    shm, _ = memory_change(r["memory"][first], r["memory"][last], "RssShmem")
    out.append((f"worker resident memory (VmRSS, includes the shared buffers touched) from {first} to {last}",
                f"{worst_change * 100:+.1f}% ({who}; its RssShmem {shm * 100:+.1f}%)", "reported, not a target"))
    return out


def memory_change(before, after, kind):
    worst, who = 0.0, "-"
    for name, mem in after.items():
        if name in before and before[name][kind]:
            change = mem[kind] / before[name][kind] - 1
            if abs(change) >= abs(worst):
                worst, who = change, name
    return worst, who


# ---------------------------------------------------------------------- rendering
def table(header, body):
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in body]
    return "\n".join(lines)


def memory_table(r):
    stages = list(r["memory"].keys())
    names = sorted({n for s in stages for n in r["memory"][s]})
    body = []
    for n in names:
        cells = []
        for s in stages:
            m = r["memory"][s].get(n)
            cells.append(f"{m['VmRSS'] / 1024:.1f} / {m['RssAnon'] / 1024:.1f}" if m else "–")
        body.append([n] + cells)
    return table(["process (VmRSS / RssAnon, MiB)"] + [f"after {s}" if s[0].isdigit() else s for s in stages], body)


def wal_breakdown(d, top=12):
    items = sorted(d["records"].items(), key=lambda kv: -kv[1][0])[:top]
    return table(["WAL record type", "records per step", "bytes per step (incl. FPI)"],
                 [[name, f"{n / d['units']:.2f}", f"{size / d['units']:.0f}"] for name, (n, size) in items])


def console_table(r, b):
    width = max(len(what) for _, what, _ in rows(r, b)) + 2
    lines = ["", f"{'':18}{'figure':{width}}median (min–max) over {b.reps} runs"]
    for section, what, value in rows(r, b):
        lines.append(f"{section:18}{what:{width}}{value}")
    lines.append("")
    for what, value, target in issue_rows(r, b):
        lines.append(f"#12: {what}: {value} (target {target})")
    lines.append("")
    for what, value, v in targets(r):
        lines.append(f"target: {what}: {value} — {v.upper()}")
    return "\n".join(lines)


def render(r, b):
    m = r["machine"]
    big = list(r["seq"].keys() - {"none"})[0]
    parts = [
        "# Benchmarks",
        "",
        f"Generated by `{r['command']}` on {r['started']} ({r['duration']:.0f} s, "
        f"{'quick' if b.quick else 'full'} run). Do not edit by hand: rerun the command. Every figure "
        f"is the median over {b.reps} runs with (min–max); pgbench runs against the same server in "
        "the same run, so the ratios compare like with like.",
        "",
        "## Machine",
        "",
        table(["", ""], [[k, v if not isinstance(v, list) else " ".join(v)] for k, v in m.items()]),
        "",
        "Settings: " + ", ".join(f"`{k} = {v}`" for k, v in r["settings"].items()) + ".",
        "",
        "## Targets (docs/design.md \"Performance model\")",
        "",
        table(["target", "measured", "verdict"], targets(r)),
        "",
        "## Issue #12 figures (ratios to pgbench in the same run)",
        "",
        table(["figure", "measured (median)", "target"], issue_rows(r, b)),
        "",
        "## Results",
        "",
        table(["section", "figure", f"median (min–max), {b.reps} runs"], rows(r, b)),
        "",
        "The finished instances of (5) were made by 1-step instances at 64 in flight, 32 starts "
        "per commit: " + "; ".join(f"{f[1]:,} in {f[2]:.1f} s ({f[1] / f[2]:.0f} instances/s)"
                                    for f in r["fill"] if len(f) == 3) + "."
        + "".join(f" Then {f[1]:,} copies of a finished one, in bulk (SQL, one transaction), in {f[2]:.1f} s."
                  for f in r["fill"] if len(f) > 3),
        "",
        "### 7. Memory of the engine processes",
        "",
        memory_table(r),
        "",
        f"The 1,000-branch join took {r['join1000_seconds']:.2f} s from its start to completion. "
        "RssAnon, the process's private memory, is the figure the target is about. VmRSS "
        "also counts every shared-buffer page the process has touched (RssShmem), so it grows "
        "with the data it reads, up to `shared_buffers`, without a leak.",
        "",
        "### 6. WAL per step of the 10-step workflow, 1 in flight",
        "",
        wal_breakdown(r["wal"]["workflow 1"]),
        "",
        f"pgbench, 1 client, for comparison: {r['wal']['pgbench 1']['wal_bytes'] / r['wal']['pgbench 1']['units']:.0f} "
        "WAL bytes and " + f"{engine_commits(r['wal']['pgbench 1']):.3f} commits per transaction. "
        + f"All COMMIT records in the WAL during the 1-in-flight workflow run: {r['wal']['workflow 1']['commits_all']} "
        + f"for {r['wal']['workflow 1']['starts']} df.start commits and {r['wal']['workflow 1']['units']} steps "
        + "(the others belong to autovacuum, the heartbeat and the statistics). "
        + stat_counters_note(r),
        "",
        *profile_part(r),
        *([
            "### Engine statements per step",
            "",
            statements_table(r),
            "",
        ] if r.get("statements") else []),
        "## How each figure is measured",
        "",
        METHOD.format(big=big, latency_n=b.latency_n, run_s=b.run_seconds, pgbench_s=b.pgbench_seconds,
                      fills=" and ".join(f"{t:,}" for t in b.fill_targets)),
        "",
        "## Where a step's time goes",
        "",
        time_budget(r),
        "",
    ]
    if os.path.exists(FINDINGS_FILE):
        with open(FINDINGS_FILE) as f:
            parts += [f.read().rstrip(), ""]
    return "\n".join(parts)


def profile_part(r):
    """The CPU profile's lines for BENCHMARKS.md (or the line saying why there is none)."""
    p = r.get("profile")
    if not p:
        return []
    head = ["### CPU profile (perf), 10-step workflow at 8 in flight vs pgbench at 8 clients", ""]
    if "unavailable" in p:
        return head + [f"No profile in this run: {p['unavailable']}.", ""]
    e, g = p["engine"], p["pgbench"]
    steps = e["steps_per_s"] * p["seconds"]
    us_per_step = lambda share: share * e["samples"] / prof_hz() / steps * 1e6  # noqa: E731
    dsos = [d for d, _ in e["dso"]] + [d for d, _ in g["dso"] if d not in dict(e["dso"])]
    def share(summary, key, name):
        return dict(summary[key]).get(name, 0.0)
    body = [
        f"`perf record -e cpu-clock -F {prof_hz()} -g` of the engine's {len(e['processes'])} processes "
        f"(scheduler and executors) for {p['seconds']} s while 10-step workflows ran at 8 in flight "
        f"({e['steps_per_s']:.0f} steps/s in that run, {e['samples']} samples), then of pgbench's "
        f"8 backends for {p['seconds']} s ({g['samples']} samples). Shares of each side's samples; "
        "µs per step = the engine's sampled CPU time × share / steps. PostgreSQL's static functions "
        "have no symbol in Debian's stripped binary and show as `[unknown] (postgres)`; the "
        "call-chain rows still count them under their exported callers.",
        "",
        table(["shared object (self time)", "engine", "µs per step", "pgbench backends"],
              [[d, f"{share(e, 'dso', d) * 100:.1f}%", f"{us_per_step(share(e, 'dso', d)):.0f}",
                f"{share(g, 'dso', d) * 100:.1f}%"] for d in dsos]),
        "",
        table(["engine: symbol (self time)", "object", "share", "µs per step"],
              [[sym.replace("|", "\\|")[:90], d, f"{x * 100:.1f}%", f"{us_per_step(x):.0f}"]
               for sym, d, x in e["self"]]),
        "",
        table(["pgbench backends: symbol (self time)", "object", "share"],
              [[sym.replace("|", "\\|")[:90], d, f"{x * 100:.1f}%"] for sym, d, x in g["self"][:10]]),
        "",
        table(["time under (inclusive, any frame of the call chain)", "engine", "µs per step",
               "pgbench backends"],
              [[label, f"{x * 100:.1f}%", f"{us_per_step(x):.0f}", f"{dict(g['chains']).get(label, 0.0) * 100:.1f}%"]
               for label, x in e["chains"]]),
        "",
    ]
    return head + body


def prof_hz():
    return prof.PERF_FREQ


def stat_counters_note(r):
    d, p = r["wal"]["workflow 1"], r["wal"]["pgbench 1"]
    return (f"The statistics views saw {d['xact_commit'] / d['units']:.3f} `xact_commit` and "
            f"{d['stat_wal_records'] / d['units']:.2f} `pg_stat_wal.wal_records` per workflow step "
            f"(pgbench: {p['xact_commit'] / p['units']:.3f} and {p['stat_wal_records'] / p['units']:.2f} per "
            "transaction), against the WAL itself above: where they are lower, the counts of a "
            "process that never reports its statistics are missing (see findings).")


def time_budget(r):
    pgb1 = w.summary(r["pgbench"][1])[0]
    seq1 = w.summary(r["seq"]["none"][1])[0]
    d = r["wal"]["workflow 1"]
    p = r["wal"]["pgbench 1"]
    records = sum(n for n, _ in d["records"].values()) / d["units"]
    precords = sum(n for n, _ in p["records"].values()) / p["units"]
    return BUDGET.format(step_ms=1000 / seq1, txn_ms=1000 / pgb1, extra_ms=1000 / seq1 - 1000 / pgb1,
                         records=records, precords=precords,
                         wal=d["wal_bytes"] / d["units"], pwal=p["wal_bytes"] / p["units"])


METHOD = """\
1. **Physical limit**: `pgbench -n -f` of `INSERT INTO df_bench.narrow VALUES (1)` (a table of
   one integer column, no index) for {pgbench_s} s per run, as the benchmark's LOGIN role,
   `synchronous_commit = on`, `-j` = min(clients, CPUs). The **in-server ceiling** is the
   same pgbench with the step's checkpoint added to its statement (`WITH effect AS (INSERT
   ...) UPDATE df_bench.ceiling_state SET event_count = event_count + 1, state = <160
   bytes> WHERE client = :client_id`): what a durable step costs at the floor, one commit
   holding the effect and the checkpoint, one round trip as pgbench's own. It runs right
   after each pgbench run. The **PL/pgSQL loop ceiling** (issue 12's in-server loop) has no
   client at all: `df_bench.ceiling_loop`, a procedure, loops the same INSERT, the same
   checkpoint-row `UPDATE` (its session's own row) and a `COMMIT` — three statements, one
   commit and no round trip per step — for {pgbench_s} s, in 1 and in 8 sessions at
   once (`pgbench -t 1` of one `CALL` per client); steps per second = all sessions' steps /
   (first session's start → last one's end). It runs right after the pgbench-based ceiling;
   its ratio to pgbench is taken per pair of runs.
2. **Sequential throughput**: a 10-step workflow (`a ~> b ~> ... `, every step that same
   INSERT) driven by `df_bench.drive`, a PL/pgSQL procedure running inside the server as the
   same role: it keeps N instances running — whenever fewer than N of the instances it
   started are pending or running (checked every 1 ms, by their ids) it starts new ones, one `df.start` per COMMIT — for {run_s} s, then
   waits until all have finished. Steps per second = 10 × instances / (first start → last
   completion seen). The tables are truncated before each run (then a few unmeasured
   instances warm the new relation files and the executors' caches), and pgbench runs are
   interleaved with workflow runs; the ratio is taken per pair of runs.
3. **Latency**: `df_bench.latency` starts {latency_n} 1-step instances one after the other;
   for each, the clock starts when `df.start`'s COMMIT has returned and stops at the first
   `df.status(id)` that says `completed`, polled in a tight loop from the same session
   (so the figure includes up to one `df.status` call of polling delay, a few µs).
4. **Fan-out**: `JOIN` of 10 INSERT steps (hand-written wire JSON with `extra_nodes`) then
   one INSERT after the join, driven like (2); instances per second.
5. **Scale**: the figures of (2) measured once more with {big} finished instances already
   in `df.instances`, `df.nodes` and the engine's tables (made by 1-step instances; the full
   run adds bulk copies of a finished one), as ms per step = 1 / (steps per second). The
   tables are not vacuumed or analyzed after the fill: the engine runs with whatever
   statistics autovacuum has left, as in production. The driver's poll reads only the ids
   it started (by primary key), so its own cost does not grow with the finished instances.
6. **Commits and WAL**: one extra run of (2) and of (1) between two WAL positions;
   `pg_waldump` counts the COMMIT records of transactions (or their subtransactions) that
   wrote `df.instances`, `df.nodes`, the engine's tables or the benchmark table, minus one
   per `df.start` (the application's own commit), and `--stats=record` gives the bytes; `pg_stat_database.xact_commit` and
   `pg_stat_wal` deltas are shown beside them.
7. **Memory**: VmRSS and RssAnon from `/proc/PID/status` of every process whose
   `backend_type` is `pg_durable scheduler` / `pg_durable executor`, right after the
   cluster's restart (0), after {fills} finished instances, sampled every 20 ms during a
   1,000-branch join (peak), and after it."""

BUDGET = """\
At 1 in flight a step costs {step_ms:.2f} ms against {txn_ms:.2f} ms for pgbench's
transaction: {extra_ms:.2f} ms more, and {records:.1f} WAL records ({wal:.0f} bytes) per step
against {precords:.1f} ({pwal:.0f} bytes). The commit (WAL flush) is shared; the difference is
the engine's work around the statement, all inside the step's one transaction
(ext/engine/executor.cpp, ext/engine/engine_core.cpp; docs/design.md "Performance model"):

- get the step: a continuation (the previous step of the same instance made exactly this
  SQL step runnable) is kept by the executor and needs no statement; any other step is
  claimed from `_duroxide.tasks` by one `DELETE ... RETURNING` that also reads the
  instance's row;
- a subtransaction, the per-step session reset of the submitter's role, and the step's
  statement from a plan prepared once per executor;
- the VM step in memory, then the event's writes: the compare-and-set `UPDATE` of
  `_duroxide.instance_state` (new VM state, on the row's own page: fillfactor 50, HOT) and
  one statement of data-modifying CTEs stamping the `df.nodes` rows the event changes (the
  step, a composite it completes, the next step) and inserting the tasks it creates;
- the commit, which wakes one idle executor per task it made runnable (the committing
  executor counts as one: it claims again right after its commit).

The engine statements, their counts per step and the CPU profile are in the tables above;
the figures still above the targets are explained, with the next step, in the findings below."""
