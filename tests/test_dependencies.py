"""dvc.yaml's code dependencies are honest: every project module a stage's script imports,
transitively, is one of the stage's deps, so DVC sees every change that can alter its outputs.

Imports are followed statically (every ``import`` statement of a module, wherever it is), and
the one dynamic import, the model registry's, is resolved by the stage's model: a stage
``NAME@MODEL`` loads ``genbench/models/MODEL.py``.
"""

import ast
from pathlib import Path

import pytest
from dvc.repo import Repo

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT / "src"


def _module_file(name: str) -> Path | None:
    path = SRC.joinpath(*name.split("."))
    for candidate in (path.with_suffix(".py"), path / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


def _imported(path: Path) -> set[str]:
    """genbench modules named by the import statements of one file (packages included)."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
            names |= {f"{node.module}.{a.name}" for a in node.names}  # `from pkg import module`
    found = set()
    for name in names:
        parts = name.split(".")
        if parts[0] != "genbench":
            continue
        for i in range(1, len(parts) + 1):  # importing a.b.c runs a and a.b first
            if _module_file(".".join(parts[:i])):
                found.add(".".join(parts[:i]))
    return found


def closure(script: Path, model: str | None) -> set[Path]:
    """Files of every genbench module the script loads (and the model's, by the registry)."""
    seen, todo = set(), _imported(script)
    if model and "genbench.models" in todo:
        todo.add(f"genbench.models.{model}")
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        todo |= _imported(_module_file(name)) - seen
    return {_module_file(name) for name in seen}


def _stages():
    repo = Repo(str(ROOT))
    try:
        return [(s.addressing, s.cmd, [Path(d.def_path) for d in s.deps if not hasattr(d, "params")])
                for s in repo.index.stages]
    finally:
        repo.close()


STAGES = _stages()


@pytest.mark.parametrize("name, cmd, deps", STAGES, ids=[s[0] for s in STAGES])
def test_stage_deps_cover_every_module_its_script_loads(name, cmd, deps):
    script = ROOT / cmd.split()[1]
    assert script.relative_to(ROOT) in deps, f"{name}: its script is not a dep"
    model = name.split("@")[1] if "@" in name else None
    missing = [str(f.relative_to(ROOT)) for f in sorted(closure(script, model))
               if not any(f.relative_to(ROOT) == d or d in f.relative_to(ROOT).parents for d in deps)]
    assert not missing, f"{name} loads modules dvc.yaml does not list as deps: {missing}"


DATA_UNDER_SRC = {Path("src/genbench/scoring/yardstick")}  # the shipped evaluator: a file the stage reads


def _files(dep: Path) -> set[Path]:
    path = ROOT / dep
    return {p.relative_to(ROOT) for p in path.rglob("*.py")} if path.is_dir() else {dep}


@pytest.mark.parametrize("name, cmd, deps", STAGES, ids=[s[0] for s in STAGES])
def test_stage_deps_list_no_code_it_does_not_run(name, cmd, deps):
    """The other half of "exactly the code it runs": no module a stage never loads is its dep
    (but for sweep@MODEL's family modules, which DVC cannot pick by the model)."""
    model = name.split("@")[1] if "@" in name else None
    loaded = {f.relative_to(ROOT) for f in closure(ROOT / cmd.split()[1], model)}
    if name == "check_params":  # it types every model's params sections with the model's own code
        loaded |= _files(Path("src/genbench/models"))
    code = [d for d in deps if d.parts[:2] == ("src", "genbench") and d not in DATA_UNDER_SRC]
    extra = sorted(str(f) for d in code for f in _files(d) - loaded
                   if not (name.startswith("sweep@") and f.stem in {"variational", "adversarial", "diffusion"}))
    assert not extra, f"{name} depends on code it never loads: {extra}"


def test_the_results_stages_never_depend_on_scoring_code():
    """An edit to a metric's computation (or the evaluator) re-runs the score stages and what
    reads their files, never the code deps of normalize, plot, seeds or studies."""
    for name, _, deps in STAGES:
        if name in ("normalize", "plot", "seeds", "studies"):
            scoring = [str(d) for d in deps if Path("src/genbench/scoring") in (d, *d.parents)]
            assert not scoring, f"{name} depends on scoring code {scoring}"


def test_nothing_on_the_results_side_imports_torch():
    """genbench.results turns numbers into tables and pictures: importing every module of it
    loads no torch (and so no scoring code)."""
    import subprocess
    import sys

    modules = sorted(p.stem for p in (SRC / "genbench" / "results").glob("*.py") if p.stem != "__init__")
    code = ("import sys\n" + "".join(f"import genbench.results.{m}\n" for m in modules)
            + "print(sorted(n for n in sys.modules if n == 'torch' or n.startswith('genbench.scoring')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         env={**__import__("os").environ, "PYTHONPATH": str(SRC)}).stdout.strip()
    assert len(modules) >= 6 and out == "[]", out


def test_no_stage_depends_on_another_models_module():
    models = {p.stem for p in (SRC / "genbench" / "models").glob("*.py")} - {"__init__", "base"}
    for name, _, deps in STAGES:
        own = name.split("@")[1] if "@" in name else None
        for dep in deps:
            if dep.parent == Path("src/genbench/models") and dep.stem in models and dep.stem != own:
                family = dep.stem in {"variational", "adversarial", "diffusion"}
                assert family, f"{name} depends on another model's module {dep}"
        if name != "check_params":  # the one stage that reads every model's code, for its types
            assert Path("src/genbench/models") not in deps, f"{name} depends on every model's code"


def test_a_stage_imports_the_code_of_the_checkout_it_runs_in(tmp_path):
    """stages/genbench links to src/genbench, so a stage run in a copy of the project (a DVC
    experiment's temporary workspace, a clone) imports that copy's code, not the code an
    editable install points at, which may be another checkout's, edited meanwhile."""
    import shutil
    import subprocess
    import sys

    shutil.copytree(ROOT / "stages", tmp_path / "stages", symlinks=True)
    shutil.copytree(SRC, tmp_path / "src", ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
    (tmp_path / "stages" / "which.py").write_text("import genbench\nprint(genbench.__file__)\n")
    out = subprocess.run([sys.executable, "stages/which.py"], cwd=tmp_path, capture_output=True, text=True,
                         check=True).stdout.strip()
    assert Path(out).resolve() == (tmp_path / "src" / "genbench" / "__init__.py").resolve()
