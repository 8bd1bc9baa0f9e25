#!/usr/bin/env bash
# What the tests need besides Python: ical.js (the independent iCalendar parser) and mermaid (draws the
# lifecycle diagram), pinned in tests/interop/package-lock.json, and Debian's Chromium (opens the HTML
# evaluation report and the diagram headless).
# Safe to re-run; part of the README's test command.
set -euo pipefail
cd "$(dirname "$0")/.."
npm ci --prefix tests/interop --no-audit --no-fund --silent
if ! command -v chromium >/dev/null 2>&1; then
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium >/dev/null
fi
