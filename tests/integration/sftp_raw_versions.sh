#!/usr/bin/env bash
# Raw SFTP v4/v5/v6 packets against wharfd, checked against the drafts (see sftp_raw_versions.py).
source "$(dirname "$0")/lib.sh"
$PY -c 'import paramiko' 2> /dev/null || fail "python3-paramiko missing (packaging/install-deps.sh installs it)"

port=$(free_port)
batch=10
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
sftp:
  max_version: 6
  readdir_batch: $batch
  newline: lf
users:
  - name: alice
    root: data/alice
    authorized_keys: ["$(cat "$WORK/id_ed25519.pub")"]
    virtual_folders:
      - {path: /ro, source: data/ro, read_only: true}
    permissions:
      /: ["*"]
      /locked: [list, download]
YAML
start_wharfd --config "$WORK/wharf.yaml"
wait_for_event server.ready
status=0
READDIR_BATCH=$batch timeout 240 $PY "$(dirname "$0")/sftp_raw_versions.py" "$port" "$WORK/id_ed25519" "$WORK/data/alice" \
  || status=$?
# Malformed packets and closed channels must leave the daemon running, logging JSON, stoppable.
kill -0 "$WHARFD_PID" 2>/dev/null || fail "wharfd died during the raw SFTP checks"
assert_all_json
stop_wharfd_within 5
[[ $status -eq 0 ]] || { echo "FAIL: raw SFTP v4/v5/v6 checks failed (exit $status), see the FAIL lines above" >&2; exit 1; }
pass "raw SFTP v4/v5/v6 packets match the drafts"
