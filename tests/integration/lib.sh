# Helpers for integration tests: a scratch directory, a wharfd under test, log inspection.
# Tests source this file; WHARFD, WHARF and WHARF_SOURCE_DIR come from ctest.
set -euo pipefail

: "${WHARFD:?set by ctest}" "${WHARF:?set by ctest}" "${WHARF_SOURCE_DIR:?set by ctest}"
PY=/usr/bin/python3   # Debian's interpreter, with Debian's python3-* modules

WORK=$(mktemp -d /tmp/wharf-it.XXXXXX)
WHARFD_PID=""
cleanup() {
  if [[ -n "$WHARFD_PID" ]] && kill -0 "$WHARFD_PID" 2>/dev/null; then kill -KILL "$WHARFD_PID" 2>/dev/null || true; fi
  [[ -n "${KEEP_WORK:-}" ]] || rm -rf "$WORK"
}
trap cleanup EXIT

fail() { echo "FAIL: $*" >&2; [[ -f "$WORK/wharfd.log" ]] && { echo "--- wharfd log ---" >&2; cat "$WORK/wharfd.log" >&2; }; exit 1; }
pass() { echo "ok: $*"; }

# A TCP port nobody listens on right now.
free_port() { $PY -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# start_wharfd ARGS...: runs wharfd in the background, stderr (the JSON log) to $WORK/wharfd.log.
start_wharfd() {
  : > "$WORK/wharfd.log"
  "$WHARFD" "$@" > "$WORK/wharfd.stdout" 2> "$WORK/wharfd.log" &
  WHARFD_PID=$!
}

# wait_for_event NAME [COUNT] [TIMEOUT_S]: waits until the log holds COUNT lines with event NAME.
wait_for_event() {
  local name=$1 count=${2:-1} timeout=${3:-20}
  local deadline=$((SECONDS + timeout))
  while (( SECONDS < deadline )); do
    if (( $(count_events "$name") >= count )); then return 0; fi
    kill -0 "$WHARFD_PID" 2>/dev/null || fail "wharfd exited while waiting for $name"
    sleep 0.05
  done
  fail "no $name event within ${timeout}s"
}

# count_events NAME: how many JSON log lines carry "event":"NAME" (every line must parse).
count_events() {
  $PY - "$WORK/wharfd.log" "$1" <<'PYEOF'
import json, sys
count = 0
for line in open(sys.argv[1], encoding="utf-8", errors="replace"):
    line = line.strip()
    if not line:
        continue
    try:
        record = json.loads(line)
    except ValueError:
        continue  # a partly written last line; the next poll sees it whole
    if record.get("event") == sys.argv[2]:
        count += 1
print(count)
PYEOF
}

# log_field FILE NAME FIELD: FIELD of the last NAME event in the JSON log FILE.
log_field() {
  $PY - "$1" "$2" "$3" <<'PYEOF'
import json, sys
value = ""
for line in open(sys.argv[1], encoding="utf-8", errors="replace"):
    try:
        record = json.loads(line)
    except ValueError:
        continue
    if record.get("event") == sys.argv[2] and sys.argv[3] in record:
        value = record[sys.argv[3]]
print(value)
PYEOF
}
# event_field NAME FIELD: FIELD of the last NAME event in wharfd's log.
event_field() { log_field "$WORK/wharfd.log" "$1" "$2"; }
# assert_all_json: every log line is one JSON object with ts, level and event.
assert_all_json() {
  $PY - "$WORK/wharfd.log" <<'PYEOF' || fail "log lines are not all JSON objects with ts/level/event"
import json, sys
for number, line in enumerate(open(sys.argv[1], encoding="utf-8"), 1):
    record = json.loads(line)
    assert isinstance(record, dict), number
    for key in ("ts", "level", "event"):
        assert key in record, (number, key, line)
PYEOF
}

# stop_wharfd_within SECONDS: SIGTERM, then require exit status 0 within the limit.
stop_wharfd_within() {
  local limit=$1 started=$EPOCHREALTIME status=0
  kill -TERM "$WHARFD_PID"
  local deadline=$((SECONDS + limit + 1))
  while kill -0 "$WHARFD_PID" 2>/dev/null; do
    (( SECONDS <= deadline )) || fail "wharfd still running ${limit}s after SIGTERM"
    sleep 0.02
  done
  wait "$WHARFD_PID" || status=$?
  local elapsed
  elapsed=$($PY -c "print(round($EPOCHREALTIME - $started, 3))")
  WHARFD_PID=""
  [[ $status -eq 0 ]] || fail "wharfd exited with status $status after SIGTERM"
  $PY -c "import sys; sys.exit(0 if $elapsed < $limit else 1)" || fail "exit took ${elapsed}s (limit ${limit}s)"
  echo "wharfd exited 0 in ${elapsed}s after SIGTERM"
}

# make_hash PASSWORD: an argon2id hash made by wharf passwd.
make_hash() { printf '%s\n' "$1" | "$WHARF" passwd --stdin; }

# start_private_sshd PUBKEY [EXTRA sshd_config LINES...]: an OpenSSH sshd of our own on a free
# loopback port (own host key and config under $WORK/sshd, PUBKEY as the only authorized key,
# key authentication only), stopped when the test exits. Sets SSHD_PORT, SSHD_PID and
# SSHD_HOST_KEY (the .pub file, for known_hosts lines).
start_private_sshd() {
  local pubkey=$1; shift
  local sshd
  sshd=$(command -v sshd || echo /usr/sbin/sshd)
  [[ -x "$sshd" ]] || fail "sshd missing (packaging/install-deps.sh installs openssh-server)"
  mkdir -p "$WORK/sshd"
  [[ $(id -u) -ne 0 ]] || mkdir -p /run/sshd   # privilege separation directory
  ssh-keygen -q -t ed25519 -N '' -f "$WORK/sshd/host_key"
  cp "$pubkey" "$WORK/sshd/authorized_keys"
  chmod 600 "$WORK/sshd/authorized_keys"
  SSHD_PORT=$(free_port)
  SSHD_HOST_KEY="$WORK/sshd/host_key.pub"
  {
    printf '%s\n' "Port $SSHD_PORT" "ListenAddress 127.0.0.1" "HostKey $WORK/sshd/host_key" "PidFile none" \
      "AuthorizedKeysFile $WORK/sshd/authorized_keys" "StrictModes no" "UsePAM no" "PasswordAuthentication no" \
      "KbdInteractiveAuthentication no" "PermitRootLogin prohibit-password" "LogLevel ERROR"
    local line
    for line in "$@"; do printf '%s\n' "$line"; done
  } > "$WORK/sshd/sshd_config"
  "$sshd" -D -e -f "$WORK/sshd/sshd_config" 2> "$WORK/sshd/log" &
  SSHD_PID=$!
  trap 'kill $SSHD_PID 2>/dev/null || true; cleanup' EXIT
  local _
  for _ in $(seq 100); do (echo > "/dev/tcp/127.0.0.1/$SSHD_PORT") 2>/dev/null && return 0; sleep 0.05; done
  fail "private sshd did not open port $SSHD_PORT: $(cat "$WORK/sshd/log")"
}

# start_sftp_client_peers [sshd]: the peers of the `wharf sftp` tests. A client key
# $WORK/client/id_ed25519; wharfd on $port serving user alice (root $WORK/data/alice) with its
# host key in $WORK/client/known_hosts; with "sshd", also a private OpenSSH sshd with
# internal-sftp (SSHD_PORT, files under $WORK/sshd_files) and its host key in
# $WORK/client/sshd_known_hosts. Sets port and me (the local user sshd logs in).
start_sftp_client_peers() {
  port=$(free_port)
  me=$(id -un)
  mkdir -p "$WORK/data/alice" "$WORK/client" "$WORK/sshd_files"
  ssh-keygen -q -t ed25519 -N '' -f "$WORK/client/id_ed25519"
  cat > "$WORK/wharf.yaml" <<YAML
server: {state_dir: state, workers: 1, shutdown_grace: 2s}
ssh: {listen: ["127.0.0.1:$port"]}
users:
  - name: alice
    root: data/alice
    authorized_keys: ["$(cat "$WORK/client/id_ed25519.pub")"]
YAML
  start_wharfd --config "$WORK/wharf.yaml"
  wait_for_event server.ready
  echo "[127.0.0.1]:$port $(cut -d' ' -f1-2 "$WORK/state/ssh_host_ed25519_key.pub")" > "$WORK/client/known_hosts"
  if [[ ${1:-} == sshd ]]; then
    start_private_sshd "$WORK/client/id_ed25519.pub" "Subsystem sftp internal-sftp"
    echo "[127.0.0.1]:$SSHD_PORT $(cat "$SSHD_HOST_KEY")" > "$WORK/client/sshd_known_hosts"
  fi
}
