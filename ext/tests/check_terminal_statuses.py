#!/usr/bin/env python3
# check_terminal_statuses.py — fails when the list of terminal instance statuses is spelled
# anywhere but its one definition, ext/engine/instance_status.hpp (kTerminalStatuses; C++ uses
# is_terminal_status() and DF_TERMINAL_STATUSES_SQL).
#
# Scripts and SQL outside ext/ cannot include the header. Where one must spell the list
# (a shell `case`, a plpgsql loop in a benchmark), the line carries the marker
# `terminal statuses: ext/engine/instance_status.hpp` and this test checks that it lists exactly
# kTerminalStatuses. Any other line of code naming all three statuses, but no live one
# (pending, running: those lines list every status, e.g. a CHECK constraint), fails.
#
# Usage: check_terminal_statuses.py SOURCE_ROOT            check the tree
#        check_terminal_statuses.py SOURCE_ROOT --self-test also prove that a copy is caught
import re
import sys
from pathlib import Path

DEFINITION = "ext/engine/instance_status.hpp"
MARKER = "terminal statuses: ext/engine/instance_status.hpp"
SUFFIXES = {".cpp", ".hpp", ".sql", ".sh", ".py", ".dfl", ".dft"}
SKIP_DIRS = {"build", ".git", "regress/expected", "sql/pg_durable--0.2.6.sql"}
LIVE = re.compile(r"\b(pending|running)\b")
COMMENT = re.compile(r"^\s*(//|--|#|\*|/\*)")


def terminal_statuses(root):
    text = (root / DEFINITION).read_text()
    m = re.search(r"kTerminalStatuses\[\]\s*=\s*\{([^}]*)\}", text)
    if not m:
        sys.exit(f"{DEFINITION}: kTerminalStatuses not found")
    return re.findall(r'"([a-z_]+)"', m.group(1))


def findings(path, rel, text, statuses):
    out = []
    for no, line in enumerate(text.splitlines(), 1):
        names = [s for s in statuses if re.search(rf"\b{s}\b", line)]
        if len(names) < len(statuses) or LIVE.search(line) or COMMENT.match(line):
            continue
        if MARKER in line:
            listed = re.findall(r"\b[a-z_]+\b", line.split(MARKER)[0])
            listed = [w for w in listed if w in statuses or w in ("pending", "running", "skipped")]
            if sorted(set(listed)) != sorted(statuses):
                out.append(f"{rel}:{no}: the tied list is not exactly {statuses}: {line.strip()}")
            continue
        out.append(f"{rel}:{no}: spells the terminal statuses; use is_terminal_status() / "
                   f"DF_TERMINAL_STATUSES_SQL / df.await_instance, or tie the line with "
                   f"'{MARKER}': {line.strip()}")
    return out


def check(root):
    statuses = terminal_statuses(root)
    problems = []
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root).as_posix()
        if path.suffix not in SUFFIXES or not path.is_file() or rel == DEFINITION:
            continue
        if any(rel == d or rel.startswith(d + "/") for d in SKIP_DIRS) or "/build" in "/" + rel:
            continue
        if rel == "ext/tests/check_terminal_statuses.py":
            continue
        problems += findings(path, rel, path.read_text(errors="replace"), statuses)
    return statuses, problems


def self_test(statuses):
    line = "WHERE st IN ('" + "', '".join(statuses) + "')"
    assert findings(None, "x.sql", line, statuses), "an untied copy must be caught"
    tied = "case $s in " + "|".join(statuses) + ") ;; esac  # " + MARKER
    assert not findings(None, "x.sh", tied, statuses), "a tied exact copy passes"
    short = "case $s in " + "|".join(statuses) + "|skipped) ;; esac  # " + MARKER
    assert findings(None, "x.sh", short, statuses), "a tied copy with an extra status fails"
    assert not findings(None, "x.sql", "CHECK (status IN ('pending', 'running', "
                        + ", ".join(f"'{s}'" for s in statuses) + "))", statuses)


def main():
    root = Path(sys.argv[1]).resolve()
    statuses, problems = check(root)
    if "--self-test" in sys.argv[2:]:
        self_test(statuses)
    for p in problems:
        print(p)
    sys.exit(1 if problems else 0)


if __name__ == "__main__":
    main()
