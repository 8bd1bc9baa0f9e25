#!/usr/bin/env bash
# What the tests need besides Python: ical.js (the independent iCalendar parser), mermaid (draws the lifecycle
# diagram) and axe-core, pinned in tests/interop/package-lock.json; and Debian's Chromium (opens the HTML report,
# the diagram and the web pages headless), poppler-utils (pdfinfo and pdftotext read the report's PDF as a
# reader's machine does), LibreOffice Writer without its GUI (opens the lessons-learned draft as Word would) and
# Dovecot's IMAP server (the programme's mailbox, read back in tests).
# None of them is needed to run copflow: its documents are made by Python packages (Typst, python-docx).
# Safe to re-run; part of the README's test command.
set -euo pipefail
cd "$(dirname "$0")/.."
npm ci --prefix tests/interop --no-audit --no-fund --silent
missing=()
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
command -v pdfinfo >/dev/null 2>&1 || missing+=(poppler-utils)
command -v soffice >/dev/null 2>&1 || missing+=(libreoffice-writer-nogui)
# Dovecot: the IMAP server the programme's mailbox is tested against (tests/dovecot.py starts it unprivileged).
[ -x /usr/sbin/dovecot ] || missing+=(dovecot-imapd)
if [ "${#missing[@]}" -gt 0 ]; then
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
