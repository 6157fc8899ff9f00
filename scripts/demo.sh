#!/usr/bin/env bash
# `make demo`: with a display, the interactive demo; without one, the self-driving tour under
# Xvfb, with a screenshot of every step in ./demo-output/. All demo content is synthetic.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/.venv/bin:$PATH"
export QT_LOGGING_RULES="${QT_LOGGING_RULES:-qt.multimedia.symbolsresolver=false}"

# A keyring for the demo's sign-in: the desktop's own when there is one, else a private one.
with_keyring() {
  if [ -n "${DBUS_SESSION_BUS_ADDRESS:-}" ]; then
    "$@"
  else
    dbus-run-session -- sh -c '
      echo -n demo-keyring | gnome-keyring-daemon --unlock --components=secrets >/dev/null
      exec "$@"' demo "$@"
  fi
}

if [ -n "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ]; then
  echo "demo: starting the workstation on synthetic cases (close the window to end)"
  with_keyring reviewer-app --demo
else
  out="$PWD/demo-output"
  rm -rf "$out"; mkdir -p "$out"
  echo "demo: no display; running the self-driving tour under Xvfb"
  export QT_QPA_PLATFORM=xcb
  with_keyring xvfb-run -a -s "-screen 0 1600x1000x24" reviewer-app --tour "$out"
  echo "demo: screenshots of every step are in $out/"
  ls -1 "$out"
fi
