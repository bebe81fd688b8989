#!/usr/bin/env bash
# paramiko against wharf's SSH server (see ssh_paramiko.py).
source "$(dirname "$0")/lib.sh"
: "${SSH_TEST_SERVER:?set by ctest}"
$PY -c 'import paramiko' 2> /dev/null || fail "python3-paramiko missing (packaging/install-deps.sh installs it)"

port=$(free_port)
mkdir -p "$WORK/data/alice"
ssh-keygen -q -t ed25519 -N '' -f "$WORK/id_ed25519"
# paramiko 2.12 reads only the PEM-style OpenSSH header for Ed25519 keys it also writes; the
# OpenSSH format from ssh-keygen is what it expects.
hash=$(make_hash 'paramiko-pw')
cat > "$WORK/wharf.yaml" <<YAML
server:
  state_dir: state
  workers: 1
  shutdown_grace: 2s
ssh:
  listen: ["127.0.0.1:$port"]
  auth_failure_delay: 50ms
users:
  - name: alice
    password: "$hash"
    root: data/alice
    authorized_keys: ["$(cat "$WORK/id_ed25519.pub")"]
YAML
: > "$WORK/wharfd.log"
"$SSH_TEST_SERVER" --config "$WORK/wharf.yaml" > "$WORK/wharfd.stdout" 2> "$WORK/wharfd.log" &
WHARFD_PID=$!
wait_for_event server.ready
timeout 120 $PY "$(dirname "$0")/ssh_paramiko.py" "$port" "$WORK/id_ed25519" paramiko-pw || fail "paramiko session failed"
grep -q '"event":"ssh.connect".*paramiko' "$WORK/wharfd.log" || fail "no ssh.connect line naming paramiko"
stop_wharfd_within 3
pass "paramiko interoperates"
