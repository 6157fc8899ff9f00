"""dmgbuild settings of the macOS disk image: Reviewer.app and a link to /Applications.

Built on a Mac only (this project's machines are Debian), after PyInstaller made
build/desktop/dist/Reviewer.app from packaging/reviewer-app.spec:

    dmgbuild -s packaging/macos/dmg-settings.py -D version=0.1.0 \
        "Reviewer Workstation" dist/reviewer-app-0.1.0.dmg

`defines` is dmgbuild's dictionary of the -D values. Steps: packaging/README.md, "macOS".
"""

version = defines.get("version", "0.0.0")  # noqa: F821 (set by dmgbuild)
app = defines.get("app", "build/desktop/dist/Reviewer.app")  # noqa: F821

format = "UDZO"  # compressed, read-only
filesystem = "APFS"
files = [app]
symlinks = {"Applications": "/Applications"}
badge_icon = None
icon_locations = {"Reviewer.app": (140, 160), "Applications": (400, 160)}
window_rect = ((200, 200), (540, 360))
default_view = "icon-view"
show_status_bar = False
show_toolbar = False
icon_size = 96
