# One command sets everything up and runs the app; one sets everything up and passes the tests.
# Set-up is idempotent and quick when everything is already there.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

# System packages for Qt (offscreen and under Xvfb), speech (espeak-ng) and audio (PortAudio, PulseAudio);
# postgresql for the storage tests' throwaway server (tests/support/postgres-server.sh).
APT_PACKAGES := xvfb xauth libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1 libxkbcommon-x11-0 \
	libxkbcommon0 libegl1 libgl1 libfontconfig1 libdbus-1-3 fonts-dejavu-core libpulse0 \
	espeak-ng libportaudio2 libsndfile1 pulseaudio pulseaudio-utils libasound2-plugins \
	postgresql

SUDO := $(shell [ "$$(id -u)" != 0 ] && command -v sudo >/dev/null 2>&1 && echo sudo)

.PHONY: setup system-deps venv run test check lint typecheck imports pytest bench clean package package-test

setup: system-deps venv

system-deps:
	@if command -v apt-get >/dev/null 2>&1; then \
	  if ! dpkg -s $(APT_PACKAGES) >/dev/null 2>&1; then \
	    echo "Installing system packages: $(APT_PACKAGES)"; \
	    $(SUDO) apt-get update -q && \
	    DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -q --no-install-recommends $(APT_PACKAGES); \
	  fi; \
	else \
	  echo "apt-get not found: install espeak-ng, PortAudio and libsndfile yourself (see README)."; \
	fi

venv: $(STAMP)

$(STAMP): pyproject.toml
	@[ -x $(PY) ] || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[dev]'
	@touch $(STAMP)

run: setup
	$(VENV)/bin/osce-sim

lint: venv
	$(VENV)/bin/ruff check app tests benchmarks
	$(VENV)/bin/ruff format --check app tests benchmarks

typecheck: venv
	$(VENV)/bin/mypy

imports: venv
	$(VENV)/bin/lint-imports

pytest: setup
	@source tests/support/audio-server.sh && audio_server_start; \
	source tests/support/postgres-server.sh && postgres_server_start; \
	QT_QPA_PLATFORM=offscreen $(PY) -m pytest $(PYTEST_ARGS); rc=$$?; \
	postgres_server_stop; audio_server_stop; exit $$rc

check: lint typecheck imports

test: setup check pytest
	$(VENV)/bin/osce-sim cases validate cases/

# sp_latency needs an output device: it runs with the same PulseAudio null sink as the tests
# (the others run as before, without one, so the app they measure is the text-only one)
bench: setup
	@for b in benchmarks/*.py; do echo "== $$b"; \
	  if [ "$$b" = benchmarks/sp_latency.py ]; then \
	    ( source tests/support/audio-server.sh && audio_server_start; \
	      $(PY) $$b; rc=$$?; audio_server_stop; exit $$rc ) || exit 1; \
	  else $(PY) $$b || exit 1; fi; \
	done

# The Linux one-folder app dist/osce-sim/ (packaging/README.md); PyInstaller is the `package` extra
package: setup
	@$(PY) -c "import PyInstaller" 2>/dev/null || $(PY) -m pip install -q -e '.[package]'
	rm -rf dist/osce-sim build/icons
	$(PY) packaging/make_icons.py build/icons
	$(VENV)/bin/pyinstaller --noconfirm --clean --log-level WARN \
	  --distpath dist --workpath build/pyinstaller packaging/osce-sim.spec
	@du -sh dist/osce-sim

# Runs the built app (--version, check, cases, an old database, the library offscreen) beside
# the source, with the PulseAudio null sink as `make pytest` has it: `check` fails where the
# machine lacks a device (its recording is silent), and the test holds it to the source's verdicts
package-test: package
	@source tests/support/audio-server.sh && audio_server_start; \
	OSCE_SIM_PACKAGE_TEST=1 QT_QPA_PLATFORM=offscreen $(PY) -m pytest -q -p no:cacheprovider \
	  tests/test_package.py; rc=$$?; audio_server_stop; exit $$rc

clean:
	rm -rf $(VENV) build dist *.egg-info .pytest_cache .mypy_cache .ruff_cache
