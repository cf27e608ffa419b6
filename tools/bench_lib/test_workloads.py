"""test_workloads.py — unit tests of the pure parts of tools/bench (graph builders,
statistics, target checks, pg_waldump parsing). Run: python3 -m unittest discover tools/bench_lib"""

import json
import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import pg  # noqa: E402
import report  # noqa: E402
import workloads as w  # noqa: E402


class GraphTests(unittest.TestCase):
    def test_sequence_nests_left_like_the_operator(self):
        g = w.sequence(3)
        self.assertEqual(g["node_type"], "THEN")
        self.assertEqual(g["left_node"]["node_type"], "THEN")
        self.assertEqual(g["right_node"], w.sql_node())
        self.assertEqual(w.count_sql_steps(g), 3)

    def test_sequence_of_zero_steps_is_refused(self):
        with self.assertRaises(ValueError):
            w.sequence(0)

    def test_join_puts_branches_beyond_two_in_extra_nodes(self):
        g = w.join(10)
        self.assertEqual(len(g["extra_nodes"]), 8)
        self.assertEqual(w.count_sql_steps(w.join_then_step(10)), 11)
        self.assertNotIn("extra_nodes", w.join(2))

    def test_join_of_one_branch_is_refused(self):
        with self.assertRaises(ValueError):
            w.join(1)

    def test_wire_is_compact_dollar_quoted_json(self):
        text = w.wire(w.sql_node("SELECT 1"))
        self.assertEqual(text, '$g${"node_type":"SQL","query":"SELECT 1"}$g$')
        self.assertEqual(json.loads(text[3:-3])["query"], "SELECT 1")

    def test_wire_refuses_the_quote_tag(self):
        with self.assertRaises(ValueError):
            w.wire(w.sql_node("SELECT '$g$'"))


class StatisticsTests(unittest.TestCase):
    def test_nearest_rank_percentiles(self):
        samples = list(range(1, 201))  # 1..200
        self.assertEqual(w.percentile(samples, 50), 100)
        self.assertEqual(w.percentile(samples, 99), 198)
        self.assertEqual(w.percentile([7], 99), 7)

    def test_percentile_of_nothing_is_refused(self):
        with self.assertRaises(ValueError):
            w.percentile([], 50)

    def test_summary_is_median_min_max(self):
        self.assertEqual(w.summary([3, 1, 2, 10]), (2.5, 1, 10))
        with self.assertRaises(ValueError):
            w.summary([])

    def test_within_tolerance(self):
        self.assertTrue(w.within(100, 109, 0.10))
        self.assertTrue(w.within(100, 91, 0.10))
        self.assertFalse(w.within(100, 111, 0.10))


class TargetTests(unittest.TestCase):
    def test_at_least_target(self):
        self.assertEqual(report.verdict(0.6, ">=", 0.5), "met")
        self.assertEqual(report.verdict(0.4, ">=", 0.5), "missed")

    def test_at_most_target(self):
        self.assertEqual(report.verdict(4.0, "<=", 5.0), "met")
        self.assertEqual(report.verdict(6.0, "<=", 5.0), "missed")

    def test_unknown_comparison_is_refused(self):
        with self.assertRaises(ValueError):
            report.verdict(1, "==", 1)

    def test_figure_format(self):
        self.assertEqual(report.fig((2.0, 1.0, 3.0), 1), "2.0 (1.0–3.0)")


def synthetic_results():
    mem = lambda rss, anon: {"VmRSS": rss, "RssAnon": anon, "RssShmem": rss - anon}
    wal = lambda units, starts, ours: {"units": units, "starts": starts, "wal_bytes": 100 * units,
                                       "records": {"Transaction/COMMIT": (ours, 34 * ours)},
                                       "xact_commit": starts, "stat_wal_records": units,
                                       "commits_all": ours + 2, "commits_ours": ours}
    return {
        "started": "2026-01-01 00:00:00 UTC", "duration": 60.0, "command": "tools/bench",
        "machine": {"cpus": 2, "load average at end": ["1.0", "1.0", "1.0"]},
        "settings": {"fsync": "on"},
        "pgbench": {1: [400.0, 500.0, 450.0], 8: [2000.0, 2200.0, 2100.0]},
        "seq": {"10,000": {1: [100.0, 100.0, 100.0], 8: [300.0, 310.0, 290.0]},
                "none": {1: [100.0, 105.0, 95.0], 8: [1000.0, 1100.0, 1050.0]}},
        "latency": {"p50": [4.0, 4.5, 4.2], "p99": [30.0, 25.0, 28.0], "max": [40.0, 41.0, 42.0]},
        "fanout": {1: [10.0, 11.0, 12.0], 8: [20.0, 21.0, 22.0]},
        "fill": [(1000, 1000, 10.0), (10000, 9000, 90.0)],
        "wal": {"workflow 1": wal(100, 10, 110), "workflow 8": wal(100, 10, 110),
                "pgbench 1": wal(100, 0, 100), "pgbench 8": wal(100, 0, 100)},
        "memory": {"0": {"pg_durable executor 0": mem(1000, 100)},
                   "1,000": {"pg_durable executor 0": mem(2000, 200)},
                   "10,000": {"pg_durable executor 0": mem(2100, 260)}},
        "join1000_seconds": 12.5,
    }


class ReportTests(unittest.TestCase):
    class FakeBench:
        quick, reps, latency_n, run_seconds, pgbench_seconds = False, 3, 200, 3.0, 4
        fill_targets = (1000, 10000)

    def test_targets_reflect_the_figures(self):
        got = {what: v for what, _, v in report.targets(synthetic_results())}
        self.assertEqual(got["sequential throughput at 8 in flight >= 50% of pgbench at 8 clients"], "met")
        self.assertEqual(got["latency p50 <= 5 ms"], "met")
        self.assertEqual(got["latency p99 <= 20 ms"], "missed")
        self.assertEqual(got["cost per step flat within 10% from 0 to 10,000 finished (1 in flight)"], "met")
        self.assertEqual(got["cost per step flat within 10% from 0 to 10,000 finished (8 in flight)"], "missed")
        self.assertEqual(got["one commit per SQL step"], "met")
        # RssAnon (private memory) is the target; VmRSS (with the shared buffers touched) is shown only
        self.assertEqual(got["worker private memory (RssAnon) flat within 10% from 1,000 to 10,000 instances"],
                         "missed")
        self.assertEqual(got["worker resident memory (VmRSS, includes the shared buffers touched) from 1,000 "
                             "to 10,000"], "reported, not a target")
        values = {what: value for what, value, _ in report.targets(synthetic_results())}
        self.assertIn("+5.0%", values["worker resident memory (VmRSS, includes the shared buffers touched) "
                                      "from 1,000 to 10,000"])

    def test_render_has_every_section(self):
        text = report.render(synthetic_results(), self.FakeBench())
        for heading in ("## Machine", "## Targets", "## Results", "### 7. Memory", "### 6. WAL",
                        "## How each figure is measured", "## Where a step's time goes"):
            self.assertIn(heading, text)
        self.assertIn("| 1 physical limit | pgbench INSERT, 1 client (TPS) | 450 (400–500) |", text)
        self.assertIn("1,000 in 10.0 s (100 instances/s)", text)
        self.assertIn("## Issue #12 figures", text)
        self.assertNotIn("### CPU profile (perf)", text)  # no profile section ran

    def test_render_of_a_bulk_fill_and_a_profile(self):
        r = synthetic_results()
        r["fill"].append((100000, 90000, 6.0, "bulk"))
        r["profile"] = {"seconds": 2, "engine": {
            "samples": 1998, "steps_per_s": 500.0, "processes": ["a", "b"],
            "dso": [("postgres", 0.75), ("kernel", 0.25)], "self": [("hash_search", "postgres", 0.1)],
            "chains": [("planner (pg_plan_query)", 0.5)]},
            "pgbench": {"samples": 100, "processes": ["8 pgbench backends"], "dso": [("kernel", 1.0)],
                        "self": [("x", "kernel", 1.0)], "chains": [("planner (pg_plan_query)", 0.2)]}}
        text = report.render(r, self.FakeBench())
        self.assertIn("Then 90,000 copies of a finished one, in bulk (SQL, one transaction), in 6.0 s.", text)
        r["seq_cpu"] = {"none": {1: [1.0, 1.0, 1.0], 8: [0.8]}, "10,000": {1: [1.1, 1.2, 1.05], 8: [0.8]}}
        got = {what.split(":")[0]: value for what, value, _ in report.issue_rows(r, self.FakeBench())}
        self.assertEqual(got["ms per step, 1 in flight"],
                         "10.000 vs 10.000 (+0.0%); engine CPU per step 1.000 vs 1.100 ms (+10.0%)")
        text = report.render(r, self.FakeBench())
        self.assertIn("engine CPU ms per step, 8 in flight: 0 / 10,000 finished | 0.800 (0.800–0.800) / "
                      "0.800 (0.800–0.800)  (+0.0%) |", text)
        # 1,998 samples at 999 Hz = 2 s of CPU over 500 steps/s x 2 s = 1,000 steps: 2,000 us per step
        self.assertIn("| postgres | 75.0% | 1500 | 0.0% |", text)
        self.assertIn("| kernel | 25.0% | 500 | 100.0% |", text)
        self.assertIn("| planner (pg_plan_query) | 50.0% | 1000 | 20.0% |", text)
        r["profile"] = {"unavailable": "perf is not installed"}
        self.assertIn("No profile in this run: perf is not installed.", report.render(r, self.FakeBench()))

    def test_issue_rows_compute_ratios_and_statements_per_step(self):
        r = synthetic_results()
        r["seq"]["none"][200] = [840.0, 880.0, 1050.0]
        r["statements"] = {"n": 10, "counts": {1: {"engine": 100, "step": 10, "top": []},
                                               10: {"engine": 460, "step": 100, "top": [("SELECT 1", 460)]}}}
        r["big_join"] = {"branches": 1000, "seconds": 4.0}
        r["signals"] = {"n": 2000, "first": [0.5], "last": [0.6], "all": [0.55]}
        r["executors"] = {1: [100.0], 2: [180.0], 4: [300.0]}
        got = {what.split(":")[0]: value for what, value, _ in report.issue_rows(r, self.FakeBench())}
        # 200 in flight is paired with pgbench at 8 clients: 840/2000, 880/2200, 1050/2100
        self.assertEqual(got["10-step sequential, 200 in flight"], "880; 0.42 (0.40–0.50)")
        # (460 - 100) / (9 steps x 10 instances) = 4.00 marginal; 460 / 100 steps = 4.60
        self.assertTrue(got["engine statements per SQL step (pg_stat_statements, besides the step's own)"]
                        .startswith("4.00 marginal; 4.60 all included"))
        self.assertEqual(got["10-step sequential @8 with 1 / 2 / 4 executors (steps/s)"], "100 / 180 / 300")
        self.assertIn("250 (4.00 s)", got["1,000-branch join (1 instance)"])
        self.assertIn("## Issue #12 figures", report.render(r, self.FakeBench()))
        self.assertIn("| SELECT 1 | 4.60 |", report.render(r, self.FakeBench()))

    def test_ceiling_rows_pgbench_based_and_plpgsql_loop(self):
        r = synthetic_results()
        r["ceiling"] = {1: [300.0, 320.0, 310.0], 8: [1500.0, 1600.0, 1550.0]}
        r["ceiling_loop"] = {1: [360.0, 400.0, 405.0], 8: [1800.0, 2200.0, 2100.0]}
        got = {what.split(":")[0]: value for what, value, _ in report.issue_rows(r, self.FakeBench())}
        # 310 TPS, 310 / 450 = 0.69 of pgbench @1, the 10-step workflow (100) 0.32 of it
        self.assertEqual(got["in-server ceiling, 1 client(s)"], "310; 0.69; 0.32")
        # the loop: median 400; paired 360/400, 400/500, 405/450 = 0.90, 0.80, 0.90; 400 / 310
        # = 1.29 of the pgbench-based ceiling; the workflow 100 / 400 = 0.25 of it
        self.assertEqual(got["in-server ceiling, PL/pgSQL loop, 1 session(s)"], "400; 0.90 (0.80–0.90); 1.29; 0.25")
        # @8: 2100; 1800/2000, 2200/2200, 2100/2100 = 0.90, 1.00, 1.00; 2100 / 1550 = 1.35; 1050 / 2100
        self.assertEqual(got["in-server ceiling, PL/pgSQL loop, 8 session(s)"], "2100; 1.00 (0.90–1.00); 1.35; 0.50")
        text = report.render(r, self.FakeBench())
        self.assertIn("| in-server ceiling, PL/pgSQL loop, 8 session(s): effect INSERT + checkpoint UPDATE + "
                      "COMMIT per step (TPS); ratio to pgbench @8; to the pgbench-based ceiling @8; the 10-step "
                      "workflow at 8 in flight as a share of it | 2100; 1.00 (0.90–1.00); 1.35; 0.50 | reported |", text)
        self.assertIn("The **PL/pgSQL loop ceiling**", text)
        # a run without the loop (an older raw file) has no loop rows and still renders
        del r["ceiling_loop"]
        self.assertFalse(any("PL/pgSQL loop" in what for what, _, _ in report.issue_rows(r, self.FakeBench())))


class WaldumpTests(unittest.TestCase):
    SAMPLE = """Type                                           N      (%)          Record size      (%)             FPI size      (%)        Combined size      (%)
----                                           -      ---          -----------      ---             --------      ---        -------------      ---
Transaction/COMMIT                            10 ( 40.00)                  340 ( 30.00)                    0 (  0.00)                  340 ( 20.00)
Heap/INSERT                                   15 ( 60.00)                  800 ( 70.00)                 8000 (100.00)                 8800 ( 80.00)
                                        --------                      --------                      --------                      --------
Total                                         25                          1140 [10.00%]                 8000 [90.00%]                 9140 [100%]
"""

    def test_parses_counts_and_combined_sizes(self):
        stats = pg.parse_waldump_stats(self.SAMPLE)
        self.assertEqual(stats["Transaction/COMMIT"], (10, 340))
        self.assertEqual(stats["Heap/INSERT"], (15, 8800))
        self.assertNotIn("Total", stats)

    RECORDS = """rmgr: Heap        len (rec/tot):     59/    59, tx:        801, lsn: 0/01000028, prev 0/01000000, desc: INSERT off 3 flags 0x00, blkref #0: rel 1663/5/16400 blk 0
rmgr: Heap        len (rec/tot):     59/    59, tx:        802, lsn: 0/01000068, prev 0/01000028, desc: INSERT off 4 flags 0x00, blkref #0: rel 1663/5/16500 blk 0
rmgr: Transaction len (rec/tot):     38/    38, tx:        800, lsn: 0/010000a8, prev 0/01000068, desc: COMMIT 2026-11-22 01:00:00.000000 UTC; subxacts: 801
rmgr: Transaction len (rec/tot):     34/    34, tx:        802, lsn: 0/010000d0, prev 0/010000a8, desc: COMMIT 2026-11-22 01:00:00.000001 UTC
rmgr: Standby     len (rec/tot):     50/    50, tx:          0, lsn: 0/010000f8, prev 0/010000d0, desc: RUNNING_XACTS nextXid 803
"""

    def test_commit_counted_through_its_subtransaction(self):
        self.assertEqual(pg.count_commits_touching(self.RECORDS, [16400]), (2, 1))

    def test_commits_of_other_relations_not_counted(self):
        self.assertEqual(pg.count_commits_touching(self.RECORDS, [99999]), (2, 0))
        self.assertEqual(pg.count_commits_touching(self.RECORDS, [16400, 16500]), (2, 2))

    def test_wal_of_step_transactions_counts_their_subtransactions_and_commit(self):
        # tx 800 commits with subxact 801, which wrote rel 16400: 59 + 38 bytes
        self.assertEqual(pg.wal_of_transactions_touching(self.RECORDS, [16400]), (1, 97))
        self.assertEqual(pg.wal_of_transactions_touching(self.RECORDS, [16500]), (1, 93))
        self.assertEqual(pg.wal_of_transactions_touching(self.RECORDS, [99999]), (0, 0))

    def test_garbage_gives_nothing(self):
        self.assertEqual(pg.parse_waldump_stats("pg_waldump: error: could not open file"), {})


if __name__ == "__main__":
    unittest.main()
