#!/usr/bin/env bash
# systemd-analyze verify finds nothing to complain about in the unit and its snippets.
source "$(dirname "$0")/lib.sh"
command -v systemd-analyze > /dev/null || fail "systemd-analyze is missing (packaging/install-deps.sh installs systemd)"

unit="$WHARF_SOURCE_DIR/systemd/wharfd.service"
if [[ -x /usr/bin/wharfd ]]; then
  systemd-analyze verify "$unit" > "$WORK/out" 2>&1 || { cat "$WORK/out"; fail "verify reported problems"; }
else
  # Not installed here: verify the same unit with ExecStart pointing at the built binary.
  mkdir -p "$WORK/unit"
  sed "s|/usr/bin/wharfd|$WHARFD|g" "$unit" > "$WORK/unit/wharfd.service"
  systemd-analyze verify "$WORK/unit/wharfd.service" > "$WORK/out" 2>&1 || { cat "$WORK/out"; fail "verify reported problems"; }
fi
[[ ! -s "$WORK/out" ]] || { cat "$WORK/out"; fail "verify printed warnings"; }
pass "systemd-analyze verify is clean"

grep -q '^Type=notify$' "$unit" || fail "unit is not Type=notify"
grep -q '^ExecReload=/bin/kill -HUP \$MAINPID$' "$unit" || fail "ExecReload is not kill -HUP"
security=$(systemd-analyze security --offline=yes "$unit" 2>/dev/null | sed -n 's/.*Overall exposure level for wharfd.service: \([0-9.]*\).*/\1/p')
echo "systemd-analyze security exposure: $security"
$PY -c "import sys; sys.exit(0 if float('$security') <= 2.5 else 1)" || fail "exposure $security is above 2.5"
pass "hardening exposure $security"
