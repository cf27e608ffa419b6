#!/usr/bin/env python3
# check_dsl_signatures.py — fails when the df.* graph constructors drift apart.
#
# Each constructor is written three times: its SQL declaration (sql/parts/30_dsl.sql), the
# binding table of the textual language (compiler/lower.cpp, functions()) and its C body
# (ext/surface/dsl_functions.cpp). Nothing else ties them together, so this test reads all three
# and compares, per constructor: that it exists in all three; the parameter names, order
# and types; STRICT; the defaults (SQL against lower.cpp); that the C body reads every
# argument with the accessor of its kind; and that a non-STRICT body checks every argument
# for NULL (PG_ARGISNULL, an opt_* accessor or int_arg_or). Adding a constructor means
# adding it to the three files; a new argument kind or accessor is added to the tables
# below.
#
# Usage: check_dsl_signatures.py SOURCE_ROOT            compare the tree
#        check_dsl_signatures.py SOURCE_ROOT --self-test also prove that drift is caught
import re
import sys
from pathlib import Path

SQL_FILE = "sql/parts/30_dsl.sql"
LOWER_FILE = "compiler/lower.cpp"
DSL_FILE = "ext/surface/dsl_functions.cpp"

# SQL type -> the lower.cpp ArgKinds it can stand for (a node argument is text in SQL).
SQL_TYPE_KINDS = {"text": {"Node", "Text"}, "jsonb": {"Jsonb"}, "integer": {"Int"},
                  "bigint": {"BigInt"}, '"any"': {"Duration"}}
# ext/surface/dsl_functions.cpp accessor -> (ArgKind, reads NULL itself).
ACCESSORS = {"step_arg": ("Node", False), "text_arg": ("Text", False),
             "opt_text_arg": ("Text", True), "opt_jsonb_arg": ("Jsonb", True),
             "int_arg_or": ("Int", True), "PG_GETARG_INT32": ("Int", False),
             "PG_GETARG_INT64": ("BigInt", False), "duration_arg_ms": ("Duration", False)}


def split_top_level(text):
    """Split an SQL argument list at commas outside quotes and parentheses."""
    parts, depth, quoted, cur = [], 0, False, ""
    for ch in text:
        if ch == "'":
            quoted = not quoted
        elif not quoted and ch == "(":
            depth += 1
        elif not quoted and ch == ")":
            depth -= 1
        elif not quoted and depth == 0 and ch == ",":
            parts.append(cur)
            cur = ""
            continue
        cur += ch
    if cur.strip():
        parts.append(cur)
    return [p.strip() for p in parts]


def sql_default(expr):
    """The default as lower.cpp spells it: None for DEFAULT NULL, else the bare text."""
    if expr.upper() == "NULL":
        return None
    return expr[1:-1] if expr.startswith("'") else expr


def parse_sql(text):
    """name -> {strict, symbol, params: [(name, type, has_default, default)]}."""
    text = re.sub(r"--[^\n]*", "", text)
    out = {}
    pattern = re.compile(
        r"CREATE FUNCTION df\.(\w+)\((.*?)\)\s*RETURNS\s+\w+\s+AS\s+'MODULE_PATHNAME',\s*"
        r"'(\w+)'\s+LANGUAGE\s+C\b([^;]*);", re.S | re.I)
    for m in pattern.finditer(text):
        params = []
        for arg in split_top_level(m.group(2)):
            d = re.match(r"(\w+)\s+(\w+|\"any\")(?:\s+DEFAULT\s+(.+))?$", arg, re.S | re.I)
            if not d:
                raise ValueError(f"{SQL_FILE}: cannot read argument '{arg}' of df.{m.group(1)}")
            has_default = d.group(3) is not None
            params.append((d.group(1), d.group(2).lower(), has_default,
                           sql_default(d.group(3).strip()) if has_default else None))
        out[m.group(1)] = {"strict": re.search(r"\bSTRICT\b", m.group(4), re.I) is not None,
                           "symbol": m.group(3), "params": params}
    return out


def parse_lower(text):
    """name -> {strict, params: [(name, kind, has_default, default)]} from functions()."""
    start = text.find("const std::vector<FunctionSpec>& functions()")
    end = text.find("return specs;", start)
    if start < 0 or end < 0:
        raise ValueError(f"{LOWER_FILE}: functions() table not found")
    table = text[start:end]
    token = re.compile(r'\{"(\w+)",\s*(?:ArgKind::(\w+),\s*(true|false)(?:,\s*"([^"]*)")?\}'
                       r"|(true|false),)")
    out, current = {}, None
    for m in token.finditer(table):
        if m.group(5) is not None:  # a function header {"name", strict,
            current = {"strict": m.group(5) == "true", "params": []}
            out[m.group(1)] = current
        elif current is None:
            raise ValueError(f"{LOWER_FILE}: parameter '{m.group(1)}' before any function")
        else:
            current["params"].append((m.group(1), m.group(2), m.group(3) == "true", m.group(4)))
    return out


def parse_dsl(text):
    """C symbol -> {reads: {index: {kinds}}, null_checked: {index}}; errors for unknowns."""
    out, errors = {}, []
    bodies = re.split(r"DF_SURFACE_FUNCTION\((\w+)\)", text)
    for symbol, body in zip(bodies[1::2], bodies[2::2]):
        reads, null_checked = {}, set()
        for m in re.finditer(r"\b(\w+)\(\s*fcinfo\s*,\s*(\w+)", body):
            accessor, index = m.group(1), m.group(2)
            if accessor not in ACCESSORS or not index.isdigit():
                errors.append(f"{DSL_FILE}: {symbol}: cannot read {accessor}(fcinfo, {index}); "
                              "use a literal index and an accessor listed in "
                              "ext/tests/check_dsl_signatures.py")
                continue
            kind, reads_null = ACCESSORS[accessor]
            reads.setdefault(int(index), set()).add(kind)
            if reads_null:
                null_checked.add(int(index))
        for m in re.finditer(r"\b(PG_GETARG_\w+|PG_ARGISNULL)\((\d+)\)", body):
            if m.group(1) == "PG_ARGISNULL":
                null_checked.add(int(m.group(2)))
            elif m.group(1) in ACCESSORS:
                reads.setdefault(int(m.group(2)), set()).add(ACCESSORS[m.group(1)][0])
            else:
                errors.append(f"{DSL_FILE}: {symbol}: unknown accessor {m.group(1)}")
        out[symbol] = {"reads": reads, "null_checked": null_checked}
    return out, errors


def compare_one(name, sql, lower, dsl):
    errors = []
    where = f"df.{name}"
    if sql["strict"] != lower["strict"]:
        errors.append(f"{where}: STRICT is {sql['strict']} in {SQL_FILE}, "
                      f"{lower['strict']} in {LOWER_FILE}")
    sql_names = [p[0] for p in sql["params"]]
    lower_names = [p[0] for p in lower["params"]]
    if sql_names != lower_names:
        errors.append(f"{where}: parameters {sql_names} in {SQL_FILE}, "
                      f"{lower_names} in {LOWER_FILE}")
        return errors
    for i, (s, low) in enumerate(zip(sql["params"], lower["params"])):
        if low[1] not in SQL_TYPE_KINDS.get(s[1], set()):
            errors.append(f"{where}: {s[0]} is {s[1]} in {SQL_FILE}, ArgKind::{low[1]} in "
                          f"{LOWER_FILE}")
        if (s[2], s[3]) != (low[2], low[3]):
            errors.append(f"{where}: default of {s[0]} is {s[3] if s[2] else 'none'!r} in "
                          f"{SQL_FILE}, {low[3] if low[2] else 'none'!r} in {LOWER_FILE}")
        kinds = dsl["reads"].get(i, set())
        if kinds != {low[1]}:
            errors.append(f"{where}: argument {i} ({s[0]}) is ArgKind::{low[1]} in {LOWER_FILE}, "
                          f"read as {sorted(kinds) or 'nothing'} in {DSL_FILE}")
        if not sql["strict"] and i not in dsl["null_checked"]:
            errors.append(f"{where} is not STRICT but {DSL_FILE} never checks argument {i} "
                          f"({s[0]}) for NULL")
    extra = sorted(set(dsl["reads"]) - set(range(len(sql_names))))
    if extra:
        errors.append(f"{where}: {DSL_FILE} reads arguments {extra} that {SQL_FILE} does not declare")
    return errors


def compare(sql_text, lower_text, dsl_text):
    """Every drift found, as readable lines (empty when the three agree)."""
    sql, lower = parse_sql(sql_text), parse_lower(lower_text)
    dsl, errors = parse_dsl(dsl_text)
    if not sql or not lower or not dsl:
        return errors + ["found no constructors in one of the three files (the parser is stale)"]
    for name in sorted(set(sql) | set(lower)):
        if name not in sql:
            errors.append(f"df.{name} is in {LOWER_FILE} but not declared in {SQL_FILE}")
        elif name not in lower:
            errors.append(f"df.{name} is declared in {SQL_FILE} but missing from {LOWER_FILE}")
        elif sql[name]["symbol"] not in dsl:
            errors.append(f"df.{name}: {SQL_FILE} names C symbol {sql[name]['symbol']}, "
                          f"which {DSL_FILE} does not define")
        else:
            errors += compare_one(name, sql[name], lower[name], dsl[sql[name]["symbol"]])
    unused = sorted(set(dsl) - {f["symbol"] for f in sql.values()})
    if unused:
        errors.append(f"{DSL_FILE} defines {unused}, which no df.* function in {SQL_FILE} names")
    return errors


# Each mutation must make compare() report something: the test itself can fail.
SELF_TEST_MUTATIONS = [
    ("sql", "df.sleep(seconds bigint)", "df.sleep(secs bigint)"),
    ("sql", "DEFAULT 'POST', body", "DEFAULT 'GET', body"),
    ("sql", "'df_if_rows' LANGUAGE C STRICT", "'df_if_rows' LANGUAGE C"),
    ("sql", "df.join3(a text, b text, c text)", "df.join3(a text, b text, c jsonb)"),
    ("lower", '{"race", true,', '{"racing", true,'),
    ("lower", '{"timeout_seconds", ArgKind::Int, true}}}', '{"timeout_seconds", ArgKind::BigInt, true}}}'),
    ("dsl", "PG_GETARG_INT64(0)", "PG_GETARG_INT32(0)"),
    ("dsl", "DF_SURFACE_FUNCTION(df_race)", "DF_SURFACE_FUNCTION(df_racing)"),
    ("dsl", "if (PG_ARGISNULL(0)) PG_RETURN_NULL();\n  auto body", "auto body"),
]


def self_test(texts):
    failures = []
    for which, old, new in SELF_TEST_MUTATIONS:
        if old not in texts[which]:
            failures.append(f"self-test: '{old}' no longer occurs in the {which} file; update "
                            "SELF_TEST_MUTATIONS")
            continue
        mutated = dict(texts, **{which: texts[which].replace(old, new, 1)})
        if not compare(mutated["sql"], mutated["lower"], mutated["dsl"]):
            failures.append(f"self-test: drift '{old}' -> '{new}' went unnoticed")
    return failures


def main(argv):
    root = Path(argv[1])
    texts = {"sql": (root / SQL_FILE).read_text(), "lower": (root / LOWER_FILE).read_text(),
             "dsl": (root / DSL_FILE).read_text()}
    errors = compare(texts["sql"], texts["lower"], texts["dsl"])
    if "--self-test" in argv[2:] and not errors:  # mutations prove something only on a clean tree
        errors += self_test(texts)
    for e in errors:
        print(e)
    if not errors:
        print(f"{len(parse_sql(texts['sql']))} df.* constructors agree across the three files")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
