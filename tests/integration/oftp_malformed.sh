#!/usr/bin/env bash
# Malformed input to wharfd's plain OFTP listener from a raw client (oftp_malformed.py), one
# connection per case: a broken stream transmission header, a truncated command, an unknown
# command, SSIDs with garbage fields, DATA out of place, an exchange buffer above the agreed
# size and DATA beyond the credit. Each must end with the ESID reason the engine gives for it
# (RFC 5024 5.3.11; the STH cases: 10 for a version or flags we do not speak, 07 for a length
# outside 5..100003) and a close, or a plain close when nothing whole arrived; wharfd logs
# oftp.session.end with the same reason, stays up, and serves a normal `wharf oftp send`
# afterwards. wharfd is the ASan+UBSan build when WHARF_SANITIZED_BUILD_DIR names a tree that
# built it, and any sanitizer report in its stderr fails the test.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/oftp_lib.sh"

if [[ -n "${WHARF_SANITIZED_BUILD_DIR:-}" && -x "$WHARF_SANITIZED_BUILD_DIR/daemon/wharfd" ]]; then
  WHARFD=$WHARF_SANITIZED_BUILD_DIR/daemon/wharfd
  echo "wharfd: the ASan+UBSan build, $WHARFD"
else
  echo "note: no sanitized wharfd (WHARF_SANITIZED_BUILD_DIR unset or without daemon/wharfd): running $WHARFD," \
       "so memory errors that do not crash go unseen"
fi
export ASAN_OPTIONS="detect_leaks=1:exitcode=86"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1:exitcode=87"

assert_no_sanitizer_report() {
  if grep -E -q "AddressSanitizer|LeakSanitizer|UndefinedBehaviorSanitizer|runtime error:" "$WORK/wharfd.log"; then
    fail "sanitizer report in wharfd's stderr"
  fi
}

start_oftp_station

# case NAME EXPECTED [WHARFD_DETAIL]: the raw client's run of NAME must print EXPECTED ("ESID 07"
# or "CLOSED"); wharfd's oftp.session.end for it carries the reason (99 from the network for
# CLOSED) and a detail containing WHARFD_DETAIL.
sessions=0
case_() {
  local name=$1 expected=$2 detail=${3:-}
  local got status=0
  got=$($PY "$(dirname "$0")/oftp_malformed.py" "$OFTP_PORT" "$name" 2> "$WORK/raw.err") || status=$?
  [[ $status -eq 0 ]] || fail "$name: the raw client failed: $(cat "$WORK/raw.err")"
  [[ $got == "$expected" ]] || fail "$name: wharfd answered '$got', expected '$expected' ($(cat "$WORK/raw.err"))"
  sessions=$((sessions + 1))
  wait_for_event oftp.session.end "$sessions" 10
  local want_reason=${expected#ESID }
  [[ $expected == CLOSED ]] && want_reason=99
  [[ "$(event_field oftp.session.end reason)" == "$want_reason" ]] \
    || fail "$name: wharfd logged reason $(event_field oftp.session.end reason), expected $want_reason"
  if [[ $expected == CLOSED ]]; then
    [[ "$(event_field oftp.session.end by)" == network ]] || fail "$name: wharfd's session did not end by the network"
  else
    [[ "$(event_field oftp.session.end by)" == us ]] || fail "$name: the ESID was not wharfd's own"
  fi
  [[ "$(event_field oftp.session.end detail)" == *"$detail"* ]] \
    || fail "$name: wharfd's detail '$(event_field oftp.session.end detail)' lacks '$detail'"
  kill -0 "$WHARFD_PID" 2>/dev/null || fail "$name: wharfd is gone"
  assert_no_sanitizer_report
  pass "$name -> $expected"
}

case_ sth_version "ESID 10" "header version 2"
case_ sth_flags "ESID 10" "header flags 0x8"
case_ sth_too_short "ESID 07" "length 4"
case_ sth_too_long "ESID 07" "length 100004"
case_ truncated_then_close CLOSED "WF_SSID"
case_ ssid_cut_short "ESID 07" "SSIDPSWD"
case_ unknown_command "ESID 01" "unknown command code 'Q'"
case_ ssid_garbage "ESID 06" "SSIDSDEB"
case_ ssid_garbage_capability "ESID 06" "SSIDSR"
case_ data_before_sfid "ESID 02" "DATA out of sequence"
case_ oversize_buffer "ESID 07" "DATA buffer of 205 octets above the agreed 128"
case_ credit_violation "ESID 02" "DATA beyond the credit of 1"

# Files cut off by the last two cases leave nothing under a final name in the inbox.
[[ $(find "$WORK/inbox" -type f | wc -l) -eq 0 ]] || fail "the inbox holds files: $(find "$WORK/inbox" -type f)"
[[ $(count_events oftp.file.received) -eq 0 ]] || fail "wharfd logged a received file"

# wharfd still serves a well-formed partner.
head -c 40000 /dev/urandom > "$WORK/files/after.bin"
oftp_send --dsn AFTER "$WORK/files/after.bin" || fail "send after the malformed input: $(cat "$WORK/send.out" "$WORK/send.log")"
cmp -s "$WORK/files/after.bin" "$(received_file AFTER)" || fail "the file sent afterwards differs"
pass "a normal send after the malformed input delivers its file"

stop_wharfd_within 10
assert_no_sanitizer_report
assert_all_json
