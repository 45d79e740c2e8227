"""Fail when two modules of the package import each other, directly or through others.

import-linter's layers contract catches a cycle between layers; this catches one inside a layer
too (``model/training/train.py`` -> ``card.py`` -> ``train.py`` was one).  It builds the import
graph with grimp (which import-linter ships), counting imports inside functions and under
``TYPE_CHECKING`` alike, and prints each group of modules that reach one another (a strongly
connected component) with one import chain around it.  Run from the repository root:

    PYTHONPATH=src python scripts/check_import_cycles.py

Exit code 0 when the graph is acyclic, 1 otherwise.  ``tests/test_tools.py`` and ``.ci/run`` run it.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable, Mapping

PACKAGE = "nba_predictions"


def strongly_connected(edges: Mapping[str, Iterable[str]]) -> list[list[str]]:
    """The graph's strongly connected components of more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    groups: list[list[str]] = []
    for root in sorted(edges):
        if root in index:
            continue
        work = [(root, iter(sorted(edges[root])))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, targets = work[-1]
            for target in targets:
                if target not in index:
                    index[target] = low[target] = len(index)
                    stack.append(target)
                    on_stack.add(target)
                    work.append((target, iter(sorted(edges.get(target, ())))))
                    break
                if target in on_stack:
                    low[node] = min(low[node], index[target])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    group = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        group.append(member)
                        if member == node:
                            break
                    if len(group) > 1 or node in edges.get(node, ()):
                        groups.append(sorted(group))
    return sorted(groups)


def cycle_in(group: list[str], edges: Mapping[str, Iterable[str]]) -> list[str]:
    """One closed chain of imports through the group's first module (breadth first, shortest)."""
    members = set(group)
    start = group[0]
    previous: dict[str, str] = {}
    frontier = [start]
    while frontier:
        following = []
        for node in frontier:
            for target in sorted(edges.get(node, ())):
                if target not in members:
                    continue
                if target == start:
                    chain = [node]
                    while chain[-1] != start:
                        chain.append(previous[chain[-1]])
                    return [*reversed(chain), start]
                if target not in previous:
                    previous[target] = node
                    following.append(target)
        frontier = following
    return group


def main() -> int:
    import grimp

    graph = grimp.build_graph(PACKAGE, cache_dir=None)
    edges = {module: graph.find_modules_directly_imported_by(module) for module in graph.modules}
    groups = strongly_connected(edges)
    for group in groups:
        print(f"import cycle among {len(group)} modules: {' -> '.join(cycle_in(group, edges))}")
    if not groups:
        print(f"no import cycle among the {len(edges)} modules of {PACKAGE}")
    return 1 if groups else 0


if __name__ == "__main__":
    sys.exit(main())
