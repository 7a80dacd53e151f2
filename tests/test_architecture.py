"""The shape every newcomer can count on (issue 16, docs/architecture.md), checked on the source:

- the edges (the site's views, the API's handlers) write nothing, send no mail, keep no audit
  record and run no queries of their own: they call services and selectors;
- they do not catch the domain's errors: web/refusals.py and api/errors.py answer them;
- every domain app has its models, services and selectors, and its commands in its cli.py.

The import contracts (no cycles, the domain never importing the edges) are in pyproject.toml
and run in test_codebase.py.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src" / "zerocity"
EDGES = sorted([*SRC.glob("web/*views.py"), SRC / "web" / "forms.py", *SRC.glob("api/*.py")])
WRITES = {"save", "create", "update", "delete", "bulk_create", "bulk_update", "get_or_create",
          "update_or_create", "send_mail", "send_mass_mail", "atomic"}
DOMAIN_ERRORS = {"Conflict", "NotFound", "PermissionDenied", "ZeroCityError",
                 "PaymentDeclined"}
APPS = ("core", "inventory", "plan", "data", "card", "mobility", "food", "budget", "contract",
        "governance", "engage")


def _calls(tree: ast.AST) -> list[tuple[int, str]]:
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute):
            if node.attr == "objects":
                out.append((node.lineno, "Model.objects (a query in the edge)"))
            elif node.attr == "record" and isinstance(node.value, ast.Name) and \
                    node.value.id == "audit":
                out.append((node.lineno, "audit.record"))
        if isinstance(node, ast.Call):
            name = (node.func.attr if isinstance(node.func, ast.Attribute)
                    else node.func.id if isinstance(node.func, ast.Name) else "")
            if name in WRITES:
                out.append((node.lineno, f"{name}()"))
    return out


def _caught(tree: ast.AST) -> list[tuple[int, str]]:
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ExceptHandler) and node.type is not None:
            names = node.type.elts if isinstance(node.type, ast.Tuple) else [node.type]
            for n in names:
                name = n.attr if isinstance(n, ast.Attribute) else getattr(n, "id", "")
                if name in DOMAIN_ERRORS:
                    out.append((node.lineno, f"except {name}"))
    return out


@pytest.mark.parametrize("path", EDGES, ids=lambda p: str(p.relative_to(SRC)))
def test_the_edges_write_nothing_and_query_nothing_themselves(path):
    found = _calls(ast.parse(path.read_text(encoding="utf-8")))
    assert found == [], f"{path.name}: move these into a service or a selector: {found}"


# A form shown again with the refusal beside its field renders the error: that is the edge's
# job, and these are the places that do it.
FORM_RERENDERS = {"data_views.py": 1, "mobility_views.py": 1, "planner_views.py": 1,
                  "views.py": 1, "fleet_views.py": 5}


@pytest.mark.parametrize("path", EDGES, ids=lambda p: str(p.relative_to(SRC)))
def test_the_edges_leave_domain_errors_to_the_one_place_that_answers_them(path):
    caught = _caught(ast.parse(path.read_text(encoding="utf-8")))
    allowed = FORM_RERENDERS.get(path.name, 0) if path.parent.name == "web" else 0
    assert len(caught) <= allowed, f"{path.name}: {caught}"


@pytest.mark.parametrize("app", APPS)
def test_every_app_has_its_layers(app):
    for module in ("models", "services", "selectors", "cli"):
        found = (SRC / app / f"{module}.py").exists() or (SRC / app / module).is_dir()
        assert found, f"{app} has no {module}"
