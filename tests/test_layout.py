"""The house's layout, from its imports: no import loops, no import pointing up the floors, one
face per package, and docs/architecture.md drawn from the code as it is.

`python tests/test_layout.py --write` redraws the picture and the tree in docs/architecture.md;
the test fails when they differ from the code.
"""

from __future__ import annotations

import ast
import sys
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SERVER = ROOT / "server"
ARCHITECTURE = ROOT / "docs" / "architecture.md"

# The floors of the house, lowest first: a room may import rooms on lower floors only (and the
# modules of its own package). "server" is the package's own face (its version).
FLOORS = [
    ("shared data and settings", {"server", "models", "config", "budget", "progress"}),
    # forks past the progress bars' redraw threads only: it asks progress which they are
    ("work spread over the cores", {"cores"}),
    ("pure rules", {"sanitize", "tex", "trending"}),
    ("parsers, the store, the index, formatting", {"sources", "store", "index", "text"}),
    ("formats", {"bibtex"}),
    ("formats that reuse BibTeX's cite keys", {"cite"}),
    ("the open archive and what is asked of it", {"archive", "service"}),
    ("ways in and out", {"crawl", "site", "digest"}),
    ("the local API", {"api"}),
    ("the daily pipeline", {"update"}),
    ("the command line", {"cli"}),
]
FLOOR = {room: n for n, (_, rooms) in enumerate(FLOORS) for room in rooms}
BEGIN, END = (
    "<!-- drawn by tests/test_layout.py: begin -->",
    "<!-- drawn by tests/test_layout.py: end -->",
)


def modules() -> dict[str, Path]:
    """Every module of server/ by its dotted name."""
    found = {}
    for path in sorted(SERVER.rglob("*.py")):
        parts = path.relative_to(ROOT).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        found[name] = path
    return found


def imports(mods: dict[str, Path]) -> dict[str, set[str]]:
    """module -> the server modules it imports (at any depth of its code, lazy imports too)."""

    def owner(name: str) -> str:
        while name not in mods:
            name = name.rpartition(".")[0]
        return name

    edges: dict[str, set[str]] = {m: set() for m in mods}
    for name, path in mods.items():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("server"):
                for alias in node.names:
                    full = f"{node.module}.{alias.name}"
                    edges[name].add(full if full in mods else owner(node.module))
            elif isinstance(node, ast.Import):
                edges[name] |= {owner(a.name) for a in node.names if a.name.startswith("server")}
        edges[name].discard(name)
    return edges


def room(module: str) -> str:
    """The room a module belongs to: its package under server/, or its own name."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "server"


def loops(edges: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected groups of more than one module (Tarjan, without recursion)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    for start in edges:
        if start in index:
            continue
        work = [(start, iter(sorted(edges[start])))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(edges[child]))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
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
                if len(group) > 1:
                    found.append(sorted(group))
    return found


def room_edges(edges: dict[str, set[str]]) -> dict[str, set[str]]:
    """room -> the other rooms its modules import."""
    out: dict[str, set[str]] = defaultdict(set)
    for module, targets in edges.items():
        for target in targets:
            if room(target) != room(module):
                out[room(module)].add(room(target))
    return out


def picture(edges: dict[str, set[str]]) -> str:
    """The rooms on their floors and the imports between them, as a Mermaid flowchart."""
    rooms = room_edges(edges)
    lines = ["```mermaid", "flowchart BT"]
    for n, (what, members) in enumerate(FLOORS):
        lines.append(f'  subgraph floor{n}["floor {n}: {what}"]')
        lines += [f"    {m}" for m in sorted(members)]
        lines.append("  end")
    for source in sorted(rooms):
        for target in sorted(rooms[source]):
            lines.append(f"  {source} --> {target}")
    lines.append("```")
    return "\n".join(lines)


def first_line(path: Path) -> str:
    """A module's docstring's first sentence (its one job)."""
    doc = ast.get_docstring(ast.parse(path.read_text(encoding="utf-8"))) or ""
    text = " ".join(doc.split())
    cut = text.find(". ")
    return (text[: cut + 1] if cut > 0 else text).strip()


def tree(mods: dict[str, Path]) -> str:
    """server/ as a folder tree, each file with its one job."""
    lines = ["```"]
    for path in sorted(mods.values(), key=lambda p: p.relative_to(ROOT).parts):
        rel = path.relative_to(ROOT)
        depth = len(rel.parts) - 1
        shown = rel.parts[-2] + "/" if rel.name == "__init__.py" else rel.name
        indent = "  " * (depth - 1 if rel.name == "__init__.py" else depth)
        line = f"{indent}{shown:<22} {first_line(path)}"
        lines.append(line if len(line) <= 100 else line[:99].rstrip() + "\u2026")
    lines.append("```")
    return "\n".join(lines)


def drawn() -> str:
    """What docs/architecture.md holds between its markers."""
    mods = modules()
    return f"{BEGIN}\n\n{picture(imports(mods))}\n\n{tree(mods)}\n\n{END}"


def _current() -> str:
    text = ARCHITECTURE.read_text(encoding="utf-8")
    return text[text.index(BEGIN) : text.index(END) + len(END)]


def test_no_module_imports_one_that_imports_it_back():
    assert loops(imports(modules())) == []


def test_no_import_points_up_a_floor():
    edges = imports(modules())
    rooms = {room(m) for m in edges}
    assert rooms <= set(FLOOR), f"rooms on no floor: {sorted(rooms - set(FLOOR))}"
    upward = [
        f"{module} -> {target}"
        for module, targets in edges.items()
        for target in targets
        if room(target) != room(module) and FLOOR[room(target)] >= FLOOR[room(module)]
    ]
    assert upward == []


def test_other_rooms_come_in_through_a_package_face():
    # `from server.store import Store`, never `from server.store.store import Store`, from outside
    edges = imports(modules())
    packages = {room(m) for m in edges if modules()[m].name == "__init__.py"} - {"server"}
    deep = [
        f"{module} -> {target}"
        for module, targets in edges.items()
        for target in targets
        if room(target) in packages and room(target) != room(module) and target.count(".") > 1
    ]
    assert deep == []


def test_the_architecture_page_is_drawn_from_the_code():
    assert _current() == drawn(), "run: python tests/test_layout.py --write"


if __name__ == "__main__" and sys.argv[1:] == ["--write"]:
    page = ARCHITECTURE.read_text(encoding="utf-8")
    ARCHITECTURE.write_text(page.replace(_current(), drawn()), encoding="utf-8")
