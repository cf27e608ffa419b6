"""workloads.py — the workflows tools/bench runs (as wire JSON, docs/reference.md §2) and the
small statistics it reports. Pure functions: tested by test_workloads.py without a server."""

import json
import math
import statistics

# The one statement of pgbench's transaction and of every workflow step.
STEP_SQL = "INSERT INTO df_bench.narrow VALUES (1)"
# pgbench script of the in-server ceiling: the step's statement and its instance's
# checkpoint (event count + state) committed together, as a step of the engine is; one
# statement, so the client's round trips are pgbench's own (the engine pays none: it runs
# in the server).
CEILING_SQL = ("WITH effect AS (" + STEP_SQL + ") "
               "UPDATE df_bench.ceiling_state SET event_count = event_count + 1, "
               "state = decode(repeat(md5(event_count::text), 10), 'hex') WHERE client = :client_id;\n")


def sql_node(query=STEP_SQL):
    return {"node_type": "SQL", "query": query}


def sequence(steps):
    """`steps` SQL steps in a row, nested as the ~> operator nests them: ((a ~> b) ~> c)."""
    if steps < 1:
        raise ValueError("a sequence needs at least one step")
    node = sql_node()
    for _ in range(steps - 1):
        node = {"node_type": "THEN", "left_node": node, "right_node": sql_node()}
    return node


def join(branches):
    """A JOIN of `branches` SQL steps: two children plus extra_nodes for the rest."""
    if branches < 2:
        raise ValueError("a join needs at least two branches")
    node = {"node_type": "JOIN", "left_node": sql_node(), "right_node": sql_node()}
    if branches > 2:
        node["extra_nodes"] = [sql_node() for _ in range(branches - 2)]
    return node


def join_then_step(branches):
    """JOIN of `branches` steps, then one more step after the join."""
    return {"node_type": "THEN", "left_node": join(branches), "right_node": sql_node()}


def count_sql_steps(node):
    if node["node_type"] == "SQL":
        return 1
    children = [node.get("left_node"), node.get("right_node"), node.get("condition_node")]
    children += node.get("extra_nodes", [])
    return sum(count_sql_steps(c) for c in children if c)


def wire(node):
    """Compact JSON, dollar-quoted for SQL (the JSON never contains '$g$')."""
    text = json.dumps(node, separators=(",", ":"))
    if "$g$" in text:
        raise ValueError("graph text contains the quote tag $g$")
    return "$g$" + text + "$g$"


# ---------------------------------------------------------------------- statistics
def percentile(samples, p):
    """Nearest-rank percentile (p in 0..100) of a non-empty list."""
    if not samples:
        raise ValueError("percentile of no samples")
    ordered = sorted(samples)
    rank = max(1, math.ceil(p / 100.0 * len(ordered)))
    return ordered[rank - 1]


def summary(values):
    """(median, min, max) of repeated measurements."""
    if not values:
        raise ValueError("summary of no values")
    return statistics.median(values), min(values), max(values)


def within(a, b, tolerance):
    """Whether b differs from a by at most `tolerance` (a fraction of a)."""
    return abs(b - a) <= tolerance * abs(a)
