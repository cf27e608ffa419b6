"""pg.py — how tools/bench talks to the local cluster: psql and pgbench subprocesses (no
client library is installed), the dev tool for the cluster's life cycle, /proc for
resident memory and pg_waldump for WAL record counts.

Every helper raises BenchError with the command's stderr when something fails, so a
broken server or a missing function stops the run with a readable message."""

import os
import re
import subprocess
import time


class BenchError(RuntimeError):
    """A step of the benchmark failed; the message says which and why."""


def _bindir():
    return subprocess.run(["pg_config", "--bindir"], check=True, capture_output=True,
                          text=True).stdout.strip()


class Cluster:
    """The tools/dev cluster on 127.0.0.1:port whose data lives in dev_dir/pgdata."""

    def __init__(self, root, port, dev_dir):
        self.root = root
        self.port = str(port)
        self.dev_dir = dev_dir
        self.bindir = _bindir()
        self.pgdata = os.path.join(dev_dir, "pgdata")

    # ------------------------------------------------------------------ life cycle
    def dev(self, *args):
        """Runs tools/dev with this cluster's PGPORT / DF_DEV_DIR; output passes through."""
        env = dict(os.environ, PGPORT=self.port, DF_DEV_DIR=self.dev_dir)
        rc = subprocess.run([os.path.join(self.root, "tools", "dev"), *args], env=env).returncode
        if rc != 0:
            raise BenchError(f"tools/dev {' '.join(args)} failed (exit {rc})")

    # ------------------------------------------------------------------ SQL
    def psql(self, sql, user="postgres", timeout=900):
        """Runs sql (one or more statements, read from stdin) and returns the unaligned,
        tuples-only output as a list of rows, each a list of '|'-separated fields."""
        cmd = [os.path.join(self.bindir, "psql"), "-X", "-q", "-At", "-v", "ON_ERROR_STOP=1",
               "-h", "127.0.0.1", "-p", self.port, "-U", user, "-d", "postgres", "-f", "-"]
        try:
            res = subprocess.run(cmd, input=sql, capture_output=True, text=True, timeout=timeout)
        except subprocess.TimeoutExpired as e:
            raise BenchError(f"psql timed out after {timeout} s running: {sql.strip()[:200]}") from e
        if res.returncode != 0:
            raise BenchError(f"psql failed (as {user}): {res.stderr.strip()}\n  SQL: {sql.strip()[:300]}")
        return [line.split("|") for line in res.stdout.splitlines() if line != ""]

    def value(self, sql, user="postgres"):
        rows = self.psql(sql, user)
        if not rows:
            raise BenchError(f"no row from: {sql.strip()[:200]}")
        return rows[0][0]

    def call(self, sql, user):
        """A CALL of a procedure that COMMITs: must be the only statement of its query.
        Read from stdin: a wide join's graph is longer than one argument may be (128 KB)."""
        cmd = [os.path.join(self.bindir, "psql"), "-X", "-q", "-At", "-v", "ON_ERROR_STOP=1",
               "-h", "127.0.0.1", "-p", self.port, "-U", user, "-d", "postgres", "-f", "-"]
        res = subprocess.run(cmd, input=sql + ";\n", capture_output=True, text=True, timeout=1800)
        if res.returncode != 0:
            raise BenchError(f"{sql[:120]}... failed: {res.stderr.strip()}")
        return res.stdout.strip().split("|")

    def pgbench(self, script_path, clients, seconds, user, transactions=None):
        """pgbench -n -f script for `seconds` (or `transactions` per client, `seconds` then
        being how long the script runs); returns TPS without connection time."""
        threads = min(clients, os.cpu_count() or 1)
        length = ["-t", str(transactions)] if transactions else ["-T", str(seconds)]
        cmd = [os.path.join(self.bindir, "pgbench"), "-n", "-f", script_path, "-c", str(clients),
               "-j", str(threads), *length, "-h", "127.0.0.1", "-p", self.port,
               "-U", user, "postgres"]
        res = subprocess.run(cmd, capture_output=True, text=True, timeout=seconds + 120)
        match = re.search(r"tps = ([0-9.]+) \(without initial connection time\)", res.stdout)
        if res.returncode != 0 or not match:
            raise BenchError(f"pgbench failed: {res.stderr.strip()}\n{res.stdout.strip()}")
        return float(match.group(1))

    # ------------------------------------------------------------------ WAL
    def wal_lsn(self):
        return self.value("SELECT pg_current_wal_insert_lsn()")

    def wal_bytes_between(self, start, end):
        return int(self.value(f"SELECT pg_wal_lsn_diff('{end}', '{start}')::bigint"))

    def waldump(self, start, end, *extra):
        flushed = self.value("SELECT pg_current_wal_flush_lsn()")
        if self.wal_bytes_between(end, flushed) < 0:
            end = flushed
        cmd = [os.path.join(self.bindir, "pg_waldump"), "-p", os.path.join(self.pgdata, "pg_wal"),
               "-s", start, "-e", end, *extra]
        res = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
        if res.returncode != 0 and not res.stdout:
            raise BenchError(f"pg_waldump failed: {res.stderr.strip()[:400]}")
        return res.stdout

    def wal_records(self, start, end):
        """{record type: (count, bytes incl. full-page images)} between two LSNs, from
        pg_waldump --stats=record (read directly from pg_wal)."""
        return parse_waldump_stats(self.waldump(start, end, "--stats=record"))

    def wal_commits_touching(self, start, end, relfilenodes):
        """(all COMMIT records, COMMITs of transactions that wrote one of relfilenodes)."""
        return count_commits_touching(self.waldump(start, end), relfilenodes)

    def wal_of_transactions_touching(self, start, end, relfilenodes):
        return wal_of_transactions_touching(self.waldump(start, end), relfilenodes)

    # ------------------------------------------------------------------ memory
    def engine_processes(self):
        """[(name, pid)] of the scheduler and the executors, named by their process title
        ('pg_durable executor 2') so a restarted executor keeps its name."""
        rows = self.psql("SELECT backend_type, pid FROM pg_stat_activity "
                         "WHERE backend_type IN ('pg_durable scheduler', 'pg_durable executor') "
                         "ORDER BY backend_type DESC, pid")
        out = []
        for backend_type, pid in rows:
            out.append((process_title(int(pid)) or f"{backend_type} pid {pid}", int(pid)))
        return sorted(out)


def process_title(pid):
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            title = f.read().replace(b"\0", b" ").decode(errors="replace").strip()
    except OSError:
        return None
    m = re.search(r"(pg_durable (?:scheduler|executor(?: \d+)?))", title)
    return m.group(1) if m else None


def cpu_seconds(pid):
    """utime + stime of a live process in seconds (/proc/PID/stat), or None."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def memory_kb(pid):
    """{'VmRSS': kB, 'RssAnon': kB, 'RssShmem': kB} of a live process, or None."""
    try:
        with open(f"/proc/{pid}/status") as f:
            text = f.read()
    except OSError:
        return None
    out = {}
    for key in ("VmRSS", "RssAnon", "RssShmem"):
        m = re.search(rf"^{key}:\s+(\d+) kB", text, re.M)
        out[key] = int(m.group(1)) if m else 0
    return out


def parse_waldump_stats(text):
    """Parses `pg_waldump --stats=record` lines such as
    'Transaction/COMMIT   10 ( 40.00)   340 ( 1.2)   0 ( 0.0)   340 ( 1.1)'."""
    stats = {}
    for line in text.splitlines():
        m = re.match(r"^(\S+/\S+)\s+(\d+)\s+\(\s*[\d.]+\)\s+(\d+)\s+\(\s*[\d.]+\)\s+(\d+)\s+"
                     r"\(\s*[\d.]+\)\s+(\d+)", line)
        if m:
            stats[m.group(1)] = (int(m.group(2)), int(m.group(5)))
    return stats


def wait_until(predicate, timeout, what, interval=0.05):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(interval)
    raise BenchError(f"timed out after {timeout} s waiting for {what}")


def count_commits_touching(text, relfilenodes):
    """From plain pg_waldump output: how many COMMIT records there are, and how many commit
    a transaction (or one of its subtransactions) that wrote a block of one of
    `relfilenodes` — so autovacuum's and other sessions' commits are not counted."""
    wanted = {str(r) for r in relfilenodes}
    touched, commits = set(), []
    for line in text.splitlines():
        tx = re.search(r"\btx:\s+(\d+)", line)
        if not tx:
            continue
        if "desc: COMMIT" in line:
            sub = re.search(r"subxacts: ([\d ]+)", line)
            commits.append({tx.group(1), *(sub.group(1).split() if sub else [])})
            continue
        for rel in re.findall(r"rel \d+/\d+/(\d+)", line):
            if rel in wanted:
                touched.add(tx.group(1))
    return len(commits), sum(1 for xids in commits if xids & touched)


def wal_of_transactions_touching(text, relfilenodes):
    """From plain pg_waldump output: (transactions, WAL bytes) of the committed
    transactions that wrote a block of one of `relfilenodes` — their records, their
    subtransactions' records and their COMMIT record (total lengths, full-page images
    included). With the step's own table, that is the WAL of the step transactions alone,
    without df.start's (the application's) transactions or anyone else's."""
    wanted = {str(r) for r in relfilenodes}
    by_xid, touched, commits = {}, set(), []
    for line in text.splitlines():
        tx = re.search(r"\btx:\s+(\d+)", line)
        size = re.search(r"len \(rec/tot\):\s+\d+/\s*(\d+)", line)
        if not tx or not size:
            continue
        xid = tx.group(1)
        by_xid[xid] = by_xid.get(xid, 0) + int(size.group(1))
        if "desc: COMMIT" in line:
            sub = re.search(r"subxacts: ([\d ]+)", line)
            commits.append({xid, *(sub.group(1).split() if sub else [])})
            continue
        for rel in re.findall(r"rel \d+/\d+/(\d+)", line):
            if rel in wanted:
                touched.add(xid)
    ours = [xids for xids in commits if xids & touched]
    return len(ours), sum(by_xid.get(x, 0) for xids in ours for x in xids)
