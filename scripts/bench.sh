#!/usr/bin/env bash
# `make bench`: every benchmark in one run, a table on stdout and JSON in bench-output/.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/.venv/bin:$PATH"
pgbin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n1 || true)
[ -n "$pgbin" ] && export PATH="$PATH:$pgbin"
export QT_QPA_PLATFORM=${QT_QPA_PLATFORM:-offscreen}
HOME=$(mktemp -d); export HOME; chmod 755 "$HOME"
export XDG_RUNTIME_DIR="$HOME/run"; mkdir -m 700 -p "$XDG_RUNTIME_DIR"
trap 'rm -rf "$HOME"' EXIT
dbus-run-session -- sh -c '
  echo -n bench-keyring-password | gnome-keyring-daemon --unlock --components=secrets >/dev/null
  exec python -m tests.bench.run_all "$@"
' bench "$@"
