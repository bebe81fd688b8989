#!/usr/bin/env bash
# `wharf sftp get/put --resume` after the connection died at about half of a 64 MiB transfer
# (small, one-at-a-time requests keep it slow enough to catch there). Against a private OpenSSH
# sshd (internal-sftp), both directions: the server's session process is killed; the download
# keeps LOCAL.part (and says so), the upload leaves the partial remote file; --resume then
# continues from those sizes (the JSON offset proves it did not start over) and SHA-256
# matches. Against wharfd the client is killed: a download resumes from LOCAL.part, and an
# upload, atomic on wharfd, leaves nothing under its name, so put --resume sends it whole.
source "$(dirname "$0")/lib.sh"

start_sftp_client_peers sshd

C="$WORK/client"
SIZE=$((64 * 1024 * 1024))
head -c $SIZE /dev/urandom > "$C/big.bin"
want=$(sha256sum < "$C/big.bin" | cut -d' ' -f1)
sha() { sha256sum < "$1" | cut -d' ' -f1; }
json() { $PY -c 'import json,sys; print(json.loads(open(sys.argv[1]).readline())[sys.argv[2]])' "$WORK/out" "$1"; }

# wharf_sftp SERVER ARGS...: global options and the command; stdout to $WORK/out, stderr to $WORK/err.
wharf_sftp() {
  local server=$1; shift
  if [[ $server == sshd ]]; then
    "$WHARF" sftp -p "$SSHD_PORT" --known-hosts "$C/sshd_known_hosts" -i "$C/id_ed25519" "$@" > "$WORK/out" 2> "$WORK/err"
  else
    "$WHARF" sftp -p "$port" --known-hosts "$C/known_hosts" -i "$C/id_ed25519" "$@" > "$WORK/out" 2> "$WORK/err"
  fi
}
# in_background SERVER ARGS...: wharf_sftp in the background; $client is wharf's own pid (exec),
# so killing it kills the client and not a shell around it.
in_background() {
  local server=$1; shift
  if [[ $server == sshd ]]; then
    exec "$WHARF" sftp -p "$SSHD_PORT" --known-hosts "$C/sshd_known_hosts" -i "$C/id_ed25519" "$@" > "$WORK/out" 2> "$WORK/err"
  else
    exec "$WHARF" sftp -p "$port" --known-hosts "$C/known_hosts" -i "$C/id_ed25519" "$@" > "$WORK/out" 2> "$WORK/err"
  fi
}
SLOW=(--requests 1 --request-size 4096)

# wait_half FILE PID: until FILE holds 40-60 % of SIZE (fails if PID ends first or it overshoots).
wait_half() {
  local file=$1 pid=$2 deadline=$((SECONDS + 40)) size
  while (( SECONDS < deadline )); do
    size=$(stat -c %s "$file" 2>/dev/null || echo 0)
    if (( size >= SIZE * 2 / 5 )); then
      (( size <= SIZE * 3 / 5 )) || fail "$file grew past 60 % before the kill (the transfer is too fast)"
      return 0
    fi
    kill -0 "$pid" 2>/dev/null || fail "the transfer ended before half of $file: $(cat "$WORK/err")"
    sleep 0.02
  done
  fail "$file did not reach half in 40 s"
}

# kill_sshd_sessions: the per-connection children of our private sshd (never sshd itself).
kill_sshd_sessions() {
  local child
  for child in $(pgrep -P "$SSHD_PID"); do kill -KILL "$child" 2>/dev/null || true; done
}

# expect_exit PID: the background client ended non-zero.
expect_failed() {
  local status=0
  wait "$1" || status=$?
  [[ $status -ne 0 ]] || fail "the interrupted transfer exited 0"
}

# --- sshd: download ---------------------------------------------------------------------------
(in_background sshd "${SLOW[@]}" get "$me@127.0.0.1:$C/big.bin" "$C/down.bin") &
client=$!
wait_half "$C/down.bin.part" "$client"
kill_sshd_sessions
expect_failed "$client"
[[ ! -e "$C/down.bin" ]] || fail "sshd: an interrupted get left LOCAL under its final name"
kept=$(stat -c %s "$C/down.bin.part")
(( kept > 0 )) || fail "sshd: no bytes kept in the .part"
grep -q "partial download kept in $C/down.bin.part; get --resume continues it" "$WORK/err" \
  || fail "sshd: no word about the .part: $(cat "$WORK/err")"
wharf_sftp sshd --json get --resume "$me@127.0.0.1:$C/big.bin" "$C/down.bin" || fail "sshd: get --resume: $(cat "$WORK/err")"
[[ "$(sha "$C/down.bin")" == "$want" ]] || fail "sshd: the resumed download differs"
[[ "$(json offset)" == "$kept" && "$(json bytes)" == $((SIZE - kept)) ]] || fail "sshd: get --resume did not resume at $kept: $(cat "$WORK/out")"
[[ ! -e "$C/down.bin.part" ]] || fail "sshd: the .part is still there"
pass "sshd: download killed at $((kept * 100 / SIZE)) %, resumed from $kept bytes"

# --- sshd: upload ------------------------------------------------------------------------------
remote="$WORK/sshd_files/up.bin"
(in_background sshd "${SLOW[@]}" put "$C/big.bin" "$me@127.0.0.1:$remote") &
client=$!
wait_half "$remote" "$client"
kill_sshd_sessions
expect_failed "$client"
sleep 0.2
there=$(stat -c %s "$remote")
(( there > 0 && there < SIZE )) || fail "sshd: $there bytes on the server after the kill"
wharf_sftp sshd --json put --resume "$C/big.bin" "$me@127.0.0.1:$remote" || fail "sshd: put --resume: $(cat "$WORK/err")"
[[ "$(sha "$remote")" == "$want" ]] || fail "sshd: the resumed upload differs"
[[ "$(json offset)" == "$there" && "$(json bytes)" == $((SIZE - there)) ]] || fail "sshd: put --resume did not resume at $there: $(cat "$WORK/out")"
pass "sshd: upload killed at $((there * 100 / SIZE)) %, resumed from $there bytes"

# --- wharfd: download (the client is killed) ---------------------------------------------------
cp "$C/big.bin" "$WORK/data/alice/big.bin"
(in_background wharfd "${SLOW[@]}" get alice@127.0.0.1:/big.bin "$C/wdown.bin") &
client=$!
wait_half "$C/wdown.bin.part" "$client"
kill -KILL "$client"
wait "$client" 2>/dev/null || true
kept=$(stat -c %s "$C/wdown.bin.part")
[[ ! -e "$C/wdown.bin" ]] || fail "wharfd: LOCAL exists after the kill"
wharf_sftp wharfd --json get --resume alice@127.0.0.1:/big.bin "$C/wdown.bin" || fail "wharfd: get --resume: $(cat "$WORK/err")"
[[ "$(sha "$C/wdown.bin")" == "$want" ]] || fail "wharfd: the resumed download differs"
[[ "$(json offset)" == "$kept" && "$(json bytes)" == $((SIZE - kept)) ]] || fail "wharfd: get --resume did not resume at $kept: $(cat "$WORK/out")"
pass "wharfd: download killed at $((kept * 100 / SIZE)) %, resumed from $kept bytes"

# --- wharfd: upload (atomic there: nothing under the name until it is whole) --------------------
(in_background wharfd "${SLOW[@]}" --json put "$C/big.bin" alice@127.0.0.1:/wup.bin) &
client=$!
deadline=$((SECONDS + 40))
# The upload's bytes go to a temporary file; wait until wharfd logged the upload's start and
# some data went out, then kill the client.
until [[ $(du -sb "$WORK/data/alice" | cut -f1) -gt $((SIZE + SIZE / 3)) ]]; do
  (( SECONDS < deadline )) || fail "wharfd: the upload did not get going"
  kill -0 "$client" 2>/dev/null || fail "wharfd: the upload ended early: $(cat "$WORK/err")"
  sleep 0.02
done
kill -KILL "$client"
wait "$client" 2>/dev/null || true
sleep 0.5
[[ ! -e "$WORK/data/alice/wup.bin" ]] || fail "wharfd: a half upload appeared under its name"
wharf_sftp wharfd --json put --resume "$C/big.bin" alice@127.0.0.1:/wup.bin || fail "wharfd: put --resume: $(cat "$WORK/err")"
[[ "$(json offset)" == 0 && "$(json bytes)" == "$SIZE" ]] || fail "wharfd: put --resume should send it all: $(cat "$WORK/out")"
[[ "$(sha "$WORK/data/alice/wup.bin")" == "$want" ]] || fail "wharfd: the upload differs"
pass "wharfd: a killed upload left nothing under its name; put --resume sent it whole"
