#!/usr/bin/env bash
# paramiko's SFTPClient against wharfd (see sftp_paramiko.py).
source "$(dirname "$0")/lib.sh"
$PY -c 'import paramiko' 2> /dev/null || fail "python3-paramiko missing (packaging/install-deps.sh installs it)"

port=$(free_port)
mkdir -p "$WORK/data/alice" "$WORK/data/ro"
echo "read only" > "$WORK/data/ro/readme.txt"
ssh-keygen -q -t ed25519 -N '' -f "$WORK/id_ed25519"
cat > "$WORK/wharf.yaml" <<YAML
server:
  state_dir: state
  workers: 1
  shutdown_grace: 2s
ssh:
  listen: ["127.0.0.1:$port"]
users:
  - name: alice
    root: data/alice
    authorized_keys: ["$(cat "$WORK/id_ed25519.pub")"]
    virtual_folders:
      - {path: /ro, source: data/ro, read_only: true}
YAML
start_wharfd --config "$WORK/wharf.yaml"
wait_for_event server.ready
timeout 180 $PY "$(dirname "$0")/sftp_paramiko.py" "$port" "$WORK/id_ed25519" "$WORK/data/alice" || fail "paramiko SFTP session failed"
assert_all_json
stop_wharfd_within 5
pass "paramiko SFTPClient interoperates"
