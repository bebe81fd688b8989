#!/usr/bin/env bash
# How `wharf sftp` and `wharf exec` connect and log on, against a private OpenSSH sshd and
# against wharfd: passwords (flag, terminal prompt, none at all), keys in OpenSSH, PKCS#1, SEC1
# and PKCS#8 form (plain and encrypted; passphrase from the environment or the terminal, wrong
# passphrase), keyboard-interactive (answers from flags, the environment or the terminal),
# host keys (known_hosts, pins as SHA256/SHA1/MD5/hex, refusals naming all fingerprints),
# keepalives (an idle session survives, a peer that stops answering is given up), the connect
# timeout and the session timeout.
#
# sshd checks passwords against /etc/shadow. To give root a password without touching the real
# one, sshd runs in a private mount namespace with a shadow file of our own bound over it (and,
# for keyboard-interactive, which sshd only offers usefully through PAM, a pam.d/sshd of our own
# too). Those sshd parts are skipped when unshare(1) is not allowed here.
source "$(dirname "$0")/lib.sh"
me=$(id -un)
C="$WORK/client"
mkdir -p "$C" "$WORK/bin" "$WORK/data/alice" "$WORK/data/kim"

# expect_failure WHAT PATTERN CMD...: CMD must exit 255 with PATTERN in its stderr.
expect_failure() {
  local what=$1 pattern=$2 status=0; shift 2
  "$@" > "$WORK/out" 2> "$WORK/err" < /dev/null || status=$?
  [[ $status -eq 255 ]] || fail "$what: exit $status, not 255: $(cat "$WORK/err")"
  grep -q -- "$pattern" "$WORK/err" || fail "$what: no '$pattern' in: $(cat "$WORK/err")"
  echo "  $what: $(tail -1 "$WORK/err")"
}

# on_terminal INPUT CMD: runs the shell command CMD with a terminal of its own (script(1)),
# typing INPUT into it; the terminal's text goes to $WORK/tty.
on_terminal() {
  printf '%s' "$1" | timeout 30 script -qec "$2" /dev/null > "$WORK/tty" 2>&1
}

# ---- keys ------------------------------------------------------------------------------------
ssh-keygen -q -t ed25519 -N '' -f "$C/ed25519"                          # OpenSSH, plain
ssh-keygen -q -t ecdsa -b 384 -N 'ecdsa phrase' -f "$C/ecdsa_enc"       # OpenSSH, encrypted
ssh-keygen -q -t rsa -b 2048 -m PEM -N '' -f "$C/rsa_pkcs1"             # PKCS#1
ssh-keygen -q -t ecdsa -b 256 -m PEM -N '' -f "$C/ecdsa_sec1"           # SEC1
ssh-keygen -q -t rsa -b 2048 -m PEM -N 'pem phrase' -f "$C/rsa_pem_enc" # encrypted PKCS#1: Botan cannot
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$C/pkcs8" 2> /dev/null
openssl pkcs8 -topk8 -v2 aes-256-cbc -in "$C/pkcs8" -passout pass:'p8 phrase' -out "$C/pkcs8_enc"
chmod 600 "$C"/*
ssh-keygen -y -f "$C/pkcs8" > "$C/pkcs8.pub"
cp "$C/pkcs8.pub" "$C/pkcs8_enc.pub"
grep -q "BEGIN ENCRYPTED PRIVATE KEY" "$C/pkcs8_enc" || fail "openssl made no encrypted PKCS#8 key"
grep -q "BEGIN RSA PRIVATE KEY" "$C/rsa_pkcs1" && grep -q "BEGIN EC PRIVATE KEY" "$C/ecdsa_sec1" || fail "ssh-keygen -m PEM"
cat "$C"/{ed25519,ecdsa_enc,rsa_pkcs1,ecdsa_sec1,pkcs8}.pub > "$C/all.pub"
export ECDSA_PHRASE='ecdsa phrase' P8_PHRASE='p8 phrase' WRONG_PHRASE='not the phrase' WRONG_PW='wrong password'

# ---- the private sshd ----------------------------------------------------------------------
namespaces=0
if unshare --mount bash -c 'mount --bind /etc/shadow /etc/shadow && mount --bind /etc/pam.d/sshd /etc/pam.d/sshd' 2> /dev/null; then
  namespaces=1
fi
sshd_password='sshd-Pw 7'
if (( namespaces )); then
  hash=$(openssl passwd -6 "$sshd_password")
  awk -F: -v OFS=: -v user="$me" -v hash="$hash" '$1 == user { $2 = hash } 1' /etc/shadow > "$WORK/shadow"
  chmod 600 "$WORK/shadow"
  printf '%s\n' 'auth required pam_unix.so' 'account required pam_unix.so' 'session required pam_permit.so' \
    'password required pam_deny.so' > "$WORK/pam-sshd"
  # start_private_sshd runs the first sshd on PATH: this one sees our shadow (and pam.d/sshd).
  cat > "$WORK/bin/sshd" <<'SH'
#!/bin/bash
exec unshare --mount bash -c 'mount --bind "$0" /etc/shadow && mount --bind "$1" /etc/pam.d/sshd && shift && exec /usr/sbin/sshd "$@"' \
  "$WRAPPED_SHADOW" "$WRAPPED_PAM" "$@"
SH
  chmod 755 "$WORK/bin/sshd"
  export WRAPPED_SHADOW="$WORK/shadow" WRAPPED_PAM="$WORK/pam-sshd"
  PATH="$WORK/bin:$PATH" start_private_sshd "$C/all.pub" "Subsystem sftp internal-sftp" \
    "Match all" "PasswordAuthentication yes" "PermitRootLogin yes"
else
  echo "note: unshare --mount is not allowed here; sshd password and keyboard-interactive checks skipped"
  start_private_sshd "$C/all.pub" "Subsystem sftp internal-sftp"
fi
sshd_port=$SSHD_PORT
echo "[127.0.0.1]:$sshd_port $(cat "$SSHD_HOST_KEY")" > "$C/known_hosts"
sshd_exec=("$WHARF" exec -p "$sshd_port" --known-hosts "$C/known_hosts")
sshd_sftp=("$WHARF" sftp -p "$sshd_port" --known-hosts "$C/known_hosts")

# Keys: every format, through exec and sftp; passphrases from the environment.
for key in ed25519 rsa_pkcs1 ecdsa_sec1 pkcs8; do
  out=$("${sshd_exec[@]}" -i "$C/$key" "$me@127.0.0.1" echo "key $key" 2> "$WORK/err") || fail "sshd, key $key: $(cat "$WORK/err")"
  [[ "$out" == "key $key" ]] || fail "sshd, key $key: output '$out'"
done
"${sshd_exec[@]}" -i "$C/ecdsa_enc" --passphrase-env ECDSA_PHRASE "$me@127.0.0.1" true 2> "$WORK/err" \
  || fail "sshd, encrypted OpenSSH key: $(cat "$WORK/err")"
"${sshd_sftp[@]}" -i "$C/pkcs8_enc" --passphrase-env P8_PHRASE ls "$me@127.0.0.1:/" > "$WORK/out" 2> "$WORK/err" \
  || fail "sshd, encrypted PKCS#8 key over sftp: $(cat "$WORK/err")"
grep -qx "etc" "$WORK/out" || fail "sftp ls / against sshd: $(cat "$WORK/out")"
# A key that is not authorized is tried and the next one used.
ssh-keygen -q -t ed25519 -N '' -f "$C/stranger"
"${sshd_exec[@]}" -i "$C/stranger" -i "$C/ed25519" "$me@127.0.0.1" true 2> "$WORK/err" || fail "second key: $(cat "$WORK/err")"
pass "sshd: ed25519 (OpenSSH), RSA (PKCS#1), ECDSA (SEC1), PKCS#8 plain and encrypted, encrypted OpenSSH ECDSA"

expect_failure "wrong passphrase" "wrong passphrase" "${sshd_exec[@]}" -i "$C/ecdsa_enc" --passphrase-env WRONG_PHRASE "$me@127.0.0.1" true
grep -q "$WRONG_PHRASE" "$WORK/err" && fail "the passphrase was printed"
expect_failure "encrypted key, no passphrase, no terminal" "encrypted" setsid -w "${sshd_exec[@]}" -i "$C/ecdsa_enc" "$me@127.0.0.1" true
expect_failure "encrypted PKCS#1" "rsa_pem_enc" "${sshd_exec[@]}" -i "$C/rsa_pem_enc" --passphrase-env WRONG_PHRASE "$me@127.0.0.1" true
expect_failure "unauthorized key" "authentication failed for $me@127.0.0.1 (tried publickey with stranger" \
  "${sshd_exec[@]}" -i "$C/stranger" "$me@127.0.0.1" true
expect_failure "no credentials, no terminal" "no credentials" setsid -w "${sshd_exec[@]}" "$me@127.0.0.1" true
on_terminal $'ecdsa phrase\n' "${sshd_exec[*]} -i $C/ecdsa_enc $me@127.0.0.1 echo via-tty" || fail "passphrase on the terminal: $(cat "$WORK/tty")"
grep -q "Enter passphrase for key $C/ecdsa_enc: " "$WORK/tty" || fail "no passphrase prompt: $(cat "$WORK/tty")"
grep -q "via-tty" "$WORK/tty" || fail "passphrase on the terminal: no output: $(cat "$WORK/tty")"
pass "sshd: wrong passphrase, missing passphrase, unreadable format, unauthorized key, no credentials; passphrase asked on the terminal"

if (( namespaces )); then
  export SSHD_PW="$sshd_password"
  out=$("${sshd_exec[@]}" --password-env SSHD_PW "$me@127.0.0.1" echo pw 2> "$WORK/err") || fail "sshd password: $(cat "$WORK/err")"
  [[ "$out" == "pw" ]] || fail "sshd password: output '$out'"
  expect_failure "sshd wrong password" "authentication failed for $me@127.0.0.1 (tried password" \
    "${sshd_exec[@]}" --password-env WRONG_PW "$me@127.0.0.1" true
  grep -q "$WRONG_PW" "$WORK/err" && fail "the password was printed"
  on_terminal "$sshd_password"$'\n' "${sshd_exec[*]} $me@127.0.0.1 echo pw-tty" || fail "password on the terminal: $(cat "$WORK/tty")"
  grep -q "$me@127.0.0.1's password: " "$WORK/tty" && grep -q "pw-tty" "$WORK/tty" || fail "password prompt: $(cat "$WORK/tty")"
  # keyboard-interactive needs PAM in sshd (UsePAM cannot go in a Match block): a second sshd.
  kbd_port=$(free_port)
  sed -e 's/^UsePAM no/UsePAM yes/' -e "s/^Port .*/Port $kbd_port/" -e 's/^KbdInteractiveAuthentication no/KbdInteractiveAuthentication yes/' \
    "$WORK/sshd/sshd_config" > "$WORK/sshd/pam_config"
  "$WORK/bin/sshd" -D -e -f "$WORK/sshd/pam_config" 2> "$WORK/sshd/pam_log" &
  PAM_SSHD_PID=$!
  trap 'kill $SSHD_PID $PAM_SSHD_PID 2>/dev/null || true; cleanup' EXIT
  for _ in $(seq 100); do (echo > "/dev/tcp/127.0.0.1/$kbd_port") 2> /dev/null && break; sleep 0.05; done
  echo "[127.0.0.1]:$kbd_port $(cat "$SSHD_HOST_KEY")" >> "$C/known_hosts"
  out=$("${sshd_exec[@]}" -p "$kbd_port" --kbd-answer "$sshd_password" "$me@127.0.0.1" echo kbd 2> "$WORK/err") \
    || fail "sshd keyboard-interactive: $(cat "$WORK/err") $(cat "$WORK/sshd/pam_log")"
  [[ "$out" == "kbd" ]] || fail "sshd keyboard-interactive: output '$out'"
  expect_failure "sshd keyboard-interactive, wrong answer" "tried keyboard-interactive" \
    "${sshd_exec[@]}" -p "$kbd_port" --kbd-answer nope "$me@127.0.0.1" true
  pass "sshd: password from the environment and the terminal, wrong password; keyboard-interactive through PAM"
fi

# ---- host keys -----------------------------------------------------------------------------
fp() { ssh-keygen -l -E "$1" -f "$SSHD_HOST_KEY" | cut -d' ' -f2; }
sha256_hex=$($PY -c 'import base64,sys; s=sys.argv[1].split(":",1)[1]; print(base64.b64decode(s + "=" * (-len(s) % 4)).hex().upper())' "$(fp sha256)")
md5_bare=$(fp md5 | cut -d: -f2- | tr -d :)
pinned=("$WHARF" exec -p "$sshd_port" -i "$C/ed25519")
for pin in "$(fp sha256)" "$(fp sha1)" "$(fp md5)" "$sha256_hex" "$md5_bare" "$(echo "$md5_bare" | sed 's/../&:/g; s/:$//' | tr a-f A-F)"; do
  "${pinned[@]}" --fingerprint "$pin" "$me@127.0.0.1" true 2> "$WORK/err" || fail "pin $pin refused: $(cat "$WORK/err")"
done
"${pinned[@]}" --fingerprint SHA1:AAAAAAAAAAAAAAAAAAAAAAAAAAA --fingerprint "$(fp sha1)" "$me@127.0.0.1" true 2> "$WORK/err" \
  || fail "second of two pins refused: $(cat "$WORK/err")"
for wrong in SHA256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA 00112233445566778899aabbccddeeff; do
  expect_failure "wrong pin $wrong" "host key refused" "${pinned[@]}" --fingerprint "$wrong" "$me@127.0.0.1" true
  for shown in ssh-ed25519 "$(fp sha256)" "$(fp sha1)" "$(fp md5)"; do
    grep -qF -- "$shown" "$WORK/err" || fail "the refusal does not show $shown: $(cat "$WORK/err")"
  done
done
status=0
"${pinned[@]}" --fingerprint SHA256:short "$me@127.0.0.1" true 2> "$WORK/err" || status=$?
[[ $status -eq 2 ]] || fail "a malformed pin exited $status"
: > "$C/empty_known_hosts"
expect_failure "unknown host" "is not in $C/empty_known_hosts" "${pinned[@]}" --known-hosts "$C/empty_known_hosts" "$me@127.0.0.1" true
echo "[127.0.0.1]:$sshd_port $(cat "$C/ed25519.pub")" > "$C/changed_known_hosts"
expect_failure "changed host key" "HOST KEY CHANGED" "${pinned[@]}" --known-hosts "$C/changed_known_hosts" "$me@127.0.0.1" true
expect_failure "no host key policy" "no --known-hosts file or --fingerprint" "${pinned[@]}" "$me@127.0.0.1" true
"${pinned[@]}" --accept-any-host-key "$me@127.0.0.1" true || fail "--accept-any-host-key"
pass "host keys: pins as SHA256, SHA1, MD5, hex; wrong pins, unknown, changed and unchecked keys refused with all fingerprints"

# ---- keepalives and timeouts -----------------------------------------------------------------
# A proxy that forwards both ways until SIGUSR1, then swallows everything: a peer gone silent.
cat > "$WORK/proxy.py" <<'PY'
import signal, socket, sys, threading
listener = socket.socket(); listener.bind(("127.0.0.1", 0)); listener.listen(8)
print(listener.getsockname()[1], flush=True)
frozen = threading.Event()
signal.signal(signal.SIGUSR1, lambda *_: frozen.set())
def pipe(source, sink):
    while True:
        data = source.recv(65536)
        if not data:
            return
        if not frozen.is_set():
            sink.sendall(data)
while True:
    client, _ = listener.accept()
    server = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
    for a, b in ((client, server), (server, client)):
        threading.Thread(target=pipe, args=(a, b), daemon=True).start()
PY
# run_listener NAME ARGS...: a python helper in the background that prints its port first;
# sets LISTENER_PID and LISTENER_PORT. All are stopped when the test exits.
HELPER_PIDS=""
trap 'kill $SSHD_PID ${PAM_SSHD_PID:-} $HELPER_PIDS 2>/dev/null || true; cleanup' EXIT
run_listener() {
  local port_file="$WORK/$1.port"; shift
  $PY -u "$@" > "$port_file" &
  LISTENER_PID=$!
  HELPER_PIDS+=" $LISTENER_PID"
  for _ in $(seq 100); do [[ -s "$port_file" ]] && break; sleep 0.05; done
  LISTENER_PORT=$(head -1 "$port_file")
  [[ -n "$LISTENER_PORT" ]] || fail "helper $1 did not start"
}

out=$("${sshd_exec[@]}" -i "$C/ed25519" --keepalive 1 "$me@127.0.0.1" 'sleep 3; echo awake' 2> "$WORK/err") || fail "idle with keepalives: $(cat "$WORK/err")"
[[ "$out" == "awake" ]] || fail "idle with keepalives: '$out'"

# Freezing a peer: start_client CMD... runs CMD in the background; freeze PROXY_PID stops the
# proxy; expect_given_up requires the client to end with 255 within 8 s of the freeze.
start_client() {
  "$@" > "$WORK/out" 2> "$WORK/err" &
  CLIENT_PID=$!
}
freeze() {
  kill -USR1 "$1"
  FROZEN_AT=$EPOCHREALTIME
}
# expect_given_up [MESSAGE]: MESSAGE defaults to the keepalive one.
expect_given_up() {
  local status=0 took message=${1:-stopped answering}
  wait "$CLIENT_PID" || status=$?
  took=$($PY -c "print(round($EPOCHREALTIME - $FROZEN_AT, 1))")
  [[ $status -eq 255 ]] || fail "frozen peer: exit $status: $(cat "$WORK/err")"
  $PY -c "import sys; sys.exit(0 if $took < 8 else 1)" || fail "frozen peer noticed only after ${took}s"
  grep -q "$message" "$WORK/err" || fail "frozen peer: no '$message' in: $(cat "$WORK/err")"
  echo "  frozen peer given up after ${took}s: $(tail -1 "$WORK/err")"
}
run_listener sshd_proxy "$WORK/proxy.py" "$sshd_port"
echo "[127.0.0.1]:$LISTENER_PORT $(cat "$SSHD_HOST_KEY")" >> "$C/known_hosts"
start_client "$WHARF" exec -p "$LISTENER_PORT" -i "$C/ed25519" --known-hosts "$C/known_hosts" \
  --keepalive 1 --keepalive-max 2 "$me@127.0.0.1" 'echo started; sleep 20'
for _ in $(seq 200); do grep -q started "$WORK/out" && break; sleep 0.05; done
grep -q started "$WORK/out" || fail "exec through the proxy did not start: $(cat "$WORK/err")"
freeze "$LISTENER_PID"
expect_given_up
pass "keepalives against sshd: an idle session lives, a silent peer is given up"

# A listener that accepts and never speaks: the connect timeout.
cat > "$WORK/mute.py" <<'PY'
import socket
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(8); print(s.getsockname()[1], flush=True)
held = []
while True:
    held.append(s.accept()[0])
PY
run_listener mute "$WORK/mute.py"
mute_port=$LISTENER_PORT
for tool in exec sftp; do
  started=$EPOCHREALTIME
  if [[ $tool == exec ]]; then
    expect_failure "mute server ($tool)" "timed out after 1.5 s connecting to 127.0.0.1:$mute_port: no SSH identification" \
      "$WHARF" exec -p "$mute_port" -i "$C/ed25519" --accept-any-host-key --connect-timeout 1.5 "$me@127.0.0.1" true
  else
    expect_failure "mute server ($tool)" "timed out after 1.5 s connecting" \
      "$WHARF" sftp -p "$mute_port" -i "$C/ed25519" --accept-any-host-key --connect-timeout 1.5 ls "$me@127.0.0.1:/"
  fi
  $PY -c "import sys; sys.exit(0 if $EPOCHREALTIME - $started < 4.5 else 1)" || fail "the connect timeout took too long"
done
pass "connect timeout against a server that never speaks (exec and sftp)"

# ---- wharfd ----------------------------------------------------------------------------------
port=$(free_port)
alice_hash=$(make_hash 'alice pw')
kim_hash=$(make_hash 'kim code')
{
  echo "server: {state_dir: state, workers: 1, shutdown_grace: 2s}"
  echo "ssh: {listen: [\"127.0.0.1:$port\"]}"
  echo "users:"
  echo "  - name: alice"
  echo "    password: \"$alice_hash\""
  echo "    root: data/alice"
  echo "    authorized_keys:"
  while read -r line; do echo "      - \"$line\""; done < "$C/all.pub"
  echo "  - {name: kim, password: \"$kim_hash\", root: data/kim, auth_methods: [keyboard-interactive]}"
} > "$WORK/wharf.yaml"
start_wharfd --config "$WORK/wharf.yaml"
wait_for_event server.ready
echo "[127.0.0.1]:$port $(cut -d' ' -f1-2 "$WORK/state/ssh_host_ed25519_key.pub")" > "$C/wharf_known_hosts"
echo "from wharfd" > "$WORK/data/alice/hello.txt"
w_sftp=("$WHARF" sftp -p "$port" --known-hosts "$C/wharf_known_hosts")

for key in ed25519 rsa_pkcs1 ecdsa_sec1 pkcs8; do
  "${w_sftp[@]}" -i "$C/$key" ls alice@127.0.0.1:/ > "$WORK/out" 2> "$WORK/err" || fail "wharfd, key $key: $(cat "$WORK/err")"
  grep -qx hello.txt "$WORK/out" || fail "wharfd, key $key: ls gave $(cat "$WORK/out")"
done
"${w_sftp[@]}" -i "$C/ecdsa_enc" --passphrase-env ECDSA_PHRASE ls alice@127.0.0.1:/ > /dev/null 2> "$WORK/err" \
  || fail "wharfd, encrypted OpenSSH key: $(cat "$WORK/err")"
"${w_sftp[@]}" -i "$C/pkcs8_enc" --passphrase-env P8_PHRASE get alice@127.0.0.1:/hello.txt "$C/got.txt" 2> "$WORK/err" \
  || fail "wharfd, encrypted PKCS#8 key: $(cat "$WORK/err")"
cmp -s "$C/got.txt" "$WORK/data/alice/hello.txt" || fail "wharfd: the file came back different"
expect_failure "wharfd, wrong passphrase" "wrong passphrase" "${w_sftp[@]}" -i "$C/pkcs8_enc" --passphrase-env WRONG_PHRASE ls alice@127.0.0.1:/
pass "wharfd: every key format, encrypted keys, wrong passphrase"

export ALICE_PW='alice pw' KIM_CODE='kim code' KIM_ANSWERS=$'kim code\n'
"${w_sftp[@]}" --password-env ALICE_PW ls alice@127.0.0.1:/ > /dev/null 2> "$WORK/err" || fail "wharfd password: $(cat "$WORK/err")"
expect_failure "wharfd wrong password" "authentication failed for alice@127.0.0.1 (tried keyboard-interactive, password" \
  "${w_sftp[@]}" --password-env WRONG_PW ls alice@127.0.0.1:/
on_terminal $'alice pw\n' "${w_sftp[*]} ls alice@127.0.0.1:/" || fail "wharfd password on the terminal: $(cat "$WORK/tty")"
grep -q "alice@127.0.0.1's password: " "$WORK/tty" && grep -q hello.txt "$WORK/tty" || fail "wharfd password prompt: $(cat "$WORK/tty")"
expect_failure "wharfd, no credentials, no terminal" "no credentials" setsid -w "${w_sftp[@]}" ls alice@127.0.0.1:/
# kim logs on with keyboard-interactive only: answers from a flag, the environment, the terminal.
"${w_sftp[@]}" --kbd-answer 'kim code' ls kim@127.0.0.1:/ > /dev/null 2> "$WORK/err" || fail "kbd answer flag: $(cat "$WORK/err")"
"${w_sftp[@]}" --kbd-answers-env KIM_ANSWERS ls kim@127.0.0.1:/ > /dev/null 2> "$WORK/err" || fail "kbd answers env: $(cat "$WORK/err")"
expect_failure "wrong kbd answer" "tried keyboard-interactive" "${w_sftp[@]}" --kbd-answer 'not it' ls kim@127.0.0.1:/
# With a (refused) key as the credential, nothing answers the prompt but the terminal.
on_terminal $'kim code\n' "${w_sftp[*]} -i $C/stranger ls kim@127.0.0.1:/" || fail "kbd on the terminal: $(cat "$WORK/tty")"
grep -q "Password: " "$WORK/tty" || fail "no keyboard-interactive prompt on the terminal: $(cat "$WORK/tty")"
expect_failure "kbd without answers or terminal" "asked 'Password: ' and had no answer" \
  setsid -w "${w_sftp[@]}" -i "$C/stranger" ls kim@127.0.0.1:/
pass "wharfd: password (environment, terminal, wrong); keyboard-interactive (flag, environment, terminal, wrong, none)"

wfp=$(ssh-keygen -l -E md5 -f "$WORK/state/ssh_host_ed25519_key.pub" | cut -d' ' -f2 | cut -d: -f2- | tr -d :)
"$WHARF" sftp -p "$port" -i "$C/ed25519" --fingerprint "$wfp" ls alice@127.0.0.1:/ > /dev/null 2> "$WORK/err" \
  || fail "wharfd hex MD5 pin: $(cat "$WORK/err")"
expect_failure "wharfd wrong pin" "host key refused" "$WHARF" sftp -p "$port" -i "$C/ed25519" --fingerprint "$(fp sha256)" ls alice@127.0.0.1:/
run_listener wharfd_proxy "$WORK/proxy.py" "$port"
echo "[127.0.0.1]:$LISTENER_PORT $(cut -d' ' -f1-2 "$WORK/state/ssh_host_ed25519_key.pub")" >> "$C/wharf_known_hosts"
# A batch from a pipe: one listing, then (the proxy frozen meanwhile) another that meets silence.
mkfifo "$WORK/batch"
exec {batch_fd}<> "$WORK/batch"
echo "ls /" >&"$batch_fd"
sessions_before=$(count_events sftp.session.start)
start_client "${w_sftp[@]}" -p "$LISTENER_PORT" -i "$C/ed25519" --keepalive 1 --keepalive-max 2 -b "$WORK/batch" alice@127.0.0.1
wait_for_event sftp.session.start $((sessions_before + 1))
sleep 0.5  # the first listing is done
freeze "$LISTENER_PID"
echo "ls /" >&"$batch_fd"
expect_given_up
# Without keepalives, the session timeout is what gives a silent server up.
run_listener wharfd_proxy2 "$WORK/proxy.py" "$port"
echo "[127.0.0.1]:$LISTENER_PORT $(cut -d' ' -f1-2 "$WORK/state/ssh_host_ed25519_key.pub")" >> "$C/wharf_known_hosts"
echo "ls /" >&"$batch_fd"
sessions_before=$(count_events sftp.session.start)
start_client "${w_sftp[@]}" -p "$LISTENER_PORT" -i "$C/ed25519" --timeout 1.5 -b "$WORK/batch" alice@127.0.0.1
wait_for_event sftp.session.start $((sessions_before + 1))
sleep 0.5
freeze "$LISTENER_PID"
echo "ls /" >&"$batch_fd"
expect_given_up "timed out: the server sent nothing for 1.5 s"
stop_wharfd_within 3
pass "wharfd: MD5 hex pin, wrong pin; a silent wharfd given up through keepalives, and through the session timeout"
