#!/usr/bin/env bash
# SIGHUP applies a valid changed configuration and keeps the old one when the new is broken.
source "$(dirname "$0")/lib.sh"

mkdir -p "$WORK/data/alice" "$WORK/data/bob"
hash=$(make_hash 'pw')
write_config() {  # write_config LEVEL EXTRA_USER
  cat > "$WORK/wharf.yaml" <<YAML
server:
  state_dir: state
  workers: 1
  log: {level: $1}
users:
  - name: alice
    password: "$hash"
    root: data/alice
$2
YAML
}

write_config info ""
start_wharfd --config "$WORK/wharf.yaml"
wait_for_event server.ready
[[ "$(event_field server.ready summary)" == *"users=1"* ]] || fail "initial summary wrong"

# A valid change: a second user and debug logging.
write_config debug "  - name: bob
    password: \"$hash\"
    root: data/bob"
kill -HUP "$WHARFD_PID"
wait_for_event config.reload.ok
[[ "$(event_field config.reload.ok summary)" == *"users=2"* ]] || fail "reload did not apply the new user"
[[ $(count_events config.applied) -ge 1 ]] || fail "debug level not applied after reload"
pass "valid reload applied: $(grep config.reload.ok "$WORK/wharfd.log")"

# A broken change: the daemon keeps serving the previous configuration and says why.
cat >> "$WORK/wharf.yaml" <<'YAML'
bogus_section: true
YAML
kill -HUP "$WHARFD_PID"
wait_for_event config.reload.kept
kill -0 "$WHARFD_PID" || fail "wharfd died on a broken reload"
error=$(event_field config.reload.failed error)
[[ "$error" == "$WORK/wharf.yaml:12:1: top level: unknown key 'bogus_section'" ]] || fail "reload error was: $error"
[[ $(count_events config.reload.ok) -eq 1 ]] || fail "a broken config was reported as applied"
pass "broken reload kept the old config: $error"

# Still alive and still reloadable once fixed.
write_config info ""
kill -HUP "$WHARFD_PID"
wait_for_event config.reload.ok 2
[[ "$(event_field config.reload.ok summary)" == *"users=1"* ]] || fail "fixed config not applied"
assert_all_json
stop_wharfd_within 2
pass "fixed config applied; clean exit"
