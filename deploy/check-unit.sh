#!/usr/bin/env bash
# Check deploy/ferrero-daemon.service with the host's systemd-analyze (CI runs this where
# it exists): `verify` must print nothing at all (it exits 0 on many warnings), and
# `security --offline=true` must score the unit 1.5 or less. Then the same with each
# drop-in of deploy/ (*.conf) in place, as an operator installs it.
set -euo pipefail
cd "$(dirname "$0")"
UNIT=ferrero-daemon.service
BIN=/opt/ferrero-daemon/venv/bin/ferrero-daemon
THRESHOLD=15   # tenths: exposure 1.5

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp "$UNIT" "$work/$UNIT"
if [ ! -x "$BIN" ]; then
  # Not installed on this host: verify fails on a missing ExecStart binary, so point
  # the copy at a stub. Every other line of the unit is checked as written.
  printf '#!/bin/sh\nexit 0\n' > "$work/ferrero-daemon"
  chmod +x "$work/ferrero-daemon"
  sed -i "s#$BIN#$work/ferrero-daemon#g" "$work/$UNIT"
fi

out=$(systemd-analyze verify "$work/$UNIT" 2>&1) || { echo "$out"; echo "check-unit: verify failed"; exit 1; }
if [ -n "$out" ]; then
  echo "$out"
  echo "check-unit: systemd-analyze verify printed warnings"
  exit 1
fi

# Each drop-in, loaded the way systemd loads it: <unit>.d/*.conf on the unit path.
for dropin in *.conf; do
  [ -e "$dropin" ] || continue
  mkdir -p "$work/$UNIT.d"
  rm -f "$work/$UNIT.d"/*.conf
  cp "$dropin" "$work/$UNIT.d/"
  out=$(cd "$work" && SYSTEMD_UNIT_PATH="$work:" systemd-analyze verify "$UNIT" 2>&1) \
    || { echo "$out"; echo "check-unit: verify failed with $dropin"; exit 1; }
  if [ -n "$out" ]; then
    echo "$out"
    echo "check-unit: systemd-analyze verify printed warnings with $dropin"
    exit 1
  fi
done
rm -rf "$work/$UNIT.d"

if ! report=$(systemd-analyze security --offline=true --threshold=$THRESHOLD "$work/$UNIT" 2>&1); then
  echo "$report" | tail -n 25
  echo "check-unit: exposure above ${THRESHOLD%?}.${THRESHOLD: -1}"
  exit 1
fi
echo "check-unit: verify clean; $(echo "$report" | grep -o 'Overall exposure level.*')"
