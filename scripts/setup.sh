#!/usr/bin/env bash
# Sets up a fresh Debian machine for the project: apt packages (only as root, only when
# missing), then a virtualenv in .venv with the project and every extra installed.
set -euo pipefail
cd "$(dirname "$0")/.."

APT_PACKAGES=(
  # Qt offscreen
  libegl1 libgl1 libx11-6 libdbus-1-3 libfontconfig1 libfreetype6 libglib2.0-0 libxkbcommon0
  # QtMultimedia
  libpulse0 libbrotli1 libdrm2 libxext6 libxrandr2
  # real windows (xcb)
  libx11-xcb1 libxcb1 libxcb-cursor0 libxcb-icccm4 libxcb-image0 libxcb-keysyms1 libxcb-randr0
  libxcb-render-util0 libxcb-render0 libxcb-shape0 libxcb-shm0 libxcb-sync1 libxcb-util1
  libxcb-xfixes0 libxcb-xkb1 libxkbcommon-x11-0 libxcb-glx0
  # test tools (faketime: the moved-clock tests run the workstation under libfaketime)
  xvfb xauth x11-apps imagemagick fonts-dejavu-core faketime
  # the OS keyring
  gnome-keyring dbus-x11 libsecret-tools
  # PostgreSQL for the multi-instance service tests
  postgresql
  # packaging (make package) and its smoke test in a clean Debian root (make test-package)
  binutils dpkg-dev debootstrap desktop-file-utils appstream
  # virtualenvs
  python3-venv
  # building pdqhash (the PDQ perceptual hash ships as an sdist with a C++ extension,
  # compiled against Python's headers)
  g++ python3-dev
)

if command -v dpkg-query >/dev/null 2>&1; then
  missing=()
  for p in "${APT_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing+=("$p")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    if [ "$(id -u)" = 0 ]; then
      echo "setup: installing ${#missing[@]} apt packages: ${missing[*]}"
      export DEBIAN_FRONTEND=noninteractive
      apt-get update -qq
      apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
    else
      echo "setup: these apt packages are missing; install them as root:" >&2
      echo "  sudo apt-get install --no-install-recommends ${missing[*]}" >&2
    fi
  fi
fi

PYTHON=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  echo "setup: creating .venv with $($PYTHON --version)"
  "$PYTHON" -m venv .venv
fi

# Reinstall only when pyproject.toml changed since the last successful install.
stamp=.setup-stamp
want=$(sha256sum pyproject.toml | cut -d' ' -f1)
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  echo "setup: installing the project and its extras into .venv (PySide6 is about 410 MB)"
  .venv/bin/python -m pip install -q --upgrade pip
  .venv/bin/python -m pip install -q -e '.[desktop,service,test,dev,package]'
  echo "$want" > "$stamp"
fi
echo "setup: ready (.venv/bin/python)"
