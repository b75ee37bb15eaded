"""The house rules of the code's layout, read from the code itself: the layers import one way
(a lower one never imports a higher one), there are no import cycles, no module is longer than
300 lines, and the core and the pipeline hold no threshold outside the tuning."""

from __future__ import annotations

import ast
import graphlib
from pathlib import Path

from assistant.core.settings import REPO_ROOT

# Lowest first: a module may import from its own layer and the ones before it.
LAYERS = ("assistant.core", "assistant.storage", "assistant.pipeline", "assistant.features",
          "ingest", "assistant.front", "app", "evals", "evals.bench")
PACKAGES = ("assistant", "ingest", "evals")
MAX_LINES = 300
TUNED = ("assistant.core", "assistant.pipeline")  # every threshold here is a Tuning entry
NOT_TUNING = {  # numbers these layers may keep at module level, and why
    "assistant.core.bounds.MAX_QUESTION_CHARS": "a bound on what a user may send (security), "
                                                "the settings' default",
}


def _module(path: Path) -> str:
    parts = path.relative_to(REPO_ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _sources() -> dict[str, Path]:
    paths = [p for package in PACKAGES for p in (REPO_ROOT / package).rglob("*.py")]
    return {_module(p): p for p in [*paths, REPO_ROOT / "app.py"]}


def _imports(path: Path, modules: set[str]) -> set[str]:
    """The project modules a file imports (also inside functions and TYPE_CHECKING blocks)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [f"{node.module}.{alias.name}" for alias in node.names]
            found |= {n for n in names if n in modules} or {node.module}
        elif isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
    return {m for m in found if m in modules}


def _graph() -> dict[str, set[str]]:
    sources = _sources()
    return {m: _imports(p, set(sources)) - {m} for m, p in sources.items()}


def layer(module: str) -> int:
    """The index of the deepest layer a module belongs to (`assistant` itself is the core)."""
    matches = [i for i, name in enumerate(LAYERS)
               if module == name or module.startswith(name + ".")]
    if module in ("assistant", "assistant.__main__"):
        return LAYERS.index("assistant.core" if module == "assistant" else "assistant.front")
    assert matches, f"{module} is in no layer: add it to a layer package ({', '.join(LAYERS)})"
    return max(matches)


def upward(graph: dict[str, set[str]]) -> list[str]:
    """The imports that run from a layer to a higher one."""
    return [f"{src} -> {dst}" for src, targets in graph.items() for dst in sorted(targets)
            if layer(dst) > layer(src)]


def cycle(graph: dict[str, set[str]]) -> list[str]:
    """One import cycle, or [] when there is none."""
    try:
        graphlib.TopologicalSorter(graph).prepare()
    except graphlib.CycleError as err:
        return list(err.args[1])
    return []


def _is_number(node: ast.expr) -> bool:
    """A number, or numbers combined (-0.5, 1 / 3, (0.2, 0.8)); not True or False."""
    if isinstance(node, ast.Constant):
        return type(node.value) in (int, float)
    if isinstance(node, ast.UnaryOp):
        return _is_number(node.operand)
    if isinstance(node, ast.BinOp):
        return _is_number(node.left) and _is_number(node.right)
    if isinstance(node, ast.Tuple | ast.List):
        return bool(node.elts) and all(map(_is_number, node.elts))
    return False


def numbers(source: str) -> list[str]:
    """The names a module binds to a number at its top level."""
    found = []
    for node in ast.parse(source).body:
        if isinstance(node, ast.Assign) and _is_number(node.value):
            found += [t.id for t in node.targets if isinstance(t, ast.Name)]
        elif (isinstance(node, ast.AnnAssign) and node.value is not None
              and _is_number(node.value) and isinstance(node.target, ast.Name)):
            found.append(node.target.id)
    return found


def test_every_module_is_in_a_layer():
    for module in _sources():
        layer(module)


def test_no_layer_imports_a_higher_one():
    found = upward(_graph())
    assert not found, "imports that run back up the layers:\n" + "\n".join(found)


def test_no_import_cycles():
    found = cycle(_graph())
    assert not found, f"import cycle: {' -> '.join(found)}"


def test_no_module_is_longer_than_300_lines():
    long = {m: n for m, p in _sources().items()
            if (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_LINES}
    assert not long, f"modules over {MAX_LINES} lines (split them): {long}"


def test_the_core_and_the_pipeline_keep_their_thresholds_in_the_tuning():
    found = {f"{m}.{name}" for m, p in _sources().items() if m.startswith(TUNED)
             for name in numbers(p.read_text(encoding="utf-8"))}
    stray = sorted(found - set(NOT_TUNING))
    assert not stray, ("numbers outside assistant/data/tuning.toml (make each a Tuning entry "
                       f"with its reason and source, or say in NOT_TUNING why it is none): {stray}")
    assert set(NOT_TUNING) <= found, "NOT_TUNING names a number that is gone: drop it"


def test_the_checks_see_a_cycle_and_an_upward_import():
    """The checks above can fail: a made-up cycle and an upward import are caught."""
    core, front = "assistant.core.types", "assistant.front.cli"
    assert upward({core: {front}, front: {core}}) == [f"{core} -> {front}"]
    assert set(cycle({core: {front}, front: {core}})) == {core, front}
    assert not cycle({front: {core}, core: set()})


def test_the_check_sees_a_number_at_module_level():
    """The threshold check can fail: made-up constants are caught, names and flags are not."""
    source = ('LIMIT = 0.5\nSHARE: float = -1 / 3\nPAIR = (2, 0.8)\nNAME = "x"\nON = True\n'
              "def f():\n    inner = 0.5\n")
    assert numbers(source) == ["LIMIT", "SHARE", "PAIR"]
