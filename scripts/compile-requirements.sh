#!/usr/bin/env bash
# Compile requirements.in and requirements-dev.in into requirements.txt and requirements-dev.txt:
# every package pinned, with the sha256 of each of its files, for `pip install --require-hashes`.
# pip-tools runs from a throwaway venv, never the project's. Existing pins are kept unless the
# arguments say otherwise (--upgrade, --upgrade-package NAME[==VERSION]), which go to both.
set -euo pipefail
cd "$(dirname "$0")/.."
tools=$(mktemp -d -t pip-tools-XXXXXX)
trap 'rm -rf "$tools"' EXIT
python3 -m venv "$tools"
"$tools/bin/pip" install --quiet --upgrade pip pip-tools==7.6.2
export CUSTOM_COMPILE_COMMAND="make requirements"
compile=("$tools/bin/pip-compile" --quiet --generate-hashes --allow-unsafe --strip-extras
  --no-emit-index-url --no-emit-find-links "$@")
"${compile[@]}" --output-file requirements.txt requirements.in
"${compile[@]}" --output-file requirements-dev.txt requirements-dev.in
