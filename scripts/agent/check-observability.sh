#!/usr/bin/env bash
# Offline checks of infra/observability (nothing is started):
#   - promtool: prometheus.yml is a valid configuration (its rule_files included), alerts.yml
#     valid rules, and alerts.test.yml's unit tests of those rules pass;
#   - every Grafana dashboard is valid JSON with a uid, a title and panels;
#   - every metric name a dashboard or an alert queries is one the code emits: named as a
#     string in crates/*/src (a histogram's _bucket/_sum/_count series count as the histogram),
#     or a builtin (Prometheus's `up`, the process_* metrics of the metrics-process collector);
#   - every metric the code emits under a literal name is described (a `Description::` entry,
#     which gives it HELP text and a unit).
# Installs promtool when missing (Debian package `prometheus`). Exit status 0 when all pass.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$ROOT/scripts/agent/lib.sh"

OBS_DIR="$ROOT/infra/observability"

command -v promtool >/dev/null 2>&1 || apt_install prometheus
command -v promtool >/dev/null 2>&1 || die "promtool is missing (apt-get install prometheus)"

info "promtool check config prometheus.yml"
promtool check config "$OBS_DIR/prometheus.yml"
info "promtool check rules alerts.yml"
promtool check rules "$OBS_DIR/alerts.yml"
info "promtool test rules alerts.test.yml"
promtool test rules "$OBS_DIR/alerts.test.yml"

info "dashboards and alerts query only metrics the code emits; every emitted metric is described"
python3 - "$ROOT" <<'PY'
"""Checks the dashboards' JSON and the metric names of dashboards, alerts and code."""
import json
import pathlib
import re
import sys

root = pathlib.Path(sys.argv[1])
obs = root / "infra" / "observability"
problems = []

# Names in the Rust sources: any string literal that looks like a metric name.
sources = {p: p.read_text() for p in root.glob("crates/*/src/**/*.rs")}
code_text = "\n".join(sources.values())
literal_names = set(re.findall(r'"([a-z][a-z0-9_]*)"', code_text))

# Emitted with a literal name, and described.
emitted = {}
for path, text in sources.items():
    for kind, name in re.findall(r'\b(counter|gauge|histogram)!\(\s*"([a-z][a-z0-9_]*)"', text):
        emitted.setdefault(name, path.relative_to(root))
described = set(re.findall(r'Description::(?:counter|gauge|histogram)\(\s*"([a-z][a-z0-9_]*)"', code_text))
for name, path in sorted(emitted.items()):
    if name not in described:
        problems.append(f"{path}: metric {name} is emitted but has no Description (HELP text, unit)")

BUILTIN = {"up"}
KEYWORDS = {"by", "without", "on", "ignoring", "group_left", "group_right", "and", "or",
            "unless", "bool", "offset", "inf", "nan", "le"}


def metric_names(expr):
    """The metric names in a PromQL expression."""
    expr = re.sub(r'"(?:[^"\\]|\\.)*"', '""', expr)  # strings
    expr = re.sub(r"\{[^}]*\}", "", expr)  # label matchers
    expr = re.sub(r"\[[^\]]*\]", "", expr)  # ranges
    expr = re.sub(r"\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)", "", expr)
    names = set()
    for match in re.finditer(r"(?<![\w$])([a-zA-Z_:][a-zA-Z0-9_:]*)\b(\s*\()?", expr):
        word, call = match.group(1), match.group(2)
        if call or word.lower() in KEYWORDS:
            continue
        names.add(word)
    return names


def known(name):
    if name in BUILTIN or name.startswith("process_"):
        return True
    if name in literal_names:
        return True
    for suffix in ("_bucket", "_sum", "_count"):
        if name.endswith(suffix) and name[: -len(suffix)] in literal_names:
            return True
    return False


def check(where, expr):
    for name in sorted(metric_names(expr)):
        if not known(name):
            problems.append(f"{where}: {name} is not a metric the code emits (expr: {expr.strip()})")


dashboards = sorted((obs / "grafana" / "dashboards").glob("*.json"))
if not dashboards:
    problems.append("no dashboards in infra/observability/grafana/dashboards")
for path in dashboards:
    rel = path.relative_to(root)
    try:
        board = json.loads(path.read_text())
    except json.JSONDecodeError as error:
        problems.append(f"{rel}: not valid JSON: {error}")
        continue
    for field in ("uid", "title", "panels"):
        if not board.get(field):
            problems.append(f"{rel}: no {field}")
    for panel in board.get("panels", []):
        for target in panel.get("targets", []):
            check(f"{rel} panel '{panel.get('title')}'", target.get("expr", ""))
    for variable in board.get("templating", {}).get("list", []):
        query = variable.get("query", {})
        query = query.get("query", "") if isinstance(query, dict) else query
        found = re.match(r"label_values\((\w+),", query)
        if found:
            check(f"{rel} variable {variable.get('name')}", found.group(1))

alerts = (obs / "alerts.yml").read_text()
# The rules file is YAML; its expressions are `expr:` scalars, inline or as `|` blocks.
for match in re.finditer(r"^(\s*)expr:\s*(\|[-+]?\s*\n((?:\1\s+.*\n?)+)|(.+))", alerts, re.M):
    expr = match.group(3) or match.group(4)
    check("infra/observability/alerts.yml", expr)

if problems:
    print("\n".join(problems), file=sys.stderr)
    sys.exit(1)
print(f"{len(dashboards)} dashboards, alerts.yml and {len(emitted)} emitted metric names: ok")
PY

info "observability: ok"
