"""test_perf_profile.py — unit tests of perf_profile.py's parsing of `perf script` output and of the
shares it sums (no perf needed). Run: tools/bench --self-test"""

import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import perf_profile as prof  # noqa: E402

SCRIPT = """postgres 18523 
\t          49aa1a hash_search_with_hash_value (/usr/lib/postgresql/15/bin/postgres)
\t          30d59a standard_ExecutorStart (/usr/lib/postgresql/15/bin/postgres)
\t          340e80 SPI_execute_plan (/usr/lib/postgresql/15/bin/postgres)
\t           5f9cf df::ext::spi::exec(char const*, long) (/x/lib/postgresql/15/lib/pg_durable.so)

postgres 18523 
\t ffffffff8100 finish_task_switch.isra.0+0x12 ([kernel.kallsyms])
\t          3408d9 [unknown] (/usr/lib/postgresql/15/bin/postgres)
\t          340e80 SPI_execute_plan (/usr/lib/postgresql/15/bin/postgres)

postgres 18524 
\t          12345 __memmove_avx512_unaligned_erms (/usr/lib/x86_64-linux-gnu/libc.so.6)
\t          5b8abb df::vm::serialize(df::vm::State const&) (/x/lib/postgresql/15/lib/pg_durable.so)
"""


class ParseTests(unittest.TestCase):
    def test_samples_are_call_chains_leaf_first(self):
        samples = prof.parse_script(SCRIPT)
        self.assertEqual(len(samples), 3)
        self.assertEqual(samples[0][0], ("hash_search_with_hash_value", "postgres"))
        self.assertEqual(samples[0][-1], ("df::ext::spi::exec(char const*, long)", "pg_durable.so"))
        self.assertEqual(samples[1][0], ("finish_task_switch.isra.0", "kernel"))  # +0x12 dropped
        self.assertEqual(samples[2][0][1], "libc")

    def test_shared_object_names(self):
        self.assertEqual(prof.dso_name("/usr/lib/x86_64-linux-gnu/libstdc++.so.6.0.30"), "libstdc++")
        self.assertEqual(prof.dso_name("/usr/lib/x86_64-linux-gnu/libc.so.6"), "libc")
        self.assertEqual(prof.dso_name("/usr/lib/x86_64-linux-gnu/libcurl-gnutls.so.4"), "libcurl-gnutls")
        self.assertEqual(prof.dso_name("/x/pg_durable.so"), "pg_durable.so")
        self.assertEqual(prof.dso_name("[kernel.kallsyms]"), "kernel")
        self.assertEqual(prof.dso_name("[unknown]"), "[unknown]")

    def test_nothing_parsed_from_an_empty_profile(self):
        self.assertEqual(prof.parse_script(""), [])
        self.assertEqual(prof.summarize([])["samples"], 0)


class SummaryTests(unittest.TestCase):
    def test_self_shares_and_chain_shares(self):
        s = prof.summarize(prof.parse_script(SCRIPT))
        self.assertEqual(s["samples"], 3)
        dso = dict(s["dso"])
        self.assertAlmostEqual(dso["postgres"], 1 / 3)
        self.assertAlmostEqual(dso["kernel"], 1 / 3)
        self.assertAlmostEqual(dso["libc"], 1 / 3)
        self.assertEqual(s["dso"][0], ("kernel", 1 / 3))  # ties ordered by name
        chains = dict(s["chains"])
        self.assertAlmostEqual(chains["SPI_execute_plan (saved plans: the engine's statements and the step's)"], 2 / 3)
        self.assertAlmostEqual(chains["executor start / end (plan tree set-up and shut-down)"], 1 / 3)
        self.assertAlmostEqual(chains["VM state (de)serialization (pg_durable: *serialize*)"], 1 / 3)
        self.assertEqual(chains["planner (pg_plan_query)"], 0)

    def test_top_limits_the_symbol_list(self):
        self.assertEqual(len(prof.summarize(prof.parse_script(SCRIPT), top=2)["self"]), 2)


if __name__ == "__main__":
    unittest.main()
