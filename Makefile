# Thin targets: each calls a script in scripts/, which does the work and says what it does.
SHELL := /bin/bash
.DEFAULT_GOAL := help

help:  ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-12s %s\n", $$1, $$2}'

setup:  ## apt packages (as root, when missing), .venv with every extra
	@bash scripts/setup.sh

demo: setup  ## the interactive demo with a display; without one, the self-driving tour into ./demo-output/
	@bash scripts/demo.sh

test: setup  ## ruff, mypy, import-linter, then pytest with the real OS keyring under dbus
	@bash scripts/test.sh

bench: setup  ## benchmarks: figures and ratios in one run, JSON into ./bench-output/
	@bash scripts/bench.sh

package: setup  ## the frozen desktop build and two .deb files in dist/, with sizes and start-up ratio
	@bash scripts/package.sh

test-package: setup  ## slow, as root: install both .deb files in a clean Debian 12 root and use them
	@bash scripts/test-package.sh

clean:  ## remove the virtualenv and build output
	rm -rf .venv build dist demo-output bench-output .setup-stamp

.PHONY: help setup demo test bench package test-package clean
