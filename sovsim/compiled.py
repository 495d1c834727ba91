"""An optional compiled build of the simulation core, used only when it was built from these very sources.

``sovsim compile`` compiles the modules of one future (:data:`MODULES`: ``sovsim.model.*``, ``sovsim.serving``,
``sovsim.queueing``) to C extensions with mypyc, the compiler mypy ships for type-annotated Python, into a
cache directory named by :func:`source_key`: a hash of every source file of the package, the package version
and the interpreter's ABI. When ``sovsim`` is imported, :func:`activate` puts the build whose key matches in
front of the pure-Python modules; a change to any source file changes the key, so a stale build is never
loaded (the package runs as pure Python until it is compiled again).

The compiled modules run the same floating-point operations in the same order on C doubles with the same
libm, so a future's results are the same bit for bit either way (``tests/test_compiled.py`` compares every
preset), and a sweep may mix compiled and pure-Python workers. What changes is speed: the monthly
bookkeeping is interpreter overhead that compilation removes (see the README's performance section).

Environment: ``SOVSIM_COMPILED=0`` turns the build off; ``SOVSIM_COMPILED_DIR`` names the cache directory
(default ``~/.cache/sovsim/compiled``).
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import os
import shutil
import subprocess
import sys
import sysconfig
import tempfile
import time
from pathlib import Path

from sovsim._version import __version__

__all__ = ["MODULES", "CompileError", "source_key", "cache_dir", "build", "activate", "status"]

PACKAGE = Path(__file__).resolve().parent
#: Modules left pure: the supplier graph (built once per graph and shared; its class-level cache of chains
#: crashes mypyc's module initialisation).
PURE = ("__init__.py", "supply.py")
#: The modules compiled, as paths under the package: the simulation of one future.
MODULES = tuple(sorted(f"model/{p.name}" for p in (PACKAGE / "model").glob("*.py") if p.name not in PURE)) \
    + ("serving.py", "queueing.py")
MANIFEST = "manifest.json"
_MYPY_CONFIG = "[mypy]\nignore_missing_imports = True\nfollow_imports = silent\n"


class CompileError(RuntimeError):
    """The compiled build could not be made (no compiler or mypyc, or mypyc refused a module)."""


def source_key() -> str:
    """The key of a build of these sources: a hash of every ``.py`` file of the package, the version and ABI."""
    digest = hashlib.sha256(f"{__version__}|{sys.implementation.cache_tag}|{sysconfig.get_platform()}".encode())
    for path in sorted(PACKAGE.rglob("*.py")):
        digest.update(path.relative_to(PACKAGE).as_posix().encode())
        digest.update(b"\0")
        digest.update(path.read_bytes())
    return digest.hexdigest()[:24]


def cache_dir() -> Path:
    """Where builds are kept: ``$SOVSIM_COMPILED_DIR`` or ``~/.cache/sovsim/compiled``."""
    named = os.environ.get("SOVSIM_COMPILED_DIR")
    return Path(named) if named else Path.home() / ".cache" / "sovsim" / "compiled"


def build(directory: Path | None = None) -> Path:
    """Compile :data:`MODULES` into ``directory/<source_key>`` (kept if already there); return that folder.

    The sources are copied to a scratch folder and compiled there by ``python -m mypyc``, so the package is never
    touched; the finished build is moved into place in one rename, so a build killed half-way leaves nothing a
    later import would load.
    """
    if importlib.util.find_spec("mypyc") is None:
        raise CompileError("mypyc is not installed; allowed: install the compile extra, "
                           "pip install -e '.[compile]' (mypy ships mypyc)")
    if importlib.util.find_spec("setuptools") is None:
        raise CompileError("setuptools is not installed; allowed: install the compile extra, "
                           "pip install -e '.[compile]'")
    root = directory if directory is not None else cache_dir()
    key = source_key()
    target = root / key
    if (target / MANIFEST).is_file():
        return target
    root.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="sovsim-compile-") as scratch:
        work = Path(scratch)
        shutil.copytree(PACKAGE, work / "sovsim", ignore=shutil.ignore_patterns("__pycache__", "*.so", "*.pyd"))
        (work / "mypy.ini").write_text(_MYPY_CONFIG, encoding="utf-8")
        files = [f"sovsim/{m}" for m in MODULES]
        started = time.monotonic()
        done = subprocess.run([sys.executable, "-m", "mypyc", "--config-file", "mypy.ini", *files], cwd=work,
                              capture_output=True, text=True)
        if done.returncode != 0:
            tail = "\n".join((done.stdout + done.stderr).strip().splitlines()[-15:])
            raise CompileError(f"mypyc failed (exit {done.returncode}):\n{tail}")
        staging = Path(tempfile.mkdtemp(prefix=f".{key}-", dir=root))
        built = [p for p in work.rglob("*") if p.suffix in (".so", ".pyd") and "build" not in p.relative_to(work).parts]
        for path in built:
            destination = staging / path.relative_to(work)
            destination.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(path, destination)
        compiled = sorted(p.relative_to(staging).as_posix() for p in staging.rglob("*") if p.is_file())
        (staging / MANIFEST).write_text(json.dumps({
            "key": key, "sovsim": __version__, "python": sys.version.split()[0], "modules": list(MODULES),
            "files": compiled, "seconds": round(time.monotonic() - started, 1)}, indent=1), encoding="utf-8")
        try:
            os.replace(staging, target)
        except OSError:  # another process finished the same build first: keep theirs
            shutil.rmtree(staging, ignore_errors=True)
    return target


def activate(package_path: list[str]) -> Path | None:
    """Put the build of these sources in front of the pure-Python modules, if there is one; return its folder.

    ``package_path`` is the ``sovsim`` package's ``__path__``. Called once, as ``sovsim`` is imported, before
    any compiled module is.
    """
    if os.environ.get("SOVSIM_COMPILED", "1") == "0":
        return None
    root = cache_dir()
    if not root.is_dir():
        return None  # nothing was ever compiled here: skip hashing the sources
    target = root / source_key()
    if not (target / MANIFEST).is_file():
        return None
    import sovsim.model as model  # the pure package (a namespace portion never wins over it)

    sys.path.append(str(target))  # mypyc's shared runtime library is a top-level module
    package_path.insert(0, str(target / "sovsim"))
    model.__path__.insert(0, str(target / "sovsim" / "model"))
    return target


def status() -> str:
    """How the simulation runs in this process: ``compiled (<key>)`` or ``pure Python``."""
    import sovsim.model.world as world

    if world.__file__ is not None and not world.__file__.endswith(".py"):
        return f"compiled ({Path(world.__file__).parent.parent.parent.name})"
    return "pure Python"
