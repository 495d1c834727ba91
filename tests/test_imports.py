"""The import graph of ``sovsim/`` has no cycle.

Every import statement counts — at module level, inside functions and under ``if TYPE_CHECKING:`` — so a
cycle cannot hide behind a lazy or type-only import. ``from package import name`` is an edge to the
submodule ``package.name`` when there is one, else to the package; importing a submodule does not add an
edge to its parent packages (their ``__init__`` re-exports would otherwise tie everything together).
"""

from __future__ import annotations

import ast
from pathlib import Path

import networkx as nx
import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "sovsim"


def _modules(package: Path) -> dict[str, Path]:
    found = {}
    for path in sorted(package.rglob("*.py")):
        parts = list(path.relative_to(package.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        found[".".join(parts)] = path
    return found


def _imported(name: str, path: Path, modules: dict[str, Path]) -> set[str]:
    """The modules of ``modules`` that the file ``path`` (module ``name``) imports anywhere."""
    targets: set[str] = set()
    package = name.split(".") if path.name == "__init__.py" else name.split(".")[:-1]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            targets.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = package[: len(package) - (node.level - 1)]
                base = ".".join(parent + ([base] if base else []))
            for alias in node.names:
                sub = f"{base}.{alias.name}"
                targets.add(sub if sub in modules else base)
    return {t for t in targets if t in modules and t != name}


def import_graph(package: Path = PACKAGE) -> nx.DiGraph:
    """Module → module it imports, over every ``.py`` file of ``package``."""
    modules = _modules(package)
    graph = nx.DiGraph()
    graph.add_nodes_from(modules)
    for name, path in modules.items():
        graph.add_edges_from((name, target) for target in _imported(name, path, modules))
    return graph


def _cycles(graph: nx.DiGraph) -> list[str]:
    """One cycle per strongly connected component, written ``a → b → a``."""
    out = []
    for component in nx.strongly_connected_components(graph):
        if len(component) > 1:
            cycle = nx.find_cycle(graph.subgraph(component))
            out.append(" → ".join([u for u, _ in cycle] + [cycle[0][0]]))
    return sorted(out)


def test_the_package_has_no_import_cycle() -> None:
    cycles = _cycles(import_graph())
    assert cycles == [], "import cycles in sovsim/:\n" + "\n".join(cycles)


def test_the_graph_sees_the_imports_it_must(tmp_path: Path) -> None:
    """The checker finds cycles through function-level, type-only and relative imports, and names them."""
    pkg = tmp_path / "pkg"
    (pkg / "sub").mkdir(parents=True)
    (pkg / "__init__.py").write_text("")
    (pkg / "sub" / "__init__.py").write_text("")
    (pkg / "a.py").write_text("from pkg.sub import b\n")
    (pkg / "sub" / "b.py").write_text("def f():\n    from .. import c\n")
    (pkg / "c.py").write_text("from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    import pkg.a\n")
    (pkg / "d.py").write_text("import pkg.a\n")  # into the cycle, not part of it
    graph = import_graph(pkg)
    assert set(graph.edges) == {("pkg.a", "pkg.sub.b"), ("pkg.sub.b", "pkg.c"), ("pkg.c", "pkg.a"),
                                ("pkg.d", "pkg.a")}
    cycles = _cycles(graph)
    assert len(cycles) == 1
    assert set(cycles[0].split(" → ")) == {"pkg.a", "pkg.sub.b", "pkg.c"}


@pytest.mark.parametrize(("importer", "imported"), [
    ("sovsim.scenario.schema", "sovsim.model.supply"),
    ("sovsim.sweep.runner", "sovsim.sweep.dask_engine"),
    ("sovsim.sweep.runner", "sovsim.sweep.slurm"),
    ("sovsim.analysis.core", "sovsim.analysis.report"),
    ("sovsim.model.treasury", "sovsim.model.billing"),
])
def test_layers_point_one_way(importer: str, imported: str) -> None:
    """The scenario layer does not reach into the model, the runner into its engines, the analysis into its
    report, nor the treasury into billing (not even indirectly)."""
    graph = import_graph()
    assert not nx.has_path(graph, importer, imported)


def test_engines_are_found_through_the_registry() -> None:
    from sovsim.sweep import engines
    from sovsim.sweep.runner import LocalEngine, make_engine

    assert engines.engine_class("dask").__name__ == "DaskEngine"
    assert engines.engine_class("slurm").__name__ == "SlurmEngine"
    engines.register("inline-for-test", "sovsim.sweep.runner:LocalEngine")
    try:
        found = make_engine("inline-for-test", workers=1)
        assert isinstance(found, LocalEngine)
        assert found.workers == 1
    finally:
        engines._REGISTRY.pop("inline-for-test")
    with pytest.raises(ValueError, match="module:Class"):
        engines.register("bad", "no-colon")
