"""bench.py — the measurements of tools/bench (run through it, not directly).

Order of a run, chosen so each figure has the state it needs:
  setup        extension, role df_bench, table, drivers; synchronous_commit = on
  memory@0     right after the (re)start, before any instance
  fill         1-step instances up to 1,000 then 3,000 finished ones (memory at each); the
               full run then copies finished instances in bulk up to 100,000
  scale        sequential throughput with that many finished instances in the tables
  baseline     tables truncated before every run; pgbench and the same workflow runs are
               interleaved (pgbench 1, workflow 1, pgbench 8, workflow 8) so machine noise
               hits both sides of each ratio alike
  wal          one more run of each, between two WAL positions (pg_waldump)
  profile      perf samples of the engine processes during a 10-step run at 8 in flight,
               and of pgbench's backends at 8 clients (shares by object, symbol, call chain)
  latency, fan-out, a wide join (1,000 branches quick, 9,999 full; memory sampled)
  signals      N buffered signals, one commit each: ms per signal, first vs last tenth
  executors    10-step throughput @8 with max_workers 1, 2, 4 (a restart each)
  statements   restart with pg_stat_statements (track = all): engine statements per step
Every figure is repeated `reps` times; report.py prints median (min–max)."""

import argparse
import os
import platform
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import perf_profile as prof  # noqa: E402
import report  # noqa: E402
import workloads as w  # noqa: E402
from pg import BenchError, Cluster, cpu_seconds, memory_kb, wait_until  # noqa: E402

ROLE = "df_bench"
CONCURRENCY = (1, 8)            # pgbench clients; sequential runs with finished instances
SEQ_IN_FLIGHT = (1, 8, 200)     # sequential runs against empty tables (200: vs pgbench @8)
EXECUTOR_COUNTS = (1, 2, 4)     # pg_durable.max_workers for the executor-count runs
SEQ_STEPS = 10
FANOUT = 10


def say(msg):
    print(f"\033[1m==> {msg}\033[0m", flush=True)


class Bench:
    def __init__(self, cluster, args):
        self.c = cluster
        self.args = args
        self.quick = args.quick
        self.reps = 3 if args.quick else 5
        self.run_seconds = 1.5 if args.quick else 3.0
        self.pgbench_seconds = 2 if args.quick else 4
        self.latency_n = 200
        self.fill_targets = (1000, 3000)  # driven: real instances, memory measured after each
        self.bulk_target = None if args.quick else 100000  # copies of a finished instance
        self.profile_seconds = 3 if args.quick else 6
        # 9,999: the node limit; DF_BENCH_JOIN_BRANCHES picks another width (how the cost
        # per event grows with the branch count: 100 vs 1,000 vs 3,000).
        self.big_join_branches = int(os.environ.get("DF_BENCH_JOIN_BRANCHES") or (1000 if args.quick else 9999))
        self.signal_count = int(os.environ.get("DF_BENCH_SIGNALS") or (2000 if args.quick else 10000))
        self.statement_instances = 30 if args.quick else 200
        self.results = {"notes": [], "started": time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime())}
        self.seq_graph = w.wire(w.sequence(SEQ_STEPS))
        self.one_graph = w.wire(w.sequence(1))
        self.fan_graph = w.wire(w.join_then_step(FANOUT))
        self.label_seq = 0

    # ------------------------------------------------------------------ setup
    def setup(self):
        say("setup: CREATE EXTENSION (if missing), role df_bench, table, drivers")
        self.c.psql("CREATE EXTENSION IF NOT EXISTS pg_durable")
        self.wait_ready()
        with open(os.path.join(os.path.dirname(__file__), "setup.sql")) as f:
            self.c.psql(f.read())
        # One role drives the whole bench: let it use every executor (the per-role cap
        # defaults to half of them, for sharing between roles).
        workers = int(self.c.value("SHOW pg_durable.max_workers"))
        self.c.psql(f"ALTER ROLE {ROLE} SET pg_durable.max_steps_per_role = {workers}")
        self.ensure_settings()
        self.reset_tables()

    def wait_ready(self):
        # Executors start on demand, one role each (README "Security: what a step sees").
        def ready():
            return self.c.value("SELECT EXISTS (SELECT 1 FROM pg_class WHERE relname = '_worker_ready')") == "t"
        wait_until(ready, 60, "the scheduler")

    def ensure_settings(self):
        if self.c.value("SHOW synchronous_commit") != "on":
            say("setup: ALTER SYSTEM SET synchronous_commit = on; reload (sighup context)")
            self.c.psql("ALTER SYSTEM SET synchronous_commit = on")
            self.c.psql("SELECT pg_reload_conf()")
        if self.args.workers:
            current = int(self.c.value("SHOW pg_durable.max_workers"))
            if current != self.args.workers:
                say(f"setup: pg_durable.max_workers {current} -> {self.args.workers}: postmaster "
                    "context, so ALTER SYSTEM and restart through tools/dev stop/start")
                self.c.psql(f"ALTER SYSTEM SET pg_durable.max_workers = {self.args.workers}")
                self.c.dev("stop")
                self.c.dev("start")
                self.wait_ready()
        self.results["settings"] = dict(self.c.psql(
            "SELECT name, setting || coalesce(unit, '') FROM pg_settings WHERE name IN "
            "('pg_durable.max_workers', 'synchronous_commit', 'fsync', 'shared_buffers', "
            "'wal_level', 'full_page_writes', 'max_connections', 'checkpoint_timeout', "
            # a leftover preload (pg_stat_statements, auto_explain) slows every statement
            "'shared_preload_libraries') ORDER BY name"))

    def wait_idle(self):
        wait_until(lambda: self.c.value("SELECT count(*) FROM df.instances WHERE status IN "
                                        "('pending', 'running')") == "0", 300, "instances to finish")

    def reset_tables(self):
        """No instance left: the engine's and df's tables emptied, then vacuumed/analyzed."""
        self.wait_idle()
        tables = [row[0] for row in self.c.psql(
            "SELECT format('%I.%I', schemaname, tablename) FROM pg_tables WHERE "
            "(schemaname = 'df' AND tablename IN ('instances', 'nodes')) OR "
            "(schemaname = '_duroxide' AND tablename <> '_worker_ready')")]
        # CASCADE: tables of other features that reference instances (e.g. workflow runs).
        self.c.psql(f"TRUNCATE {', '.join(tables)}, df_bench.narrow CASCADE")
        self.c.psql("".join(f"VACUUM ANALYZE {t};" for t in tables))

    # ------------------------------------------------------------------ drivers
    def label(self, what):
        self.label_seq += 1
        return f"bench-{what}-{self.label_seq}"

    def drive(self, graph, what, in_flight, seconds, max_instances=10 ** 9, per_commit=1):
        """Runs df_bench.drive; checks every instance completed; returns (instances, s)."""
        label = self.label(what)
        started, elapsed = self.c.call(
            f"CALL df_bench.drive({graph}, '{label}', {in_flight}, {seconds}, {max_instances}, "
            f"{per_commit})", ROLE)
        self.check_completed(label, int(started))
        return int(started), float(elapsed)

    def check_completed(self, label, expected):
        rows = self.c.psql(f"SELECT count(*) FILTER (WHERE status = 'completed'), count(*) "
                           f"FROM df.instances WHERE label = '{label}'")
        done, total = int(rows[0][0]), int(rows[0][1])
        if done != expected or total != expected:
            sample = self.c.psql(
                f"SELECT i.id, i.status, left(s.output, 300) FROM df.instances i JOIN "
                f"_duroxide.instance_state s ON s.instance_id = i.id WHERE i.label = '{label}' "
                f"AND i.status <> 'completed' LIMIT 3")
            raise BenchError(f"{label}: {done} of {expected} instances completed ({total} found); "
                             f"e.g. {sample}")

    def warm_up(self, in_flight):
        """A few unmeasured instances after a TRUNCATE: the new relation files get their
        first pages and index roots, and every executor rebuilds its relcache entries."""
        self.drive(self.seq_graph, "warmup", in_flight, 60, max_instances=max(4, in_flight))

    def steps_per_second(self, in_flight, cpu_key=None):
        """10-step throughput at in_flight; with cpu_key, also the engine processes' CPU
        per step (ms) into results["seq_cpu"][cpu_key][in_flight]: a figure the machine's
        load distorts far less than wall time."""
        cpu0 = {pid: cpu_seconds(pid) for _, pid in self.c.engine_processes()} if cpu_key else None
        n, s = self.drive(self.seq_graph, f"seq{in_flight}", in_flight, self.run_seconds)
        if cpu_key:
            cpu1 = {pid: cpu_seconds(pid) for _, pid in self.c.engine_processes()}
            used = sum(v - (cpu0.get(pid) or 0.0) for pid, v in cpu1.items() if v is not None)
            self.results.setdefault("seq_cpu", {}).setdefault(cpu_key, {}).setdefault(in_flight, []).append(
                used * 1000 / (n * SEQ_STEPS))
        return n * SEQ_STEPS / s

    def pgbench_tps(self, clients):
        return self.c.pgbench(self.pgbench_script, clients, self.pgbench_seconds, ROLE)

    def ceiling_tps(self, clients):
        """The in-server ceiling: pgbench of the step's effect + a checkpoint row + COMMIT."""
        return self.c.pgbench(self.ceiling_script, clients, self.pgbench_seconds, ROLE)

    def loop_ceiling_tps(self, clients):
        """The in-server ceiling as a PL/pgSQL loop: `clients` sessions at once (pgbench -t 1
        of one CALL each), each running df_bench.ceiling_loop — effect INSERT, checkpoint-row
        UPDATE, COMMIT — for pgbench_seconds. Steps per second over the window from the
        first session's start to the last one's end."""
        self.label_seq += 1
        label = f"ceiling-loop-{clients}-{self.label_seq}"
        # labels repeat in every bench run: an earlier run's rows in the same cluster go first
        self.c.psql(f"DELETE FROM df_bench.ceiling_loop_runs WHERE run_label = '{label}'")
        with tempfile.NamedTemporaryFile("w", suffix=".sql", delete=False) as f:
            f.write(f"CALL df_bench.ceiling_loop(:client_id, {self.pgbench_seconds}, '{label}');\n")
        os.chmod(f.name, 0o644)
        try:
            self.c.pgbench(f.name, clients, self.pgbench_seconds, ROLE, transactions=1)
        finally:
            os.unlink(f.name)
        steps, seconds, sessions = self.c.psql(
            "SELECT sum(steps), extract(epoch FROM max(finished_at) - min(started_at)), count(*) "
            f"FROM df_bench.ceiling_loop_runs WHERE run_label = '{label}'")[0]
        if int(sessions) != clients or not steps or float(seconds) <= 0:
            raise BenchError(f"{label}: {sessions} of {clients} loop sessions reported ({steps} steps)")
        return int(steps) / float(seconds)

    # ------------------------------------------------------------------ sections
    def memory_snapshot(self, stage):
        snap = {}
        for name, pid in self.c.engine_processes():
            mem = memory_kb(pid)
            if mem:
                snap[name] = mem
        self.results.setdefault("memory", {})[stage] = snap

    def fill_and_measure_memory(self):
        """Finished instances for the scale figures: driven 1-step instances up to each
        fill target (the engine's memory is sampled after each), then, in the full run, bulk
        copies of one finished instance up to bulk_target. Nothing is vacuumed or analyzed
        afterwards: the engine has to keep its per-step cost with the statistics autovacuum
        happens to have left (an executor's saved plans once kept the small tables' Seq
        Scans)."""
        self.memory_snapshot("0")
        total = 0
        for target in self.fill_targets:
            say(f"fill: 1-step instances until {target:,} have finished")
            n, s = self.drive(self.one_graph, "fill", 64, 3600, max_instances=target - total,
                              per_commit=32)
            total += n
            self.results.setdefault("fill", []).append((target, n, s))
            self.memory_snapshot(f"{target:,}")
        if self.bulk_target and self.bulk_target > total:
            say(f"fill: bulk copies of a finished instance until {self.bulk_target:,} are in the tables")
            t0 = time.monotonic()
            n = self.bulk_copy_finished(self.bulk_target - total)
            self.results["fill"].append((self.bulk_target, n, time.monotonic() - t0, "bulk"))
        return f"{(self.bulk_target or self.fill_targets[-1]):,}"

    def bulk_copy_finished(self, n):
        """n copies of the newest finished 1-step fill instance, every row of it (df.instances,
        df.nodes, the engine's instance_state and executions) under a new id, in one
        transaction. session_replication_role = replica skips the deferred FK checks of the
        copied df.nodes rows (they point at rows of the same copy). The new ids count up
        from f0000000, skipping taken ones; a later df.start that draws one retries."""
        template = self.c.value("SELECT id FROM df.instances WHERE label LIKE 'bench-fill-%' AND "
                                "status = 'completed' ORDER BY created_at DESC LIMIT 1")
        cols = {}
        for table in ("df.instances", "df.nodes", "_duroxide.instance_state", "_duroxide.executions"):
            cols[table] = [r[0] for r in self.c.psql(
                f"SELECT quote_ident(attname) FROM pg_attribute WHERE attrelid = '{table}'::regclass "
                "AND attnum > 0 AND NOT attisdropped AND attgenerated = '' ORDER BY attnum")]
        key = {"df.instances": "id", "df.nodes": "instance_id", "_duroxide.instance_state": "instance_id",
               "_duroxide.executions": "instance_id"}
        sql = ["SET session_replication_role = replica;", "BEGIN;",
               # 4026531840 = 0xf0000000; n + all existing ids leave at least n free ones
               "CREATE TEMP TABLE bulk_ids ON COMMIT DROP AS SELECT id FROM (SELECT lpad(to_hex("
               f"4026531840 + g), 8, '0') AS id FROM generate_series(0, {n} + (SELECT count(*) FROM "
               f"df.instances)) g EXCEPT SELECT id FROM df.instances) free ORDER BY id LIMIT {n};"]
        for table, names in cols.items():
            exprs = ["b.id" if c == key[table] else f"t.{c}" for c in names]
            sql.append(f"INSERT INTO {table} ({', '.join(names)}) SELECT {', '.join(exprs)} FROM {table} t, "
                       f"bulk_ids b WHERE t.{key[table]} = '{template}';")
        sql.append("COMMIT;")
        self.c.psql("\n".join(sql))
        return n

    def scale_runs(self, key):
        out = self.results.setdefault("seq", {}).setdefault(key, {k: [] for k in CONCURRENCY})
        for rep in range(self.reps):
            for k in CONCURRENCY:
                out[k].append(self.steps_per_second(k, cpu_key=key))
            say(f"{key}: rep {rep + 1}/{self.reps}: " +
                ", ".join(f"{k} in flight {out[k][-1]:.0f} steps/s" for k in CONCURRENCY))

    def baseline_runs(self):
        """pgbench and the 10-step workflow, interleaved, empty tables before each run."""
        pgb = self.results.setdefault("pgbench", {k: [] for k in CONCURRENCY})
        ceil = self.results.setdefault("ceiling", {k: [] for k in CONCURRENCY})
        loop = self.results.setdefault("ceiling_loop", {k: [] for k in CONCURRENCY})
        seq = self.results.setdefault("seq", {}).setdefault("none", {k: [] for k in SEQ_IN_FLIGHT})
        for rep in range(self.reps):
            for k in SEQ_IN_FLIGHT:
                if k in CONCURRENCY:
                    pgb[k].append(self.pgbench_tps(k))
                    ceil[k].append(self.ceiling_tps(k))
                    loop[k].append(self.loop_ceiling_tps(k))
                self.reset_tables()
                self.warm_up(min(k, 8))
                seq[k].append(self.steps_per_second(k, cpu_key="none" if k in CONCURRENCY else None))
            say(f"baseline: rep {rep + 1}/{self.reps}: " + ", ".join(
                f"pgbench {k}: {pgb[k][-1]:.0f} tps" for k in CONCURRENCY) + ", " + ", ".join(
                f"loop ceiling {k}: {loop[k][-1]:.0f} steps/s" for k in CONCURRENCY) + ", " + ", ".join(
                f"workflow {k}: {seq[k][-1]:.0f} steps/s" for k in SEQ_IN_FLIGHT))

    def scale_section(self):
        """--sections scale: the 0-finished figures of (2) on truncated tables, then the fill
        and the same runs with the finished instances in place."""
        none = self.results.setdefault("seq", {}).setdefault("none", {k: [] for k in CONCURRENCY})
        for rep in range(self.reps):
            for k in CONCURRENCY:
                self.reset_tables()
                self.warm_up(min(k, 8))
                none[k].append(self.steps_per_second(k, cpu_key="none"))
        self.results["memory"] = {}
        self.reset_tables()
        self.scale_runs(self.fill_and_measure_memory())

    def profile_runs(self):
        """perf samples of the scheduler and the executors during a 10-step run at 8 in
        flight, then of pgbench's backends at 8 clients: CPU shares, not asserted."""
        out = self.results.setdefault("profile", {})
        reason = prof.perf_unavailable_reason()
        if reason:
            say(f"profile: skipped: {reason}")
            out["unavailable"] = reason
            return
        self.reset_tables()
        self.warm_up(8)
        seconds = self.profile_seconds
        with tempfile.TemporaryDirectory(prefix="bench-perf-") as tmp:
            # The drive runs in a thread; the executors are sampled once they all run.
            done = {}
            def drive():
                done["result"] = self.drive(self.seq_graph, "profile", 8, seconds + 1.5)
            t = threading.Thread(target=drive)
            t.start()
            time.sleep(0.7)
            procs = self.c.engine_processes()
            say(f"profile: perf record of {len(procs)} engine processes for {seconds} s (10-step, 8 in flight)")
            try:
                prof.record([pid for _, pid in procs], seconds, os.path.join(tmp, "engine.data"))
            finally:
                t.join()
            n, s = done["result"]
            out["engine"] = prof.summarize(prof.parse_script(prof.script(os.path.join(tmp, "engine.data"))))
            out["engine"]["processes"] = [name for name, _ in procs]
            out["engine"]["steps_per_s"] = n * SEQ_STEPS / s
            out["seconds"] = seconds
            # pgbench's 8 backends over the same length of time.
            cmd = [os.path.join(self.c.bindir, "pgbench"), "-n", "-f", self.pgbench_script, "-c", "8",
                   "-j", str(min(8, os.cpu_count() or 1)), "-T", str(seconds + 2), "-h", "127.0.0.1",
                   "-p", self.c.port, "-U", ROLE, "postgres"]
            bench = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            try:
                time.sleep(0.7)
                pids = [int(r[0]) for r in self.c.psql(
                    "SELECT pid FROM pg_stat_activity WHERE application_name = 'pgbench'")]
                say(f"profile: perf record of {len(pids)} pgbench backends for {seconds} s")
                prof.record(pids, seconds, os.path.join(tmp, "pgbench.data"))
            finally:
                bench.communicate(timeout=seconds + 120)
            out["pgbench"] = prof.summarize(prof.parse_script(prof.script(os.path.join(tmp, "pgbench.data"))))
            out["pgbench"]["processes"] = [f"{len(pids)} pgbench backends"]
        say(f"profile: {out['engine']['samples']} engine samples, {out['pgbench']['samples']} pgbench samples")

    def wal_counters(self):
        row = self.c.psql(
            "SELECT pg_current_wal_insert_lsn(), "
            "(SELECT xact_commit FROM pg_stat_database WHERE datname = current_database()), "
            "(SELECT wal_records FROM pg_stat_wal)")[0]
        return row[0], int(row[1]), int(row[2])

    def wal_delta(self, run):
        # The relations a step writes; commits of other transactions (autovacuum's
        # analyze, the heartbeat) are not the step's.
        rels = [r[0] for r in self.c.psql(
            "SELECT relfilenode FROM pg_class WHERE oid IN ('df.instances'::regclass, "
            "'df.nodes'::regclass, '_duroxide.instance_state'::regclass, '_duroxide.tasks'::regclass, "
            "'df_bench.narrow'::regclass)")]
        procs = self.c.engine_processes()
        # Every process of the cluster: the executors are started on demand.
        postmaster = int(open(os.path.join(self.c.pgdata, "postmaster.pid")).readline())
        def cluster_cpu():
            out = {}
            for pid in os.listdir("/proc"):
                try:
                    with open(f"/proc/{pid}/stat") as f:
                        fields = f.read().rsplit(")", 1)[1].split()
                    if int(fields[1]) == postmaster:
                        out[int(pid)] = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
                except (OSError, ValueError, IndexError):
                    pass
            return out
        cpu0 = cluster_cpu()
        lsn0, xc0, wr0 = self.wal_counters()
        units, starts = run()
        # CPU of the engine processes alive before and after (an executor started during
        # the run is counted from zero): a counter the machine's load does not distort.
        cpu1 = {pid: cpu_seconds(pid) for _, pid in self.c.engine_processes()}
        engine_cpu = sum(v - (cpu0.get(pid) or 0.0) for pid, v in cpu1.items() if v is not None)
        time.sleep(1.2)  # backends flush their statistics at most once a second
        lsn1, xc1, wr1 = self.wal_counters()
        records = self.c.wal_records(lsn0, lsn1)
        commits_all, commits_ours = self.c.wal_commits_touching(lsn0, lsn1, rels)
        narrow = self.c.value("SELECT relfilenode FROM pg_class WHERE oid = 'df_bench.narrow'::regclass")
        step_txns, step_bytes = self.c.wal_of_transactions_touching(lsn0, lsn1, [narrow])
        return {"units": units, "starts": starts, "wal_bytes": self.c.wal_bytes_between(lsn0, lsn1),
                "engine_cpu_s": engine_cpu, "step_txns": step_txns, "step_txn_bytes": step_bytes,
                "records": records, "xact_commit": xc1 - xc0, "stat_wal_records": wr1 - wr0,
                "commits_all": commits_all, "commits_ours": commits_ours}

    def wal_runs(self):
        say("wal: commits and WAL per step (pg_waldump between two WAL positions)")
        out = self.results.setdefault("wal", {})
        for k in CONCURRENCY:
            self.reset_tables()
            def workflow(k=k):
                n, _ = self.drive(self.seq_graph, f"wal{k}", k, self.run_seconds)
                return n * SEQ_STEPS, n
            out[f"workflow {k}"] = self.wal_delta(workflow)
            def bench(k=k):
                before = int(self.c.value("SELECT count(*) FROM df_bench.narrow"))
                self.pgbench_tps(k)
                return int(self.c.value("SELECT count(*) FROM df_bench.narrow")) - before, 0
            out[f"pgbench {k}"] = self.wal_delta(bench)

    def latency_runs(self):
        self.reset_tables()
        lat = self.results.setdefault("latency", {"p50": [], "p99": [], "max": []})
        for rep in range(self.reps):
            row = self.c.call(f"CALL df_bench.latency({self.one_graph}, '{self.label('lat')}', "
                              f"{self.latency_n})", ROLE)
            samples = [float(x) for x in row[0].strip("{}").split(",")]
            lat["p50"].append(w.percentile(samples, 50))
            lat["p99"].append(w.percentile(samples, 99))
            lat["max"].append(max(samples))
            say(f"latency: rep {rep + 1}/{self.reps}: p50 {lat['p50'][-1]:.2f} ms, "
                f"p99 {lat['p99'][-1]:.2f} ms")

    def fanout_runs(self):
        self.reset_tables()
        out = self.results.setdefault("fanout", {k: [] for k in CONCURRENCY})
        for rep in range(self.reps):
            for k in CONCURRENCY:
                n, s = self.drive(self.fan_graph, f"fan{k}", k, self.run_seconds)
                out[k].append(n / s)
            say(f"fan-out: rep {rep + 1}/{self.reps}: " +
                ", ".join(f"{k} in flight {out[k][-1]:.1f} instances/s" for k in CONCURRENCY))

    def big_join(self):
        """A wide join (1,000 branches quick, 9,999 full): its steps/s, and the peak memory
        of each engine process while it runs."""
        n_br = self.big_join_branches
        say(f"memory: a {n_br:,}-branch join (peak resident memory sampled every 20 ms)")
        self.reset_tables()
        procs = self.c.engine_processes()
        peak = {name: None for name, _ in procs}
        done = threading.Event()
        def sample():
            while not done.is_set():
                for name, pid in procs:
                    m = memory_kb(pid)
                    if m and (peak[name] is None or m["VmRSS"] > peak[name]["VmRSS"]):
                        peak[name] = m
                time.sleep(0.02)
        t = threading.Thread(target=sample)
        # Every process of the cluster: the executors are started on demand.
        postmaster = int(open(os.path.join(self.c.pgdata, "postmaster.pid")).readline())
        def cluster_cpu():
            out = {}
            for pid in os.listdir("/proc"):
                try:
                    with open(f"/proc/{pid}/stat") as f:
                        fields = f.read().rsplit(")", 1)[1].split()
                    if int(fields[1]) == postmaster:
                        out[int(pid)] = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
                except (OSError, ValueError, IndexError):
                    pass
            return out
        cpu0 = cluster_cpu()
        wal0 = self.c.psql("SELECT pg_current_wal_lsn()")[0][0]
        t.start()
        try:
            # One instance; a generous deadline for the node limit's width.
            n, s = self.drive(w.wire(w.join(n_br)), f"join{n_br}", 1, 3600, max_instances=1)
        finally:
            done.set()
            t.join()
        # Per event (a branch's answer, plus the start): engine CPU and WAL, the counters
        # that say whether the cost of an event grows with the branch count.
        cpu1 = cluster_cpu()
        used = sum(v - cpu0.get(pid, 0.0) for pid, v in cpu1.items())
        wal = int(self.c.psql(f"SELECT pg_current_wal_lsn() - '{wal0}'::pg_lsn")[0][0])
        events = n_br + 1
        self.results["big_join_per_event"] = {"branches": n_br, "steps_per_s": n_br / s,
                                              "server_cpu_ms": used * 1000 / events,
                                              "wal_bytes": wal / events}
        say(f"join: {n_br} branches in {s:.2f} s = {n_br / s:.0f} steps/s; per event "
            f"{used * 1000 / events:.3f} ms server CPU, {wal / events:.0f} B WAL")
        self.results["memory"][f"during {n_br:,}-branch join (peak)"] = {k: v for k, v in peak.items() if v}
        self.results["join1000_seconds"] = s
        self.results["big_join"] = {"branches": n_br, "seconds": s}
        self.memory_snapshot("after the join")

    def signal_runs(self):
        """N signals, one COMMIT each, to an instance waiting for another name (all
        buffered): ms per signal over the first and the last tenth (linear = equal)."""
        n = self.signal_count
        say(f"signals: {n:,} buffered signals, one transaction each")
        self.reset_tables()
        self.c.psql(f"ALTER ROLE {ROLE} SET pg_durable.max_buffered_signals = {max(n, 10000)}")
        out = self.results.setdefault("signals", {"n": n, "first": [], "last": [], "all": []})
        for rep in range(min(self.reps, 2)):
            row = self.c.call(f"CALL df_bench.signals({n}, '{self.label('sig')}')", ROLE)
            first, last, total = (float(x) for x in row[:3])
            out["first"].append(first)
            out["last"].append(last)
            out["all"].append(total)
            say(f"signals: rep {rep + 1}: {total:.3f} ms per signal (first tenth {first:.3f}, "
                f"last tenth {last:.3f})")

    def restart_with(self, settings):
        """ALTER SYSTEM the given {name: value, a tuple (a list of names) or None (= RESET)},
        then restart the cluster."""
        for name, value in settings.items():
            if value is None:
                self.c.psql(f"ALTER SYSTEM RESET {name}")
            elif isinstance(value, tuple):
                self.c.psql(f"ALTER SYSTEM SET {name} = " + ", ".join(f"'{v}'" for v in value))
            else:
                self.c.psql(f"ALTER SYSTEM SET {name} = '{value}'")
        self.c.dev("stop")
        self.c.dev("start")
        self.wait_ready()

    def executor_runs(self):
        """10-step sequential throughput at 8 in flight with 1, 2 and 4 executors."""
        original = self.c.value("SHOW pg_durable.max_workers")
        restore = self.args.workers or None  # --workers N set it with ALTER SYSTEM; else RESET
        out = self.results.setdefault("executors", {})
        try:
            for n in EXECUTOR_COUNTS:
                say(f"executors: pg_durable.max_workers = {n} (restart)")
                self.restart_with({"pg_durable.max_workers": n})
                self.c.psql(f"ALTER ROLE {ROLE} SET pg_durable.max_steps_per_role = {n}")
                self.reset_tables()
                self.warm_up(8)
                out[n] = [self.steps_per_second(8) for _ in range(min(self.reps, 2))]
                say(f"executors: {n}: " + ", ".join(f"{x:.0f}" for x in out[n]) + " steps/s at 8 in flight")
        finally:
            self.restart_with({"pg_durable.max_workers": restore})
            self.c.psql(f"ALTER ROLE {ROLE} SET pg_durable.max_steps_per_role = {original}")

    def engine_calls(self):
        """Calls of the engine's own statements (run as the bootstrap superuser) and of the
        step's statement, from pg_stat_statements (track = all counts SPI statements)."""
        rows = self.c.psql(
            "SELECT s.calls, (s.userid = 10), regexp_replace(s.query, '\\s+', ' ', 'g') FROM pg_stat_statements s "
            "WHERE s.dbid = (SELECT oid FROM pg_database WHERE datname = current_database()) "
            "AND s.query NOT LIKE '%pg_stat_statements%'")
        return [("|".join(q), int(c), u == "t") for c, u, *q in rows]  # the text may hold '|' 

    def statement_runs(self):
        """Engine statements per step: N 1-step and N 10-step instances at 1 in flight,
        counted by pg_stat_statements; (10-step - 1-step) / 9 is the per-step share, the
        start and the finish cancelling out."""
        n = self.statement_instances
        say("statements: restart with pg_stat_statements (track = all) preloaded")
        loaded = False
        try:
            # Its settings exist only once the library is loaded: preload, restart, then set.
            self.restart_with({"shared_preload_libraries": ("pg_durable", "pg_stat_statements")})
            loaded = True
            self.restart_with({"pg_stat_statements.track": "all"})
            self.c.psql("CREATE EXTENSION IF NOT EXISTS pg_stat_statements")
            self.reset_tables()
            self.warm_up(1)
            counts = {}
            for steps in (1, SEQ_STEPS):
                graph = self.one_graph if steps == 1 else self.seq_graph
                self.c.psql("SELECT pg_stat_statements_reset()")
                self.drive(graph, f"stmts{steps}", 1, 3600, max_instances=n)
                calls = self.engine_calls()
                engine = [(q, c) for q, c, is_engine in calls if is_engine]
                counts[steps] = {"engine": sum(c for _, c in engine),
                                 # PostgreSQL's RI triggers: "SELECT 1 FROM ONLY <table> x WHERE ..."
                                 "fk": sum(c for q, c in engine if q.startswith("SELECT $") and " FROM ONLY " in q),
                                 "step": sum(c for q, c, _ in calls if q.strip() == w.STEP_SQL),
                                 "top": sorted(engine, key=lambda qc: -qc[1])[:15]}
            self.results["statements"] = {"n": n, "counts": counts}
            per = (counts[SEQ_STEPS]["engine"] - counts[1]["engine"]) / ((SEQ_STEPS - 1) * n)
            say(f"statements: {per:.2f} engine statements per step (marginal), "
                f"{counts[SEQ_STEPS]['engine'] / (SEQ_STEPS * n):.2f} all included")
        finally:
            if loaded:
                self.c.psql("ALTER SYSTEM RESET pg_stat_statements.track")
            self.restart_with({"shared_preload_libraries": None})

    # ------------------------------------------------------------------ machine
    def describe_machine(self):
        def sh(cmd):
            try:
                return subprocess.run(cmd, shell=True, capture_output=True, text=True).stdout.strip()
            except OSError:
                return ""
        mem_kb = int(sh("awk '/MemTotal/ {print $2}' /proc/meminfo") or 0)
        commit = sh(f"git -C {self.c.root} rev-parse --short HEAD")
        dirty = sh(f"git -C {self.c.root} status --porcelain --untracked-files=no -- ext sql compiler vm")
        self.results["machine"] = {
            "cpus": os.cpu_count(),
            "cpu model": sh("awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo"),
            "memory": f"{mem_kb / 1024 / 1024:.1f} GiB",
            "kernel": platform.release(),
            "PostgreSQL": self.c.value("SELECT version()").split(" on ")[0],
            "pg_durable": self.c.value("SELECT df.version()"),
            "commit": commit + (" (engine sources modified in the working tree)" if dirty else ""),
            "load average at start": sh("cut -d' ' -f1-3 /proc/loadavg"),
        }


def dump_raw(results, path):
    """The raw figures, so a failed or finished run's measurements are never lost."""
    import json
    with open(path, "w") as f:
        json.dump(results, f, indent=1, default=str)
    say(f"raw figures in {path}")


def main():
    ap = argparse.ArgumentParser(description="pg_durable benchmarks (run through tools/bench)")
    ap.add_argument("--root", required=True)
    ap.add_argument("--port", required=True)
    ap.add_argument("--dev-dir", required=True)
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--workers", type=int, default=0)
    ap.add_argument("--output", required=True)
    ap.add_argument("--command", default="tools/bench")
    ap.add_argument("--sections", default="",
                    help="comma-separated subset (baseline, wal, profile, latency, fanout, join, "
                         "signals, executors, statements, scale): prints the raw figures as JSON, no report")
    args = ap.parse_args()
    cluster = Cluster(args.root, args.port, args.dev_dir)
    b = Bench(cluster, args)
    t0 = time.monotonic()
    with tempfile.NamedTemporaryFile("w", suffix=".sql", delete=False) as f:
        f.write(w.STEP_SQL + ";\n")
        b.pgbench_script = f.name
    os.chmod(b.pgbench_script, 0o644)
    with tempfile.NamedTemporaryFile("w", suffix=".sql", delete=False) as f:
        f.write(w.CEILING_SQL)
        b.ceiling_script = f.name
    os.chmod(b.ceiling_script, 0o644)
    if args.sections:
        import json
        wanted = args.sections.split(",")
        runs = {"baseline": b.baseline_runs, "wal": b.wal_runs, "latency": b.latency_runs,
                "fanout": b.fanout_runs, "join": b.big_join, "signals": b.signal_runs,
                "executors": b.executor_runs, "statements": b.statement_runs,
                "scale": b.scale_section, "profile": b.profile_runs}
        try:
            b.setup()
            b.results["memory"] = {}
            for name in wanted:
                runs[name]()
        except BenchError as e:
            print(f"tools/bench: error: {e}", file=sys.stderr)
            return 1
        finally:
            os.unlink(b.pgbench_script)
            os.unlink(b.ceiling_script)
        with open(args.output, "w") as f:
            json.dump(b.results, f, indent=1, default=str)
        say(f"wrote {args.output} (raw figures of {args.sections})")
        return 0
    try:
        b.setup()
        b.describe_machine()
        b.scale_runs(b.fill_and_measure_memory())
        b.baseline_runs()
        b.wal_runs()
        b.profile_runs()
        b.latency_runs()
        b.fanout_runs()
        b.big_join()
        b.signal_runs()
        b.executor_runs()
        b.statement_runs()
    except BenchError as e:
        print(f"tools/bench: error: {e}", file=sys.stderr)
        dump_raw(b.results, args.output + ".partial.json")
        return 1
    finally:
        os.unlink(b.pgbench_script)
        os.unlink(b.ceiling_script)
    dump_raw(b.results, args.output + ".json")
    b.results["machine"]["load average at end"] = open("/proc/loadavg").read().split()[:3]
    b.results["duration"] = time.monotonic() - t0
    b.results["command"] = args.command
    text = report.render(b.results, b)
    with open(args.output, "w") as f:
        f.write(text)
    print(report.console_table(b.results, b))
    say(f"wrote {args.output} ({b.results['duration']:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
