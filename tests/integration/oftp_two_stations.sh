#!/usr/bin/env bash
# Two wharfd OFTP stations talking to each other. A calls B (partner "b" with connect) because
# its outbox holds files: in ONE session A sends its files, hands the turn over, B returns the
# EERPs for them and sends its own outbox files, and A returns the EERPs for those. Then the
# queued-EERP path: B is killed (by its pre-upload hook) after it stored one of A's files but
# before it was the speaker, so that EERP is only on B's disk (responses/); A's next call brings
# it. And A's partner "c" listens nowhere: each call fails with oftp.call.failed and retry_in_ms,
# and the caller tries again.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/oftp_lib.sh"

declare -A STATION_PID=()
stop_stations() {
  local name
  for name in "${!STATION_PID[@]}"; do kill -KILL "${STATION_PID[$name]}" 2>/dev/null || true; done
  cleanup
}
trap stop_stations EXIT
# Both stations' logs on failure (lib.sh's fail knows only $WORK/wharfd.log).
fail() {
  echo "FAIL: $*" >&2
  local name
  for name in a b; do
    [[ -f "$WORK/$name/wharfd.log" ]] && { echo "--- station $name log ---" >&2; cat "$WORK/$name/wharfd.log" >&2; }
  done
  exit 1
}

# start_station NAME: wharfd with $WORK/NAME/wharf.yaml, its JSON log appended to $WORK/NAME/wharfd.log
# (a restarted station keeps its earlier lines; the counts below are totals over its lifetime).
start_station() {
  local name=$1 ready
  ready=$(station_events "$name" server.ready)
  "$WHARFD" --config "$WORK/$name/wharf.yaml" > /dev/null 2>> "$WORK/$name/wharfd.log" &
  STATION_PID[$name]=$!
  echo "${STATION_PID[$name]}" > "$WORK/$name/pid"
  wait_station "$name" server.ready $((ready + 1))
}

# station_events NAME EVENT [FIELD=VALUE...]: how many of the station's log lines are EVENT with
# those fields.
station_events() {
  local name=$1; shift
  touch "$WORK/$name/wharfd.log"
  $PY - "$WORK/$name/wharfd.log" "$@" <<'PYEOF'
import json, sys
path, event, *conditions = sys.argv[1:]
wanted = dict(c.split("=", 1) for c in conditions)
count = 0
for line in open(path, encoding="utf-8", errors="replace"):
    try:
        record = json.loads(line)
    except ValueError:
        continue
    if record.get("event") == event and all(str(record.get(k)) == v for k, v in wanted.items()):
        count += 1
print(count)
PYEOF
}

# station_field NAME EVENT FIELD: FIELD of the station's last EVENT line.
station_field() { log_field "$WORK/$1/wharfd.log" "$2" "$3"; }

# wait_station NAME EVENT COUNT [TIMEOUT_S] [FIELD=VALUE...]
wait_station() {
  local name=$1 event=$2 count=$3 timeout=${4:-30}
  shift $(($# < 4 ? $# : 4))
  local deadline=$((SECONDS + timeout))
  while (( $(station_events "$name" "$event" "$@") < count )); do
    (( SECONDS < deadline )) || fail "station $name: fewer than $count $event $* within ${timeout}s"
    kill -0 "${STATION_PID[$name]}" 2>/dev/null || fail "station $name exited while waiting for $event"
    sleep 0.1
  done
}

# files_in DIR: regular files below DIR (0 when it does not exist); kept_files DIR: the same
# without the .state files that go with them.
files_in() { if [[ -d $1 ]]; then find "$1" -type f | wc -l; else echo 0; fi; }
kept_files() { if [[ -d $1 ]]; then find "$1" -type f ! -name '*.state' | wc -l; else echo 0; fi; }

PORT_A=$(free_port)
PORT_B=$(free_port)
PORT_C=$(free_port)  # nobody listens there
mkdir -p "$WORK"/{a,b}/{inbox,outbox,files} "$WORK/c-outbox"

# B's pre-upload hook kills B (SIGKILL, no chance to say anything) when armed and offered KILLB:
# by then B has stored and queued the EERP of A's file before it, but was never the speaker.
cat > "$WORK/b/kill_on_offer.sh" <<SH
#!/bin/sh
if [ -e "$WORK/b/kill-armed" ] && [ "\$WHARF_PATH" = KILLB ]; then
  rm -f "$WORK/b/kill-armed"
  kill -KILL "\$(cat "$WORK/b/pid")"
fi
exit 0
SH
chmod 755 "$WORK/b/kill_on_offer.sh"

cat > "$WORK/a/wharf.yaml" <<YAML
server: {state_dir: $WORK/a/state, workers: 2, shutdown_grace: 2s}
oftp:
  listen: ["127.0.0.1:$PORT_A"]
  ssid: STATIONA
  password: APW
partners:
  - name: b
    ssid: STATIONB
    password: BPW
    inbox: $WORK/a/inbox
    outbox: $WORK/a/outbox
    protocol: {exchange_buffer: 4096, credit: 16}
    connect: {address: "127.0.0.1:$PORT_B", retry: {initial: 1s, max: 2s}}
  - name: c
    ssid: STATIONC
    password: CPW
    inbox: $WORK/a/inbox-c
    outbox: $WORK/c-outbox
    connect: {address: "127.0.0.1:$PORT_C", retry: {initial: 1s, max: 2s}}
YAML
cat > "$WORK/b/wharf.yaml" <<YAML
server: {state_dir: $WORK/b/state, workers: 2, shutdown_grace: 2s}
oftp:
  listen: ["127.0.0.1:$PORT_B"]
  ssid: STATIONB
  password: BPW
partners:
  - name: a
    ssid: STATIONA
    password: APW
    inbox: $WORK/b/inbox
    outbox: $WORK/b/outbox
hooks:
  upload: {pre: {command: $WORK/b/kill_on_offer.sh}}
YAML

# A's three files, oldest first (that is the order they are offered in), and B's two.
head -c 300000 /dev/urandom > "$WORK/a/files/ALPHA"
head -c 1 /dev/urandom > "$WORK/a/files/BRAVO"
{ head -c 100000 /dev/urandom; head -c 200000 /dev/zero; } > "$WORK/a/files/CHARLIE"
head -c 250000 /dev/urandom > "$WORK/b/files/DELTA"
seq 1 40000 > "$WORK/b/files/ECHO"
stamp=0
for f in ALPHA BRAVO CHARLIE; do cp "$WORK/a/files/$f" "$WORK/a/outbox/"; touch -d "@$((1700000000 + stamp++))" "$WORK/a/outbox/$f"; done
for f in DELTA ECHO; do cp "$WORK/b/files/$f" "$WORK/b/outbox/"; done
echo c > "$WORK/c-outbox/TOC"

start_station b
start_station a

# --- 1. The exchange: one session, files and EERPs both ways -----------------------------------
wait_station a oftp.call.end 1 40 partner=b
sleep 2.5  # one more poll of A's caller: nothing may be left to call B for
[[ $(station_events a oftp.call.start partner=b) -eq 1 ]] || fail "A called B $(station_events a oftp.call.start partner=b) times"
[[ $(station_events a oftp.session.start partner=b) -eq 1 ]] || fail "A had more than one session with B"
[[ $(station_events b oftp.session.start partner=a) -eq 1 ]] || fail "B had more than one session with A"
[[ "$(station_field a oftp.call.end result)" == "ESID 00"* ]] || fail "A's call ended: $(station_field a oftp.call.end result)"
[[ "$(station_field a oftp.session.start role)" == initiator && "$(station_field b oftp.session.start role)" == responder ]] \
  || fail "the roles are not A initiator, B responder"

# inbox_copy STATION DSN: the one file the station received under that DSN (originator folder).
inbox_copy() {
  local found
  found=$(find "$WORK/$1/inbox" -type f -name "$2.*")
  [[ $(printf '%s\n' "$found" | grep -c .) -eq 1 ]] || fail "station $1: expected one inbox file for $2, found: ${found:-none}"
  printf '%s\n' "$found"
}
for f in ALPHA BRAVO CHARLIE; do
  cmp -s "$WORK/a/files/$f" "$(inbox_copy b $f)" || fail "$f differs in B's inbox"
  [[ $(station_events b oftp.file.received dsn=$f) -eq 1 ]] || fail "B did not log $f received once"
  [[ $(station_events b oftp.eerp.sent dsn=$f) -eq 1 ]] || fail "B did not send the EERP for $f"
  [[ $(station_events a oftp.eerp.received dsn=$f matched=True) -eq 1 ]] || fail "A did not get a matching EERP for $f"
done
for f in DELTA ECHO; do
  cmp -s "$WORK/b/files/$f" "$(inbox_copy a $f)" || fail "$f differs in A's inbox"
  [[ $(station_events a oftp.file.received dsn=$f) -eq 1 ]] || fail "A did not log $f received once"
  [[ $(station_events a oftp.eerp.sent dsn=$f) -eq 1 ]] || fail "A did not send the EERP for $f"
  [[ $(station_events b oftp.eerp.received dsn=$f matched=True) -eq 1 ]] || fail "B did not get a matching EERP for $f"
done
# Every file went in the first session: all of it in the one session's counts.
[[ "$(station_field a oftp.session.end files_sent)" == 3 && "$(station_field a oftp.session.end files_received)" == 2 ]] \
  || fail "A's session: files_sent $(station_field a oftp.session.end files_sent), received $(station_field a oftp.session.end files_received)"
[[ $(files_in "$WORK/a/outbox") -eq 0 && $(files_in "$WORK/b/outbox") -eq 0 ]] || fail "outbox files left"
for s in a/state/oftp/b b/state/oftp/a; do
  [[ $(files_in "$WORK/$s/sent") -eq 0 ]] || fail "$s/sent still holds files waiting for an EERP: $(ls -R "$WORK/$s/sent")"
  [[ $(files_in "$WORK/$s/responses") -eq 0 ]] || fail "$s/responses still holds queued EERPs"
  [[ $(files_in "$WORK/$s/failed") -eq 0 ]] || fail "$s/failed holds files"
done
pass "one session: A's 3 files and B's 2 byte-exact, EERPs for all 5 in the same session, outboxes and sent/ empty"

# --- 2. A call to a port nobody listens on -------------------------------------------------------
wait_station a oftp.call.failed 2 20 partner=c
[[ $(station_events a oftp.call.failed partner=c attempt=1 retry_in_ms=1000) -eq 1 ]] \
  || fail "the first failed call to c does not say retry_in_ms=1000"
[[ $(station_events a oftp.call.failed partner=c attempt=2 retry_in_ms=2000) -eq 1 ]] \
  || fail "the second failed call to c does not back off to retry_in_ms=2000"
[[ $(station_events a oftp.call.start partner=c attempt=2) -ge 1 ]] || fail "no second attempt to call c"
pass "calls to a closed port: oftp.call.failed with retry_in_ms 1000, then a second attempt backing off to 2000"

# --- 3. An EERP that could not be sent in its session is queued and delivered later --------------
touch "$WORK/b/kill-armed"
disown "${STATION_PID[b]}"  # it dies on purpose: no job report from bash
head -c 120000 /dev/urandom > "$WORK/a/files/FOXTROT"
head -c 80000 /dev/urandom > "$WORK/a/files/KILLB"
cp "$WORK/a/files/FOXTROT" "$WORK/a/outbox/.FOXTROT" && touch -d @1700000100 "$WORK/a/outbox/.FOXTROT"
cp "$WORK/a/files/KILLB" "$WORK/a/outbox/.KILLB" && touch -d @1700000101 "$WORK/a/outbox/.KILLB"
# Both appear together (one process, microseconds apart), so one call lists both.
$PY -c 'import os, sys; d = sys.argv[1]; [os.rename(f"{d}/.{n}", f"{d}/{n}") for n in ("FOXTROT", "KILLB")]' "$WORK/a/outbox"
b_pid=${STATION_PID[b]}
for _ in $(seq 300); do kill -0 "$b_pid" 2>/dev/null || break; sleep 0.1; done
kill -0 "$b_pid" 2>/dev/null && fail "B was not killed when KILLB was offered"
wait_station a oftp.file.interrupted 1 20 partner=b dsn=KILLB
[[ $(station_events b oftp.file.received dsn=FOXTROT) -eq 1 ]] || fail "B did not store FOXTROT before it died"
[[ $(station_events b oftp.eerp.sent dsn=FOXTROT) -eq 0 ]] || fail "B sent FOXTROT's EERP before it died"
[[ $(kept_files "$WORK/b/state/oftp/a/responses") -eq 1 ]] || fail "B's EERP for FOXTROT is not queued on disk"
[[ $(kept_files "$WORK/a/state/oftp/b/sent") -eq 1 ]] || fail "A does not keep FOXTROT in sent/ waiting for its EERP"
pass "B died after storing FOXTROT and before its turn: the EERP waits in B's responses/"

start_station b
wait_station a oftp.eerp.received 1 40 dsn=FOXTROT
[[ "$(station_field b oftp.session.start queued_responses)" == 1 ]] \
  || fail "B's session after its restart did not start with FOXTROT's EERP queued"
wait_station a oftp.eerp.received 1 30 dsn=KILLB
wait_station a oftp.call.end 2 30 partner=b
[[ $(station_events a oftp.eerp.received dsn=FOXTROT matched=True) -eq 1 ]] || fail "FOXTROT's EERP did not match A's sent file"
[[ $(station_events b oftp.eerp.sent dsn=FOXTROT) -eq 1 ]] || fail "B did not log FOXTROT's EERP sent"
cmp -s "$WORK/a/files/FOXTROT" "$(inbox_copy b FOXTROT)" || fail "FOXTROT differs in B's inbox"
cmp -s "$WORK/a/files/KILLB" "$(inbox_copy b KILLB)" || fail "KILLB differs in B's inbox"
[[ $(files_in "$WORK/a/outbox") -eq 0 ]] || fail "A's outbox is not empty"
for s in a/state/oftp/b b/state/oftp/a; do
  [[ $(files_in "$WORK/$s/sent") -eq 0 ]] || fail "$s/sent still holds files: $(ls -R "$WORK/$s/sent")"
  [[ $(files_in "$WORK/$s/responses") -eq 0 ]] || fail "$s/responses still holds queued EERPs"
done
pass "after B's restart A called again: FOXTROT's queued EERP and KILLB's arrived, nothing left queued or unsettled"

for name in a b; do
  cp "$WORK/$name/wharfd.log" "$WORK/wharfd.log"
  assert_all_json
  WHARFD_PID=${STATION_PID[$name]}
  stop_wharfd_within 5
  unset "STATION_PID[$name]"
done
rm -f "$WORK/wharfd.log"
