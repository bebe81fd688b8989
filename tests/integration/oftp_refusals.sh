#!/usr/bin/env bash
# The refusals of wharfd's OFTP station and what each side sees: a wrong password (ESID 04), an
# unknown SSID (ESID 03), a file for an SFID that is not ours (SFNA 02), a duplicate (SFNA 13),
# and a file a pre-upload hook refuses (SFNA 99 with the hook's text). Each leaves a log line on wharfd's side and nothing in the inbox.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/oftp_lib.sh"

mkdir -p "$WORK/hooks"
cat > "$WORK/hooks/refuse.sh" <<'SH'
#!/bin/sh
case "$WHARF_PATH" in *REFUSE*) echo "refused by policy"; exit 1 ;; esac
exit 0
SH
chmod 755 "$WORK/hooks/refuse.sh"
start_oftp_station
# The hook goes in through a reload-free restart: stop, add hooks:, start again.
kill -TERM "$WHARFD_PID"; wait "$WHARFD_PID" || true
cat >> "$WORK/wharf.yaml" <<YAML
hooks:
  upload: {pre: {command: $WORK/hooks/refuse.sh}}
YAML
start_wharfd --config "$WORK/wharf.yaml"
wait_for_event server.ready
head -c 50000 /dev/urandom > "$WORK/files/a.bin"

# Wrong password: ESID 04 from wharfd, exit 255 (no session), oftp.auth.failed.
status=0
"$WHARF" oftp send --to "127.0.0.1:$OFTP_PORT" --ssid CLIENT --password WRONGPW --sfid WHARF \
  --state-dir "$WORK/cli-state" "$WORK/files/a.bin" > "$WORK/send.out" 2> "$WORK/send.log" || status=$?
[[ $status -eq 255 ]] || fail "wrong password: exit $status"
grep -q "ESID 04" "$WORK/send.out" || fail "wrong password: the client saw $(cat "$WORK/send.out")"
wait_for_event oftp.auth.failed 1
[[ "$(event_field oftp.auth.failed reason)" == 04 ]] || fail "wrong password logged as $(event_field oftp.auth.failed reason)"
pass "wrong password -> ESID 04"

status=0
"$WHARF" oftp send --to "127.0.0.1:$OFTP_PORT" --ssid STRANGER --password CLIENTPW --sfid WHARF \
  --state-dir "$WORK/cli-state" "$WORK/files/a.bin" > "$WORK/send.out" 2> "$WORK/send.log" || status=$?
[[ $status -eq 255 ]] || fail "unknown SSID: exit $status"
grep -q "ESID 03" "$WORK/send.out" || fail "unknown SSID: the client saw $(cat "$WORK/send.out")"
wait_for_event oftp.auth.failed 2
[[ "$(event_field oftp.auth.failed reason)" == 03 ]] || fail "unknown SSID logged as $(event_field oftp.auth.failed reason)"
[[ "$(event_field oftp.auth.failed ssid)" == STRANGER ]] || fail "unknown SSID: the log names $(event_field oftp.auth.failed ssid)"
pass "unknown SSID -> ESID 03"

# refused_with CODE ARGS...: the file is refused with SFNA CODE; the session itself is fine.
refused_with() {
  local code=$1; shift
  local status=0
  oftp_send "$@" || status=$?
  [[ $status -eq 1 ]] || fail "SFNA $code case: exit $status: $(cat "$WORK/send.out")"
  grep -q "NOT sent.*SFNA $code" "$WORK/send.out" || fail "expected SFNA $code: $(cat "$WORK/send.out")"
  grep -q "ESID 00" "$WORK/send.out" || fail "SFNA $code case: the session did not end normally: $(cat "$WORK/send.out")"
}

refused_with 02 --sfid NOTUS --dsn WRONGDEST "$WORK/files/a.bin"
[[ "$(event_field oftp.file.refused reason)" == 02 ]] || fail "unknown destination logged as $(event_field oftp.file.refused reason)"
pass "a file for an SFID that is not ours -> SFNA 02"

refused_with 99 --dsn PLEASEREFUSE "$WORK/files/a.bin"
grep -q "refused by policy" "$WORK/send.out" || fail "the hook's text did not reach the client: $(cat "$WORK/send.out")"
pass "a file the pre-upload hook refuses -> SFNA 99 with the hook's text"

oftp_send --dsn ONCE --stamp 20260102030405 "$WORK/files/a.bin" || fail "first send of ONCE: $(cat "$WORK/send.out")"
refused_with 13 --dsn ONCE --stamp 20260102030405 "$WORK/files/a.bin"
[[ "$(event_field oftp.file.refused reason)" == 13 ]] || fail "duplicate logged as $(event_field oftp.file.refused reason)"
oftp_send --dsn ONCE --stamp 20260102030406 "$WORK/files/a.bin" || fail "ONCE with another time was refused: $(cat "$WORK/send.out")"
pass "the same DSN, date and time again -> SFNA 13 duplicate; another time is a new file"

[[ $(find "$WORK/inbox" -type f | wc -l) -eq 2 ]] || fail "the inbox holds $(find "$WORK/inbox" -type f | wc -l) files, not 2"
assert_all_json
