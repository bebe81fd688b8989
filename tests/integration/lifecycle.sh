#!/usr/bin/env bash
# wharfd starts, announces server.ready as JSON, generates host keys OpenSSH can read,
# and exits 0 within 2 s of SIGTERM. Also covers the README's demo mode.
source "$(dirname "$0")/lib.sh"

mkdir -p "$WORK/data/alice"
hash=$(make_hash 'alice-password')
ssh_port=$(free_port)
cat > "$WORK/wharf.yaml" <<YAML
server:
  state_dir: state
  workers: 2
  shutdown_grace: 5s
ssh:
  listen: ["127.0.0.1:$ssh_port"]
users:
  - name: alice
    password: "$hash"
    root: data/alice
YAML

start_wharfd --config "$WORK/wharf.yaml"
wait_for_event server.ready
assert_all_json
[[ "$(event_field server.ready workers)" == "2" ]] || fail "server.ready does not report 2 workers"
pass "server.ready logged: $(grep server.ready "$WORK/wharfd.log")"

# Host keys: generated once, private 0600, and real OpenSSH reads them.
for type in ed25519 ecdsa rsa; do
  key="$WORK/state/ssh_host_${type}_key"
  [[ -f "$key" && -f "$key.pub" ]] || fail "host key $key missing"
  [[ "$(stat -c %a "$key")" == "600" ]] || fail "$key is not mode 0600"
  derived=$(ssh-keygen -y -f "$key" | cut -d' ' -f1-2)
  [[ "$derived" == "$(cut -d' ' -f1-2 "$key.pub")" ]] || fail "ssh-keygen derives another public key from $key"
done
[[ "$(stat -c %a "$WORK/state")" == "700" ]] || fail "state_dir is not mode 0700"
[[ $(count_events ssh.host_key.generated) -eq 3 ]] || fail "expected 3 ssh.host_key.generated events"
pass "3 host keys generated; ssh-keygen -y reads each"

stop_wharfd_within 2
[[ $(count_events server.stopped) -eq 1 ]] || fail "no server.stopped event"

# A second start reuses the keys instead of minting new ones.
before=$(md5sum "$WORK/state/ssh_host_ed25519_key")
start_wharfd --config "$WORK/wharf.yaml"
wait_for_event server.ready
[[ $(count_events ssh.host_key.generated) -eq 0 ]] || fail "host keys regenerated on restart"
[[ "$before" == "$(md5sum "$WORK/state/ssh_host_ed25519_key")" ]] || fail "host key changed on restart"
kill -INT "$WHARFD_PID"; wait "$WHARFD_PID" || fail "SIGINT exit status non-zero"; WHARFD_PID=""
pass "restart keeps host keys; SIGINT exits 0"

# Demo mode (the README's run command ends in this).
cd "$WORK"
start_wharfd --demo "$WORK/demo"
wait_for_event server.ready
grep -q "user: demo" "$WORK/wharfd.stdout" || fail "demo credentials not printed"
password=$(sed -n 's/^ *password: //p' "$WORK/wharfd.stdout")
[[ ${#password} -ge 16 ]] || fail "demo password missing or short"
grep -q '"127.0.0.1:2222"' "$WORK/demo/wharf.yaml" || fail "demo config does not listen on 127.0.0.1:2222"
"$WHARFD" --check-config "$WORK/demo/wharf.yaml" > /dev/null || fail "demo config does not pass --check-config"
# The printed password verifies against the stored hash with an independent argon2 library.
stored=$(sed -n 's/^ *password: "\(\$.*\)"$/\1/p' "$WORK/demo/wharf.yaml" | head -1)
$PY -c 'import sys, argon2; argon2.PasswordHasher().verify(sys.argv[1], sys.argv[2])' "$stored" "$password" \
  || fail "the printed demo password does not match the stored hash"
# The printed OFTP command delivers a file to the demo station's partner inbox.
oftp_command=$(sed -n 's/^ *oftp: wharf //p' "$WORK/wharfd.stdout")
[[ -n "$oftp_command" ]] || fail "demo OFTP command not printed"
echo "demo payload" > "$WORK/demo-file.txt"
# shellcheck disable=SC2086
(cd "$WORK" && XDG_STATE_HOME="$WORK/xdg" "$WHARF" ${oftp_command% FILE} demo-file.txt > "$WORK/oftp.out" 2>&1) \
  || fail "the demo OFTP command failed: $(cat "$WORK/oftp.out")"
[[ $(find "$WORK/demo/data/oftp/inbox" -type f | wc -l) -eq 1 ]] || fail "the demo file is not in the OFTP inbox"
stop_wharfd_within 2
pass "demo mode prints working credentials (SSH and OFTP) and stops cleanly"
