#!/usr/bin/env bash
# `wharf sftp put/get` flags against a private OpenSSH sshd (internal-sftp, v3) and wharfd
# (v6 and v3): ranges (--offset/--limit), upload at an offset without truncating, append (-a),
# --resume from a remote or .part size, --overwrite always|never|newer|skip, -p (times and
# permissions both ways), --text (newline conversion, the server's convention or
# --remote-newline), several files into a directory, a failure among several files (exit 1,
# the others still reported), --json (escaping, sha256), the progress bar on a pty and silence
# without one. Contents are compared by SHA-256.
source "$(dirname "$0")/lib.sh"

start_sftp_client_peers sshd

SERVER=""   # wharfd, wharfd3 (wharfd asked for v3) or sshd
GL=""       # options before the command (words split on spaces)
# xf COMMAND ARGS...: one wharf sftp run against $SERVER; stdout to $WORK/out, stderr to $WORK/err.
xf() {
  local -a conn
  case $SERVER in
    wharfd) conn=(-p "$port" --known-hosts "$WORK/client/known_hosts") target=alice@127.0.0.1 ;;
    wharfd3) conn=(-p "$port" --known-hosts "$WORK/client/known_hosts" --sftp-version 3) target=alice@127.0.0.1 ;;
    sshd) conn=(-p "$SSHD_PORT" --known-hosts "$WORK/client/sshd_known_hosts") target="$me@127.0.0.1" ;;
  esac
  "$WHARF" sftp "${conn[@]}" -i "$WORK/client/id_ed25519" --requests 8 --request-size 16384 $GL \
    "$1" "$target" "${@:2}" > "$WORK/out" 2> "$WORK/err"
}
# R NAME: the remote path of NAME; D NAME: where it lies on disk.
R() { if [[ $SERVER == sshd ]]; then echo "$WORK/sshd_files/$1"; else echo "/$1"; fi; }
D() { if [[ $SERVER == sshd ]]; then echo "$WORK/sshd_files/$1"; else echo "$WORK/data/alice/$1"; fi; }
sha() { sha256sum < "$1" | cut -d' ' -f1; }
same() { [[ "$(sha "$1")" == "$(sha "$2")" ]] || fail "$SERVER: $3: $1 and $2 differ"; }
must() { xf "$@" || fail "$SERVER: $*: exit $?: $(cat "$WORK/err")"; }
# json FIELD [LINE]: FIELD of JSON line LINE (default 1) of the last stdout.
json() { $PY -c 'import json,sys; print(json.loads(open(sys.argv[1]).read().splitlines()[int(sys.argv[3])-1])[sys.argv[2]])' \
  "$WORK/out" "$1" "${2:-1}"; }
# slice FILE OFFSET LENGTH OUT
slice() { $PY -c 'import sys; d=open(sys.argv[1],"rb").read(); o=int(sys.argv[2]); open(sys.argv[4],"wb").write(d[o:o+int(sys.argv[3])])' "$@"; }

C="$WORK/client"
head -c 1500007 /dev/urandom > "$C/a.bin"
head -c 1500007 /dev/urandom > "$C/b.bin"
head -c 300001 /dev/urandom > "$C/c.bin"
chmod 640 "$C/a.bin"
$PY - "$C/text.txt" <<'PYEOF'
import random, sys
random.seed(5)
lines = ["".join(random.choice("abcdefghij klmnop") for _ in range(random.randint(0, 70))) for _ in range(20000)]
open(sys.argv[1], "w", newline="\n").write("\n".join(lines) + "\n")
PYEOF

for SERVER in sshd wharfd wharfd3; do
  rm -rf "$C/down"; mkdir -p "$C/down"
  # Plain put and get: nothing on stdout without --json.
  must put "$C/a.bin" "$(R a.bin)"
  same "$C/a.bin" "$(D a.bin)" "put"
  [[ ! -s "$WORK/out" ]] || fail "$SERVER: put printed $(cat "$WORK/out")"
  must get "$(R a.bin)" "$C/down/a.bin"
  same "$C/a.bin" "$C/down/a.bin" "get"

  # Ranges: --offset/--limit on get make a file of that range; EOF inside the range is fine.
  must get --offset 1000 --limit 70000 "$(R a.bin)" "$C/down/range.bin"
  slice "$C/a.bin" 1000 70000 "$C/want"; same "$C/want" "$C/down/range.bin" "get --offset --limit"
  must get --limit 5 "$(R a.bin)" "$C/down/head.bin"
  slice "$C/a.bin" 0 5 "$C/want"; same "$C/want" "$C/down/head.bin" "get --limit"
  GL=--json must get --offset 1499907 --limit 100000 "$(R a.bin)" "$C/down/tail.bin"
  slice "$C/a.bin" 1499907 100 "$C/want"; same "$C/want" "$C/down/tail.bin" "get range past EOF"
  [[ "$(json bytes)" == 100 && "$(json offset)" == 1499907 ]] || fail "$SERVER: range past EOF: $(cat "$WORK/out")"

  # put --offset/--limit writes that range of the local file into the remote one, in place.
  must put "$C/a.bin" "$(R patched.bin)"
  must put --offset 4096 --limit 100000 "$C/b.bin" "$(R patched.bin)"
  $PY -c 'import sys; a=open(sys.argv[1],"rb").read(); b=open(sys.argv[2],"rb").read(); open(sys.argv[3],"wb").write(a[:4096]+b[4096:104096]+a[104096:])' \
    "$C/a.bin" "$C/b.bin" "$C/want"
  same "$C/want" "$(D patched.bin)" "put --offset --limit (not truncated)"

  # Append both ways.
  must put "$C/c.bin" "$(R log.bin)"
  must put -a "$C/a.bin" "$(R log.bin)"
  cat "$C/c.bin" "$C/a.bin" > "$C/want"; same "$C/want" "$(D log.bin)" "put -a"
  cp "$C/c.bin" "$C/down/app.bin"
  must get -a "$(R a.bin)" "$C/down/app.bin"
  same "$C/want" "$C/down/app.bin" "get -a"

  # Resume without an interruption: half of the file is there, the rest is sent.
  head -c 700000 "$C/a.bin" > "$(D half.bin)"
  GL=--json must put --resume "$C/a.bin" "$(R half.bin)"
  same "$C/a.bin" "$(D half.bin)" "put --resume"
  [[ "$(json offset)" == 700000 && "$(json bytes)" == 800007 ]] || fail "$SERVER: put --resume: $(cat "$WORK/out")"
  head -c 333333 "$C/a.bin" > "$C/down/res.bin.part"
  GL=--json must get --resume "$(R a.bin)" "$C/down/res.bin"
  same "$C/a.bin" "$C/down/res.bin" "get --resume"
  [[ ! -e "$C/down/res.bin.part" ]] || fail "$SERVER: get --resume left its .part"
  [[ "$(json offset)" == 333333 && "$(json bytes)" == 1166674 ]] || fail "$SERVER: get --resume: $(cat "$WORK/out")"

  # Overwrite policies.
  must put "$C/c.bin" "$(R ow.bin)"
  status=0; xf put --overwrite never "$C/a.bin" "$(R ow.bin)" || status=$?
  [[ $status -eq 1 ]] || fail "$SERVER: put --overwrite never exited $status"
  grep -q "put $(R ow.bin): SSH_FX_FILE_ALREADY_EXISTS" "$WORK/err" || fail "$SERVER: never message: $(cat "$WORK/err")"
  GL=--json must put --overwrite skip "$C/a.bin" "$(R ow.bin)"
  [[ "$(json status)" == skipped ]] || fail "$SERVER: skip: $(cat "$WORK/out")"
  same "$C/c.bin" "$(D ow.bin)" "put --overwrite skip changed the file"
  touch -d '2001-01-01' "$C/a.bin"
  GL=--json must put --overwrite newer "$C/a.bin" "$(R ow.bin)"
  [[ "$(json status)" == skipped ]] || fail "$SERVER: newer with an older source: $(cat "$WORK/out")"
  touch -d '2001-01-01' "$(D ow.bin)"; touch "$C/a.bin"
  must put --overwrite newer "$C/a.bin" "$(R ow.bin)"
  same "$C/a.bin" "$(D ow.bin)" "put --overwrite newer with a newer source"
  cp "$C/c.bin" "$C/down/ow.bin"
  status=0; xf get --overwrite never "$(R a.bin)" "$C/down/ow.bin" || status=$?
  [[ $status -eq 1 ]] && grep -q "get $(R a.bin): .*down/ow.bin exists" "$WORK/err" || fail "$SERVER: get never: $status $(cat "$WORK/err")"
  must get --overwrite skip "$(R a.bin)" "$C/down/ow.bin"; same "$C/c.bin" "$C/down/ow.bin" "get --overwrite skip"
  touch -d '2001-01-01' "$(D a.bin)"
  must get --overwrite newer "$(R a.bin)" "$C/down/ow.bin"; same "$C/c.bin" "$C/down/ow.bin" "get newer (older source)"
  touch "$(D a.bin)"; touch -d '2001-01-01' "$C/down/ow.bin"
  must get --overwrite newer "$(R a.bin)" "$C/down/ow.bin"; same "$C/a.bin" "$C/down/ow.bin" "get newer (newer source)"

  # -p: modification time and permissions both ways.
  chmod 604 "$C/c.bin"; touch -d '2003-04-05 06:07:08' "$C/c.bin"
  must put -p "$C/c.bin" "$(R kept.bin)"
  [[ "$(stat -c '%a %Y' "$(D kept.bin)")" == "$(stat -c '%a %Y' "$C/c.bin")" ]] \
    || fail "$SERVER: put -p: $(stat -c '%a %Y' "$(D kept.bin)") vs $(stat -c '%a %Y' "$C/c.bin")"
  chmod 640 "$(D kept.bin)"; touch -d '2004-05-06 07:08:09' "$(D kept.bin)"
  must get -p "$(R kept.bin)" "$C/down/kept.bin"
  [[ "$(stat -c '%a %Y' "$C/down/kept.bin")" == "$(stat -c '%a %Y' "$(D kept.bin)")" ]] || fail "$SERVER: get -p"
  chmod 644 "$C/c.bin"

  # Text mode: LF locally, CRLF on the server when told so; the server's own (LF) otherwise.
  must put --text --remote-newline crlf "$C/text.txt" "$(R crlf.txt)"
  $PY -c 'import sys; open(sys.argv[2],"wb").write(open(sys.argv[1],"rb").read().replace(b"\n",b"\r\n"))' "$C/text.txt" "$C/want"
  same "$C/want" "$(D crlf.txt)" "put --text --remote-newline crlf"
  must get --text --remote-newline crlf "$(R crlf.txt)" "$C/down/back.txt"
  same "$C/text.txt" "$C/down/back.txt" "get --text --remote-newline crlf"
  must put --text "$C/text.txt" "$(R lf.txt)"
  same "$C/text.txt" "$(D lf.txt)" "put --text with the server's LF"
  status=0; xf get --text --resume "$(R lf.txt)" "$C/down/x.txt" || status=$?
  [[ $status -eq 2 ]] || fail "$SERVER: --text --resume exited $status"

  # Several files into a directory, with a remote mask; a failure in the middle of a queue.
  mkdir -p "$(D multi)"
  must put "$C/a.bin" "$C/b.bin" "$C/c.bin" "$(R multi)"
  mkdir -p "$C/down/multi"
  GL=--json must get "$(R multi)/[ab].bin" "$C/down/multi/"
  same "$C/a.bin" "$C/down/multi/a.bin" "get mask"; same "$C/b.bin" "$C/down/multi/b.bin" "get mask"
  [[ ! -e "$C/down/multi/c.bin" && $(wc -l < "$WORK/out") -eq 2 ]] || fail "$SERVER: get mask: $(cat "$WORK/out")"
  mkdir -p "$(D multi2/b.bin)"   # a directory where the second file should go
  status=0; GL="--json --parallel 1" xf put "$C/a.bin" "$C/b.bin" "$C/c.bin" "$(R multi2)" || status=$?
  [[ $status -eq 1 ]] || fail "$SERVER: put with a failing file exited $status"
  grep -q "put $(R multi2)/b.bin: SSH_FX_" "$WORK/err" || fail "$SERVER: failure message: $(cat "$WORK/err")"
  [[ "$(json status 1) $(json status 2) $(json status 3)" == "ok error cancelled" ]] || fail "$SERVER: queue report: $(cat "$WORK/out")"
  [[ "$(json error 2)" == SSH_FX_* ]] || fail "$SERVER: no SSH_FX name in $(sed -n 2p "$WORK/out")"

  # A refused get leaves nothing behind.
  status=0; xf get "$(R missing.bin)" "$C/down/missing.bin" || status=$?
  [[ $status -eq 1 ]] && grep -q "$(R missing.bin): SSH_FX_NO_SUCH_FILE" "$WORK/err" || fail "$SERVER: missing: $status $(cat "$WORK/err")"
  [[ ! -e "$C/down/missing.bin" && ! -e "$C/down/missing.bin.part" ]] || fail "$SERVER: a refused get left a file"

  # JSON: names that need escaping, sha256 of the local file.
  weird=$'we"ird\\na\tme.bin'
  cp "$C/c.bin" "$C/$weird"
  GL="--json --sha256" must put "$C/$weird" "$(R "$weird")"
  same "$C/c.bin" "$(D "$weird")" "put of an odd name"
  [[ "$(json local)" == "$C/$weird" && "$(json remote)" == "$(R "$weird")" ]] || fail "$SERVER: JSON names: $(cat "$WORK/out")"
  [[ "$(json sha256)" == "$(sha "$C/c.bin")" && "$(json op)" == put && "$(json status)" == ok ]] || fail "$SERVER: JSON: $(cat "$WORK/out")"
  [[ "$(json bytes)" == 300001 && "$(json ms)" -ge 0 ]] || fail "$SERVER: JSON bytes/ms: $(cat "$WORK/out")"
  pass "$SERVER: ranges, offsets, append, resume, overwrite policies, -p, --text, queues, JSON"
done

# Progress: drawn on a pty (script gives one), never without a terminal or with --no-progress.
SERVER=wharfd
head -c 8000000 /dev/urandom > "$C/big.bin"
must put "$C/big.bin" /big.bin
cmd="$WHARF sftp -p $port --known-hosts $WORK/client/known_hosts -i $WORK/client/id_ed25519 --requests 1 --request-size 16384 get alice@127.0.0.1:/big.bin $C/tty.bin"
script -qec "$cmd" /dev/null > "$WORK/tty" 2>&1 || fail "get on a pty: $(cat "$WORK/tty")"
same "$C/big.bin" "$C/tty.bin" "get on a pty"
grep -q 'ETA' "$WORK/tty" && grep -q '%' "$WORK/tty" && grep -q '/s' "$WORK/tty" && grep -q 'big.bin' "$WORK/tty" \
  || fail "no progress bar on a pty: $(cat -v "$WORK/tty" | head -5)"
script -qec "${cmd/ get / --no-progress get }" /dev/null > "$WORK/tty2" 2>&1 || fail "--no-progress: $(cat "$WORK/tty2")"
! grep -q 'ETA' "$WORK/tty2" || fail "--no-progress still drew progress"
must get /big.bin "$C/notty.bin"
[[ ! -s "$WORK/err" && ! -s "$WORK/out" ]] || fail "output without a terminal: $(cat "$WORK/out" "$WORK/err")"
pass "progress bar on a pty, silence without one"
