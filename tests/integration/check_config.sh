#!/usr/bin/env bash
# --check-config accepts the documented example and reports every error as file:line:col.
source "$(dirname "$0")/lib.sh"

"$WHARFD" --check-config "$WHARF_SOURCE_DIR/config/examples/wharf.yaml" > "$WORK/out" 2>&1 \
  || { cat "$WORK/out"; fail "the example configuration is rejected"; }
pass "example configuration passes: $(cat "$WORK/out")"

"$WHARF" check-config "$WHARF_SOURCE_DIR/config/examples/wharf.yaml" > /dev/null || fail "wharf check-config rejects the example"

mkdir -p "$WORK/home"
cat > "$WORK/bad.yaml" <<'YAML'
server:
  workers: lots
  colour: blue
users:
  - name: mallory
    password: correct-horse-battery-staple
    root: home
YAML
status=0
"$WHARFD" --check-config "$WORK/bad.yaml" > "$WORK/out" 2> "$WORK/err" || status=$?
cat "$WORK/err"
[[ $status -ne 0 ]] || fail "a bad configuration passed --check-config"
grep -q "^$WORK/bad.yaml:2:12: server.workers: expected a whole number, got 'lots'$" "$WORK/err" || fail "wrong type not reported at 2:12"
grep -q "^$WORK/bad.yaml:3:3: server: unknown key 'colour'$" "$WORK/err" || fail "unknown key not reported at 3:3"
grep -q "^$WORK/bad.yaml:6:15: users\[mallory\].password: plaintext passwords are refused" "$WORK/err" \
  || fail "plaintext password not reported at 6:15"
if grep -q "correct-horse" "$WORK/err" "$WORK/out"; then fail "the plaintext password was echoed"; fi
pass "unknown key, wrong type and plaintext password each reported as file:line:col"

# The daemon itself refuses to start on the same file, with the same diagnostics.
status=0
"$WHARFD" --config "$WORK/bad.yaml" > /dev/null 2> "$WORK/err2" || status=$?
[[ $status -ne 0 ]] || fail "wharfd started on a bad configuration"
grep -q "bad.yaml:3:3: server: unknown key 'colour'" "$WORK/err2" || fail "wharfd start-up error lacks file:line:col"
pass "wharfd refuses to start on it"

# Explicit host keys must exist and load; a corrupt one fails the check with its name.
ssh-keygen -q -t ed25519 -N '' -f "$WORK/good_key"
printf -- '-----BEGIN OPENSSH PRIVATE KEY-----\nAAAA\n-----END OPENSSH PRIVATE KEY-----\n' > "$WORK/broken_key"
cat > "$WORK/keys.yaml" <<YAML
ssh:
  listen: ["127.0.0.1:2222"]
  host_keys: [good_key, broken_key]
YAML
status=0
"$WHARFD" --check-config "$WORK/keys.yaml" > "$WORK/out" 2> "$WORK/err" || status=$?
[[ $status -ne 0 ]] || fail "a corrupt host key passed --check-config"
grep -q "key file $WORK/broken_key" "$WORK/err" || { cat "$WORK/err"; fail "the corrupt key is not named"; }
grep -q "$WORK/good_key: ssh-ed25519 SHA256:" "$WORK/out" || fail "the good key is not listed"
pass "host keys are loaded by --check-config"
