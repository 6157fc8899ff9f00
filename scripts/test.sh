#!/usr/bin/env bash
# The whole test command: static checks, then pytest with the real OS keyring
# (gnome-keyring's Secret Service under a private dbus session) and a throwaway HOME.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/.venv/bin:$PATH"

echo "== ruff"; ruff check .
echo "== mypy (core and safeguards)"; mypy
echo "== import-linter"; lint-imports

# PostgreSQL's server binaries live outside PATH on Debian.
pgbin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n1 || true)
[ -n "$pgbin" ] && export PATH="$PATH:$pgbin"

HOME=$(mktemp -d)
export HOME
export XDG_RUNTIME_DIR="$HOME/run"; mkdir -m 700 -p "$XDG_RUNTIME_DIR"
export REVIEWER_APP_TESTING=1
export TEST_KEYRING_PASSWORD=test-keyring-password  # a throwaway keyring under a throwaway HOME
trap 'rm -rf "$HOME"' EXIT

# PostgreSQL refuses to run as root: the tests start their cluster as 'postgres' via runuser
# when they are root, so that user must be able to read the throwaway dirs.
chmod 755 "$HOME"

# One pytest-xdist worker per core, at most 4 (each worker starts its own service and
# PostgreSQL cluster); TEST_WORKERS=0 runs the suite in one process.
cores=$(nproc)
workers=${TEST_WORKERS:-$(( cores < 4 ? cores : 4 ))}

echo "== pytest (real keyring under dbus-run-session, $workers workers)"
dbus-run-session -- sh -c '
  echo -n "$TEST_KEYRING_PASSWORD" | gnome-keyring-daemon --unlock --components=secrets >/dev/null
  exec python -m pytest -n "$0" --durations=25 "$@"
' "$workers" "$@"
