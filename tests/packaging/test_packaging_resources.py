"""Check that the wheel ships every resource the app loads, and that an installed copy finds them.

The installed check runs in a fresh virtual environment made with ``--system-site-packages``,
so the dependencies need no download, and with the wheel installed in it. The venv's own
site-packages comes first on sys.path, ahead of an editable install of the checkout that the
system packages may contain, and the tests check that rootable and every resource were found
there. A resource that only exists in the checkout's ``resources/`` folder fails here.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import textwrap
import zipfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
RESOURCES = REPO / "resources"
APP = REPO / "app" / "rootable"

#: Resources that the desktop integration needs whether or not the app code names them.
REQUIRED = (
    "icons/rootable.svg",
    "io.github.rootable.Rootable.desktop",
    "io.github.rootable.Rootable.metainfo.xml",
)

# A resource_path call with a literal name: resource_path("icons/rootable.svg").
LITERAL_CALL = re.compile(r"""resource_path\(\s*(['"])(?P<name>[^'"]+)\1\s*\)""")
COMMAND_TIMEOUT_S = 120


def names_in_app_code() -> set[str]:
    """Return the resource names passed as string literals to resource_path in app/rootable."""
    names = set()
    for source in APP.rglob("*.py"):
        if source.name == "assets.py":
            continue
        names.update(
            match["name"] for match in LITERAL_CALL.finditer(source.read_text(encoding="utf-8"))
        )
    return names


def files_in_resources() -> set[str]:
    """Return every file under the checkout's resources/ folder, relative to it, with '/'."""
    return {
        path.relative_to(RESOURCES).as_posix() for path in RESOURCES.rglob("*") if path.is_file()
    }


def all_resource_names() -> list[str]:
    return sorted(set(REQUIRED) | names_in_app_code() | files_in_resources())


def run(command: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    """Run ``command``, failing the test with its output when it exits with an error."""
    result = subprocess.run(
        command, check=False, cwd=cwd, capture_output=True, text=True, timeout=COMMAND_TIMEOUT_S
    )
    if result.returncode != 0:
        pytest.fail(
            f"{' '.join(command)} failed with status {result.returncode}:\n{result.stdout}\n{result.stderr}"
        )
    return result


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Build the wheel of the checkout without network access (hatchling must be installed)."""
    pytest.importorskip("hatchling", reason="building the wheel offline needs hatchling installed")
    folder = tmp_path_factory.mktemp("wheel")
    run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-build-isolation",
            "--no-deps",
            "--no-index",
            str(REPO),
            "-w",
            str(folder),
        ],
        cwd=folder,
    )
    wheels = list(folder.glob("rootable-*.whl"))
    assert len(wheels) == 1, f"expected one rootable wheel in {folder}, found {wheels}"
    return wheels[0]


@pytest.fixture(scope="module")
def installed_venv(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Return the python of a fresh venv that has the wheel installed over the system packages."""
    folder = tmp_path_factory.mktemp("venv")
    run([sys.executable, "-m", "venv", "--system-site-packages", str(folder / "venv")], cwd=folder)
    python = folder / "venv" / "bin" / "python"
    # --force-reinstall, because an editable install of the checkout may already be visible
    # through the system site-packages under the same version.
    run(
        [
            str(python),
            "-m",
            "pip",
            "install",
            "--no-deps",
            "--no-index",
            "--force-reinstall",
            str(wheel),
        ],
        cwd=folder,
    )
    return python


# The script run by the venv's python: it resolves every name with the installed package and
# prints JSON, so that the test (not the script) decides what is wrong.
RESOLVE_SCRIPT = textwrap.dedent(
    """
    import json, sys, sysconfig
    import rootable
    from rootable.assets import resource_path

    paths = {}
    for name in sys.argv[1:]:
        try:
            paths[name] = str(resource_path(name))
        except FileNotFoundError as error:
            paths[name] = "error: " + str(error)
    try:
        resource_path("icons/no-such-icon.svg")
        missing = "no error"
    except FileNotFoundError as error:
        missing = str(error)
    print(json.dumps({
        "purelib": sysconfig.get_paths()["purelib"],
        "package": rootable.__file__,
        "paths": paths,
        "missing": missing,
    }))
    """
)


@pytest.fixture(scope="module")
def resolved(installed_venv: Path) -> dict:
    folder = installed_venv.parents[2]
    output = run(
        [str(installed_venv), "-c", RESOLVE_SCRIPT, *all_resource_names()], cwd=folder
    ).stdout
    return json.loads(output)


def test_app_code_names_existing_resources():
    missing = sorted(name for name in names_in_app_code() if not (RESOURCES / name).is_file())

    assert missing == [], f"app code loads resources that are not in {RESOURCES}: {missing}"


@pytest.mark.parametrize("name", all_resource_names())
def test_wheel_contains_resource(wheel, name):
    with zipfile.ZipFile(wheel) as archive:
        members = set(archive.namelist())

    assert f"rootable/resources/{name}" in members, f"{wheel.name} lacks rootable/resources/{name}"


def test_installed_package_not_checkout(resolved):
    package = Path(resolved["package"]).resolve()

    assert package.is_relative_to(Path(resolved["purelib"]).resolve()), (
        f"the venv imported rootable from {package}, not from its site-packages {resolved['purelib']}"
    )


@pytest.mark.parametrize("name", all_resource_names())
def test_installed_resource_in_site_packages(resolved, name):
    path = resolved["paths"][name]
    purelib = Path(resolved["purelib"]).resolve()

    assert not path.startswith("error: "), f"installed rootable cannot find {name}: {path}"
    assert Path(path).resolve().is_relative_to(purelib), (
        f"{name} resolved to {path}, outside {purelib}"
    )
    assert Path(path).is_file(), f"{name} resolved to {path}, which is not a file"


def test_installed_missing_resource_raises(resolved):
    assert "icons/no-such-icon.svg" in resolved["missing"]
    assert "not found" in resolved["missing"]
