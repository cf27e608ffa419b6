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

    def test_garbage_gives_nothing(self):
        self.assertEqual(pg.parse_waldump_stats("pg_waldump: error: could not open file"), {})


if __name__ == "__main__":
    unittest.main()
