#!/usr/bin/env bash
# `wharf sftp` against a server that answers wrongly: OpenSSH's sshd runs tests/support/
# sftp_bad_server.cpp as its sftp subsystem, and each run names one way to get a reply wrong
# (the scenario file the bad server reads at start). Every such run must end with exit 1 (the
# operation failed) or 255 (the connection is unusable), a "wharf sftp: ..." message naming what
# went wrong, no signal, no sanitizer report, and nothing under a get's LOCAL name (a LOCAL.part
# only where the message says it was kept for --resume, and resuming from it must then give the
# server's file byte for byte). A control scenario answering correctly shows the double is a
# working server in v3 and v6.
#
# The client is the ASan+UBSan build of wharf when WHARF_SANITIZED_BUILD_DIR names a tree that
# built it (packaging/test.sh does), else $WHARF with a note.
source "$(dirname "$0")/lib.sh"

: "${SFTP_BAD_SERVER:?set by ctest}"
client=$WHARF
if [[ -n "${WHARF_SANITIZED_BUILD_DIR:-}" && -x "$WHARF_SANITIZED_BUILD_DIR/daemon/wharf" ]]; then
  client=$WHARF_SANITIZED_BUILD_DIR/daemon/wharf
  echo "client: the ASan+UBSan wharf, $client"
else
  echo "note: no sanitized wharf (WHARF_SANITIZED_BUILD_DIR unset or without daemon/wharf): running $WHARF," \
       "so memory errors that do not crash go unseen"
fi
# Sanitizer reports get exit codes of their own, never mistaken for the client's 1 or 255.
export ASAN_OPTIONS="detect_leaks=1:exitcode=86"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1:exitcode=87"

# A reply that never comes must end by the client's own timeout: --timeout where wharf has it,
# else the built-in session timeout (then `timeout` only guards against a hang).
timeout_option=()
guard=25
usage=$("$client" sftp 2>&1 || true)
if [[ $usage == *--timeout* ]]; then
  timeout_option=(--timeout 3)
else
  echo "note: wharf sftp has no --timeout option: never-reply waits for the built-in session timeout"
  guard=100
fi

me=$(id -un)
mkdir -p "$WORK/client"
ssh-keygen -q -t ed25519 -N '' -f "$WORK/client/id_ed25519"
echo none > "$WORK/scenario"
start_private_sshd "$WORK/client/id_ed25519.pub" "Subsystem sftp $SFTP_BAD_SERVER --scenario-file $WORK/scenario"
echo "[127.0.0.1]:$SSHD_PORT $(cat "$SSHD_HOST_KEY")" > "$WORK/client/known_hosts"
local_file=$WORK/client/local.bin

# bad SCENARIO VERSION COMMAND ARGS...: one `wharf sftp` run while the server plays SCENARIO;
# stdout in $WORK/out, stderr in $WORK/err, the exit status in $status.
bad() {
  local scenario=$1 version=$2
  shift 2
  echo "$scenario" > "$WORK/scenario"
  rm -f "$local_file" "$local_file.part"
  status=0
  timeout -k 5 "$guard" "$client" sftp -p "$SSHD_PORT" -i "$WORK/client/id_ed25519" \
    --known-hosts "$WORK/client/known_hosts" --sftp-version "$version" --no-progress "${timeout_option[@]}" \
    "$1" "$me@127.0.0.1" "${@:2}" > "$WORK/out" 2> "$WORK/err" || status=$?
}

no_sanitizer_report() {
  if grep -aEq 'AddressSanitizer|LeakSanitizer|UndefinedBehaviorSanitizer|runtime error:' "$WORK/err"; then
    fail "$1: sanitizer report: $(cat "$WORK/err")"
  fi
}

# expect_failure WHAT PATTERN: exit 1 or 255 (not a signal, a timeout or a sanitizer's code), a
# "wharf sftp:" line matching the extended regex PATTERN, nothing under LOCAL's name, and a
# LOCAL.part only where the message says it was kept for --resume.
expect_failure() {
  local what=$1 pattern=$2
  no_sanitizer_report "$what"
  [[ $status -eq 1 || $status -eq 255 ]] || fail "$what: exit $status, not 1 or 255: $(cat -v "$WORK/err")"
  grep -aEq "^wharf sftp: .*($pattern)" "$WORK/err" || fail "$what: no message matching '$pattern': $(cat -v "$WORK/err")"
  [[ ! -e "$local_file" ]] || fail "$what: the failed download left $local_file"
  if [[ -e "$local_file.part" ]] && ! grep -aq "partial download kept in $local_file.part" "$WORK/err"; then
    fail "$what: $local_file.part left without saying so: $(cat -v "$WORK/err")"
  fi
  pass "$what: exit $status, $(grep -a -m1 '^wharf sftp: ' "$WORK/err" | cut -c1-200 | cat -v)"
}

expect_success() {
  no_sanitizer_report "$1"
  [[ $status -eq 0 ]] || fail "$1: exit $status: $(cat "$WORK/err")"
}

# ---- the control: the double is a correct server -----------------------------------------------
"$SFTP_BAD_SERVER" --print /data.bin > "$WORK/data.bin"
head -c 2000003 /dev/urandom > "$WORK/client/upload.bin"
for v in 3 6; do
  bad none "$v" get /data.bin "$local_file"
  expect_success "v$v control get"
  cmp -s "$local_file" "$WORK/data.bin" || fail "v$v control get: the file differs"
  printf '%s\n' "put $WORK/client/upload.bin /up.bin" "get /up.bin $WORK/client/back.bin" "ls /dir" \
    "stat /data.bin" > "$WORK/batch"
  echo none > "$WORK/scenario"
  status=0
  "$client" sftp -p "$SSHD_PORT" -i "$WORK/client/id_ed25519" --known-hosts "$WORK/client/known_hosts" \
    --sftp-version "$v" --no-progress -b "$WORK/batch" "$me@127.0.0.1" > "$WORK/out" 2> "$WORK/err" || status=$?
  expect_success "v$v control batch"
  [[ "$(sha256sum < "$WORK/client/back.bin")" == "$(sha256sum < "$WORK/client/upload.bin")" ]] ||
    fail "v$v control: put and get back differ"
  grep -qx 'c.edi' "$WORK/out" || fail "v$v control ls: $(cat "$WORK/out")"
  grep -qx 'size: 1048576' "$WORK/out" || fail "v$v control stat: $(cat "$WORK/out")"
  grep -qx "version: $v" "$WORK/out" || fail "v$v control: not version $v: $(cat "$WORK/out")"
  pass "v$v control: get 1 MiB, put/get 2 MB, ls, stat against the double answering correctly"
done

# ---- the handshake -------------------------------------------------------------------------------
bad exit-at-once 3 ls /
expect_failure "exit before VERSION" "closed the channel before VERSION"
bad version-short 6 ls /
expect_failure "VERSION with half a version number" "SSH_FXP_VERSION"
bad version-99 6 ls /
expect_failure "VERSION 99" "version 99"
bad version-2 3 ls /
expect_failure "VERSION 2" "version 2"
bad version-truncated-extension 3 ls /
expect_failure "VERSION with truncated extension data" "SSH_FXP_VERSION"

# ---- replies that do not fit their request -----------------------------------------------------------
for v in 3 4 5 6; do
  bad unknown-id "$v" stat /data.bin
  expect_failure "v$v reply with an unknown request id" "unknown request id"
  bad wrong-type "$v" stat /data.bin
  expect_failure "v$v HANDLE for STAT" "SSH_FXP_HANDLE in reply to SSH_FXP_STAT"
  bad ok-for-stat "$v" stat /data.bin
  expect_failure "v$v STATUS OK for STAT" "SSH_FX_OK in reply to SSH_FXP_STAT"
  bad truncated-attrs "$v" stat /data.bin
  expect_failure "v$v truncated ATTRS" "SSH_FXP_ATTRS"
  bad name-count-huge "$v" ls /dir
  expect_failure "v$v NAME with count 2^31" "count 2147483648"
  bad data-too-long "$v" get /data.bin "$local_file"
  expect_failure "v$v DATA longer than asked" "more data than asked"
  bad status-bad-utf8 "$v" stat /data.bin
  expect_failure "v$v STATUS with invalid UTF-8" "stat /data.bin: SSH_FX_NO_SUCH_FILE"
  if grep -aq $'\x1b' "$WORK/err"; then escapes_shown=yes; fi
  bad read-eof-inconsistent "$v" get /data.bin "$local_file"
  expect_failure "v$v EOF in the middle of the file, data after it" "changed during the download"
done
kept_part=""
if [[ -e "$local_file.part" ]]; then
  kept_part=$WORK/client/kept.part
  mv "$local_file.part" "$kept_part"
fi
if [[ -n "${escapes_shown:-}" ]]; then
  echo "note: the server's STATUS message reaches the terminal with its escape sequences"
fi

# ---- framing and the stream -----------------------------------------------------------------------
bad length-4g 3 stat /data.bin
expect_failure "a packet length of 4 GiB" "packet length 4294967295"
bad length-0 6 stat /data.bin
expect_failure "a packet length of 0" "packet length 0"
bad readdir-oversize 6 ls /dir
expect_failure "a NAME over the packet limit" "packet length [0-9]+ (exceeds|is)"
bad extended-reply-garbage 3 get /data.bin "$local_file"
expect_failure "an EXTENDED_REPLY that does not parse" "limits@openssh.com"
bad long-handle 6 put "$WORK/client/upload.bin" /up.bin
expect_failure "a 300-byte handle" "handle of 300 bytes"
bad duplicate-reply 3 put "$WORK/client/upload.bin" /up.bin
expect_failure "a WRITE answered twice" "unknown request id"
bad eof-mid-packet 3 get /data.bin "$local_file"
expect_failure "EOF in the middle of a DATA packet" "closed the channel"
started=$SECONDS
bad endless-garbage 3 get /data.bin "$local_file"
expect_failure "an endless stream of random bytes" "packet length|invalid|SSH_FXP"
(( SECONDS - started < 15 )) || fail "endless garbage took $((SECONDS - started)) s to refuse"
started=$SECONDS
bad never-reply 3 stat /data.bin
expect_failure "a STAT never answered" "timed out"
echo "never-reply ended after $((SECONDS - started)) s"

# ---- listings and short files ------------------------------------------------------------------------
bad readdir-huge 3 ls /dir
expect_success "4 NAME batches of 3000 entries"
[[ $(wc -l < "$WORK/out") -eq 12000 && $(sort -u "$WORK/out" | wc -l) -eq 12000 ]] ||
  fail "readdir-huge: $(wc -l < "$WORK/out") lines listed, not 12000 distinct"
pass "4 full NAME batches (12000 entries) listed whole"

# The server's READ says the file ends at 300000 bytes. wharf believes READ (it does not compare
# with STAT's size), so the download succeeds with what the server sent, and only that.
bad read-eof-early 3 get /data.bin "$local_file"
expect_success "EOF at 300000 of a 1 MiB file"
[[ $(stat -c %s "$local_file") -eq 300000 ]] || fail "read-eof-early: $(stat -c %s "$local_file") bytes"
cmp -s "$local_file" <(head -c 300000 "$WORK/data.bin") || fail "read-eof-early: not the first 300000 bytes"
pass "READ ending early at 300000: a 300000-byte file of exactly what the server sent"

# What the inconsistent-EOF download kept (LOCAL.part, set aside above; its data after the EOF
# landed beyond a gap) must be safe to resume from: a correct server then completes it and the
# file matches byte for byte (the gap must not be taken for bytes already there).
if [[ -n "$kept_part" ]]; then
  rm -f "$local_file"
  mv "$kept_part" "$local_file.part"
  echo none > "$WORK/scenario"
  status=0
  "$client" sftp -p "$SSHD_PORT" -i "$WORK/client/id_ed25519" --known-hosts "$WORK/client/known_hosts" \
    --no-progress get --resume /data.bin "$me@127.0.0.1" "$local_file" > "$WORK/out" 2> "$WORK/err" || status=$?
  expect_success "get --resume after the inconsistent EOF"
  cmp -s "$local_file" "$WORK/data.bin" ||
    fail "get --resume after a download with a gap: the file differs from the server's: $(cmp "$local_file" "$WORK/data.bin")"
  pass "get --resume after the inconsistent EOF completes the file byte for byte"
fi
