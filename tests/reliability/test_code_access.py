"""What the package's code may not do, read from its source: no shell, no SQL built from
strings, no environment variable that imports a module into the daemon.

Each scan names the file, line and call it objects to, so a failure says where to look.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from ferrero_daemon.clients.db import QUERIES_FILE, load_queries

PACKAGE = Path(__file__).resolve().parents[2] / "ferrero_daemon"
SOURCES = sorted(PACKAGE.rglob("*.py"))

# Calls that hand a command line to a shell.
SHELL_CALLS = {
    "os.system",
    "os.popen",
    "asyncio.create_subprocess_shell",
    "subprocess.getoutput",
    "subprocess.getstatusoutput",
    "pty.spawn",
}
SHELL_METHODS = {"subprocess_shell", "create_subprocess_shell"}  # loop.subprocess_shell(…)

# The names of the calls that run SQL (asyncpg, and our Database).
SQL_CALLS = {"execute", "executemany", "fetch", "fetchrow", "fetchval", "prepare", "cursor"}
# The start of an SQL statement (not of a message that names a privilege, "SELECT on t").
SQL_START = re.compile(
    r"^\s*(SELECT\b.*\bFROM\b|INSERT\s+INTO\b|UPDATE\s+\S+\s+SET\b|DELETE\s+FROM\b|"
    r"(CREATE|DROP|ALTER)\s+(TABLE|DATABASE|INDEX|SCHEMA|ROLE|USER|VIEW|SEQUENCE)\s+[\w\"{]|"
    r"GRANT\b.*\bTO\b|REVOKE\b.*\bFROM\b|TRUNCATE\b|COPY\b.*\b(FROM|TO)\b|WITH\s+\w+\s+AS\b|"
    r"(LISTEN|NOTIFY|VACUUM|ANALYZE|REINDEX|LOCK)\s+\w|SET\s+\w+\s*(=|TO)\b)",
    re.DOTALL,
)
# Helpers that quote an identifier (doubling embedded quotes): what they return may be
# put into SQL text, since no value can be passed as a parameter in its place.
QUOTING_HELPERS = {"quote", "quote_ident"}
# Formatted SQL reviewed and kept, with the reason. (file relative to the package, function)
REVIEWED = {
    ("backups/rowcounts.py", "count_rows"): (
        "table names come from PostgreSQL's own format('%I.%I') in table_names(), "
        "quoted by the server; nothing else reaches the text"
    ),
    ("sandbox/lifecycle.py", "state"): (
        "the sandbox's digest of every table: names from format('%I') in the query above"
    ),
}


def dotted(node: ast.AST) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return f"{dotted(node.value)}.{node.attr}"
    return ""


def parsed() -> Iterator[tuple[Path, ast.Module]]:
    for path in SOURCES:
        yield path, ast.parse(path.read_text(encoding="utf-8"), filename=str(path))


def where(path: Path, node: ast.AST) -> str:
    return f"{path.relative_to(PACKAGE.parent)}:{getattr(node, 'lineno', '?')}"


def shell_uses(path: Path, tree: ast.Module) -> Iterator[str]:
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        name = dotted(node.func)
        if name in SHELL_CALLS or name.rsplit(".", 1)[-1] in SHELL_METHODS:
            yield f"{where(path, node)}: {name}(…)"
        for keyword in node.keywords:
            if keyword.arg == "shell" and not (
                isinstance(keyword.value, ast.Constant) and keyword.value.value is False
            ):
                yield f"{where(path, node)}: {name}(…, shell={ast.unparse(keyword.value)})"


def test_the_package_never_runs_a_shell() -> None:
    found = [use for path, tree in parsed() for use in shell_uses(path, tree)]
    assert found == []


def test_the_shell_scan_finds_what_it_looks_for() -> None:
    tree = ast.parse(
        "import os, subprocess, asyncio\n"
        "os.system('ls')\n"
        "subprocess.run('ls', shell=True)\n"
        "subprocess.run(['ls'], shell=flag)\n"
        "subprocess.run(['ls'], shell=False)\n"
        "asyncio.create_subprocess_shell('ls')\n"
        "loop.subprocess_shell(factory, 'ls')\n"
    )
    found = list(shell_uses(PACKAGE / "example.py", tree))
    assert [f.split(": ", 1)[1] for f in found] == [
        "os.system(…)",
        "subprocess.run(…, shell=True)",
        "subprocess.run(…, shell=flag)",
        "asyncio.create_subprocess_shell(…)",
        "loop.subprocess_shell(…)",
    ]


# -- SQL ---------------------------------------------------------------------------------
def formatted_parts(node: ast.AST) -> tuple[str, list[ast.expr]] | None:
    """(literal text, interpolated expressions) of a string built at run time, else None."""
    if isinstance(node, ast.JoinedStr):
        text = "".join(
            v.value for v in node.values if isinstance(v, ast.Constant) and isinstance(v.value, str)
        )
        return text, [v.value for v in node.values if isinstance(v, ast.FormattedValue)]
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mod | ast.Add):
        left = node.left
        text = left.value if isinstance(left, ast.Constant) and isinstance(left.value, str) else ""
        return text, [node.right] if text else [node.left, node.right]
    if (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == "format"
        and isinstance(node.func.value, ast.Constant)
        and isinstance(node.func.value.value, str)
    ):
        return node.func.value.value, [*node.args, *(k.value for k in node.keywords)]
    return None


def quoted(expr: ast.expr) -> bool:
    return isinstance(expr, ast.Call) and dotted(expr.func).rsplit(".", 1)[-1] in QUOTING_HELPERS


def functions(tree: ast.Module) -> Iterator[tuple[str, ast.AST]]:
    """(enclosing function name, node) for every node; module level is ``<module>``."""
    stack: list[tuple[str, ast.AST]] = [("<module>", tree)]
    while stack:
        name, node = stack.pop()
        for child in ast.iter_child_nodes(node):
            inner = (
                child.name if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef) else name
            )
            yield inner, child
            stack.append((inner, child))


def formatted_sql(path: Path, tree: ast.Module) -> Iterator[str]:
    """SQL text built with f-strings, ``%`` or ``.format`` from anything but quoted names."""
    relative = str(path.relative_to(PACKAGE))
    for function, node in functions(tree):
        if (relative, function) in REVIEWED:
            continue
        candidates: list[ast.AST] = []
        call = isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
        if call and node.func.attr in SQL_CALLS and node.args:  # type: ignore[attr-defined]
            candidates.append(node.args[0])  # type: ignore[attr-defined]
        parts = formatted_parts(node)
        if parts is not None and SQL_START.match(parts[0]):
            candidates.append(node)
        for candidate in candidates:
            found = formatted_parts(candidate)
            if found is not None and not all(quoted(e) for e in found[1]):
                yield f"{where(path, candidate)}: {ast.unparse(candidate)[:80]}"


def test_sql_is_never_built_from_strings_in_the_package() -> None:
    found = sorted({use for path, tree in parsed() for use in formatted_sql(path, tree)})
    assert found == []


def test_the_sql_scan_finds_what_it_looks_for() -> None:
    tree = ast.parse(
        "async def f(conn, name, value):\n"
        "    await conn.execute(f'DELETE FROM t WHERE a = {value}')\n"
        "    await conn.fetch('SELECT * FROM t WHERE a = %s' % value)\n"
        "    sql = 'UPDATE t SET a = {}'.format(value)\n"
        "    await conn.execute(f'CREATE DATABASE {quote(name)}')\n"
        "    await conn.execute('SELECT $1', value)\n"
        "    print(f'when satisfied: DROP DATABASE \"{name}\"')\n"
        "    lacking.append(f'SELECT on {name}')\n"
        "    sql = f'SELECT a FROM t WHERE b = {value}'\n"
    )
    found = sorted({f.split(": ", 1)[1] for f in formatted_sql(PACKAGE / "x.py", tree)})
    assert found == [
        "'SELECT * FROM t WHERE a = %s' % value",
        "'UPDATE t SET a = {}'.format(value)",
        "f'DELETE FROM t WHERE a = {value}'",
        "f'SELECT a FROM t WHERE b = {value}'",
    ]


def test_every_named_query_takes_its_values_as_parameters() -> None:
    placeholders = re.compile(r"%s|%\(\w+\)s|%d|\{\w*\}")
    strip_literals = re.compile(r"'(?:[^']|'')*'")  # format('%I') is PostgreSQL's, not ours
    queries = load_queries(QUERIES_FILE)
    assert len(queries) > 50
    found = {
        name: sorted(set(placeholders.findall(strip_literals.sub("''", sql))))
        for name, sql in queries.items()
    }
    assert {name: marks for name, marks in found.items() if marks} == {}


# -- the production entry point ----------------------------------------------------------
def test_no_environment_variable_chooses_the_code_the_daemon_runs() -> None:
    """The test suite's job overrides live in tests/daemon_main.py, outside the wheel."""
    mentions = [
        where(path, node)
        for path, tree in parsed()
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and "JOB_OVERRIDES" in node.value
    ]
    assert mentions == []
    importers = [
        where(path, node)
        for path, tree in parsed()
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and dotted(node.func) in ("importlib.import_module", "__import__")
        and not (node.args and fixed_name(node.args[0], constants(tree)))
    ]
    # Only the two job resolvers import a module named at run time, and both take it from
    # a registry: jobs.JOBS in production.
    assert sorted(importers) == sorted(
        [
            where(PACKAGE / "jobs.py", _import_line(PACKAGE / "jobs.py")),
            where(PACKAGE / "runtime/runner.py", _import_line(PACKAGE / "runtime/runner.py")),
        ]
    )


def constants(tree: ast.Module) -> set[str]:
    """Module-level names bound once to a string literal."""
    return {
        target.id
        for node in tree.body
        if isinstance(node, ast.Assign)
        and isinstance(node.value, ast.Constant)
        and isinstance(node.value.value, str)
        for target in node.targets
        if isinstance(target, ast.Name)
    }


def fixed_name(arg: ast.expr, names: set[str]) -> bool:
    """A module name the code spells out: a literal, a constant, or an f-string of them
    and of the package's own names (``f"{commands.__name__}.{info.name}"``)."""
    if isinstance(arg, ast.Name):
        return arg.id in names
    return isinstance(arg, ast.Constant | ast.JoinedStr)


def _import_line(path: Path) -> ast.AST:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return next(
        node
        for node in ast.walk(tree)
        if isinstance(node, ast.Call) and dotted(node.func) == "importlib.import_module"
    )


def test_the_production_run_command_takes_no_job_or_clock_option() -> None:
    from ferrero_daemon.cli import build_parser

    parser = build_parser()
    assert parser.parse_args(["run", "--config", "c.toml"]).config == "c.toml"
    for option in ("--jobs", "--clock-file"):
        with pytest.raises(SystemExit):
            parser.parse_args(["run", option, "x"])
