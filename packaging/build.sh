#!/usr/bin/env bash
# Build the standalone one-folder bundle dist/rootable/ from the rootable wheel:
#   1. build the wheel of this checkout,
#   2. install it with its dependencies and PyInstaller into a fresh virtual environment,
#   3. run PyInstaller with packaging/rootable.spec inside that environment.
# Work files go to build/bundle/. Set PYTHON to choose the interpreter (default python3),
# and SMOKE=1 to run packaging/smoke_test.py on the result.
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
python="${PYTHON:-python3}"
work="$repo/build/bundle"
venv="$work/venv"
wheels="$work/wheel"
dist="$repo/dist"

step() {
    printf '\n== %s (%ds since start)\n' "$1" "$SECONDS"
}

cd "$repo"
rm -rf "$work" "$dist/rootable"
mkdir -p "$wheels" "$dist"

step "building the wheel"
"$python" -m pip wheel --no-deps . -w "$wheels"
wheel="$(ls "$wheels"/rootable-*.whl)"
echo "wheel: $wheel"

step "creating a fresh virtual environment in $venv"
"$python" -m venv "$venv"
"$venv/bin/python" -m pip install --upgrade pip

step "installing the wheel, its dependencies and PyInstaller"
"$venv/bin/python" -m pip install "$wheel" pyinstaller

step "running PyInstaller"
# Run from the work folder, so that the checkout's app/ can never shadow the installed package.
(cd "$work" && "$venv/bin/python" -m PyInstaller --noconfirm --clean \
    --workpath "$work/pyinstaller" --distpath "$dist" "$repo/packaging/rootable.spec")

step "done"
echo "bundle: $dist/rootable/rootable"
du -sh "$dist/rootable"
echo "build time: ${SECONDS} s"

if [[ "${SMOKE:-0}" == 1 ]]; then
    "$venv/bin/python" "$repo/packaging/smoke_test.py" "$dist/rootable/rootable"
fi
