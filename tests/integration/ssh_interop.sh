#!/usr/bin/env bash
# Debian's OpenSSH client against wharf's SSH server: one connection per KEX, host key,
# cipher and MAC it supports (forced with -o), password, publickey (ed25519, ecdsa, rsa) and
# keyboard-interactive authentication, compression, and a 50 MB transfer across rekeys
# forced by both sides. The server is tests/support/ssh_test_server: wharfd's Server and SSH
# service with stand-in channel handlers (echo, source N, sink).
source "$(dirname "$0")/lib.sh"
: "${SSH_TEST_SERVER:?set by ctest}"
command -v ssh > /dev/null || fail "OpenSSH client missing (packaging/install-deps.sh installs openssh-client)"

port=$(free_port)
mkdir -p "$WORK/data/alice" "$WORK/data/kim" "$WORK/client"
for type in ed25519 ecdsa rsa; do ssh-keygen -q -t "$type" -N '' -C "alice-$type" -f "$WORK/client/id_$type"; done
hash=$(make_hash 'alice-pw')
cat > "$WORK/wharf.yaml" <<YAML
server:
  state_dir: state
  workers: 2
  shutdown_grace: 2s
ssh:
  listen: ["127.0.0.1:$port"]
  rekey_limit: 4M
  auth_failure_delay: 50ms
  # Everything Debian's OpenSSH still speaks, legacy included, so each can be forced below.
  kex_algorithms: [curve25519-sha256, curve25519-sha256@libssh.org, ecdh-sha2-nistp256, ecdh-sha2-nistp384,
                   ecdh-sha2-nistp521, diffie-hellman-group-exchange-sha256, diffie-hellman-group16-sha512,
                   diffie-hellman-group18-sha512, diffie-hellman-group14-sha256, diffie-hellman-group14-sha1,
                   diffie-hellman-group1-sha1, diffie-hellman-group-exchange-sha1]
  host_key_algorithms: [ssh-ed25519, ecdsa-sha2-nistp256, rsa-sha2-512, rsa-sha2-256, ssh-rsa]
  ciphers: [chacha20-poly1305@openssh.com, aes128-ctr, aes192-ctr, aes256-ctr, aes128-gcm@openssh.com,
            aes256-gcm@openssh.com, aes128-cbc, aes192-cbc, aes256-cbc, 3des-cbc]
  macs: [hmac-sha2-256-etm@openssh.com, hmac-sha2-512-etm@openssh.com, hmac-sha1-etm@openssh.com,
         hmac-sha2-256, hmac-sha2-512, hmac-sha1, hmac-md5, hmac-md5-96, hmac-sha1-96]
  compression: [none, zlib@openssh.com, zlib]
users:
  - name: alice
    password: "$hash"
    root: data/alice
    authorized_keys:
      - "$(cat "$WORK/client/id_ed25519.pub")"
      - "$(cat "$WORK/client/id_ecdsa.pub")"
      - "$(cat "$WORK/client/id_rsa.pub")"
  - name: kim
    password: "$hash"
    root: data/kim
    auth_methods: [keyboard-interactive]
YAML

: > "$WORK/wharfd.log"
"$SSH_TEST_SERVER" --config "$WORK/wharf.yaml" > "$WORK/wharfd.stdout" 2> "$WORK/wharfd.log" &
WHARFD_PID=$!
wait_for_event server.ready

base=(-F /dev/null -p "$port" -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR
      -o ConnectTimeout=10 -o ServerAliveInterval=0)
key_auth=(-o BatchMode=yes -o IdentitiesOnly=yes -i "$WORK/client/id_ed25519" -o PreferredAuthentications=publickey)

# echo_through OPTIONS...: sends a line through the echo subsystem and expects it back.
echo_through() {
  local out
  out=$(printf 'wharf says hello\n' | timeout 30 ssh "${base[@]}" "$@" -s alice@127.0.0.1 echo 2> "$WORK/ssh.err") \
    || { cat "$WORK/ssh.err"; return 1; }
  [[ "$out" == "wharf says hello" ]] || { echo "got: $out"; return 1; }
}

count=0
check() {  # check LABEL OPTIONS...
  local label=$1; shift
  echo_through "$@" || fail "$label"
  count=$((count + 1))
}

supported() { ssh -Q "$1" | grep -qx "$2"; }

for kex in curve25519-sha256 curve25519-sha256@libssh.org ecdh-sha2-nistp256 ecdh-sha2-nistp384 ecdh-sha2-nistp521 \
           diffie-hellman-group-exchange-sha256 diffie-hellman-group16-sha512 diffie-hellman-group18-sha512 \
           diffie-hellman-group14-sha256 diffie-hellman-group14-sha1 diffie-hellman-group1-sha1 \
           diffie-hellman-group-exchange-sha1; do
  supported kex "$kex" || { echo "skip kex $kex (client lacks it)"; continue; }
  check "kex $kex" "${key_auth[@]}" -o KexAlgorithms="$kex"
done
pass "every KEX algorithm"

for hostkey in ssh-ed25519 ecdsa-sha2-nistp256 rsa-sha2-512 rsa-sha2-256 ssh-rsa; do
  check "host key $hostkey" "${key_auth[@]}" -o HostKeyAlgorithms="$hostkey"
done
pass "every host key algorithm"

for cipher in chacha20-poly1305@openssh.com aes128-ctr aes192-ctr aes256-ctr aes128-gcm@openssh.com \
              aes256-gcm@openssh.com aes128-cbc aes192-cbc aes256-cbc 3des-cbc; do
  supported cipher "$cipher" || { echo "skip cipher $cipher (client lacks it)"; continue; }
  check "cipher $cipher" "${key_auth[@]}" -o Ciphers="$cipher"
done
pass "every cipher"

for mac in hmac-sha2-256-etm@openssh.com hmac-sha2-512-etm@openssh.com hmac-sha1-etm@openssh.com \
           hmac-sha2-256 hmac-sha2-512 hmac-sha1 hmac-md5 hmac-md5-96 hmac-sha1-96; do
  supported mac "$mac" || { echo "skip mac $mac (client lacks it)"; continue; }
  check "mac $mac" "${key_auth[@]}" -o Ciphers=aes128-ctr -o MACs="$mac"
done
pass "every MAC"

check "compression" "${key_auth[@]}" -C
for type in ecdsa rsa; do
  check "publickey $type" -o BatchMode=yes -o IdentitiesOnly=yes -i "$WORK/client/id_$type" -o PreferredAuthentications=publickey
done
pass "compression and publickey with ecdsa and rsa"

# Password and keyboard-interactive go through sshpass (a real terminal prompt for ssh).
if command -v sshpass > /dev/null; then
  out=$(printf 'pw test\n' | SSHPASS=alice-pw timeout 30 sshpass -e ssh "${base[@]}" -o PreferredAuthentications=password \
        -o PubkeyAuthentication=no -s alice@127.0.0.1 echo 2> "$WORK/ssh.err") || { cat "$WORK/ssh.err"; fail "password auth"; }
  [[ "$out" == "pw test" ]] || fail "password auth: echo returned '$out'"
  out=$(printf 'kbd test\n' | SSHPASS=alice-pw timeout 30 sshpass -e ssh "${base[@]}" -o PreferredAuthentications=keyboard-interactive \
        -o PubkeyAuthentication=no -s kim@127.0.0.1 echo 2> "$WORK/ssh.err") || { cat "$WORK/ssh.err"; fail "keyboard-interactive"; }
  [[ "$out" == "kbd test" ]] || fail "keyboard-interactive: echo returned '$out'"
  if SSHPASS=wrong timeout 30 sshpass -e ssh "${base[@]}" -o PreferredAuthentications=password -o PubkeyAuthentication=no \
       -o NumberOfPasswordPrompts=1 alice@127.0.0.1 -s echo < /dev/null 2> /dev/null; then
    fail "a wrong password was accepted"
  fi
  count=$((count + 3))
  pass "password, keyboard-interactive, and a wrong password refused"
else
  fail "sshpass missing (packaging/install-deps.sh installs it)"
fi

# 50 MB from the server across rekeys: the client forces one every 1 MB, the server every 4 MB.
size=$((50 * 1024 * 1024))
digest=$(timeout 120 ssh "${base[@]}" "${key_auth[@]}" -o RekeyLimit=1M alice@127.0.0.1 "source $size" | sha256sum | cut -d' ' -f1)
expected=$($PY -c "
import hashlib, sys
block = bytes(ord('a') + i % 26 for i in range(32768))
h = hashlib.sha256(); left = $size
while left: n = min(left, len(block)); h.update(block[:n]); left -= n
print(h.hexdigest())")
[[ "$digest" == "$expected" ]] || fail "50 MB download corrupted across rekeys"
# And 50 MB to the server the same way.
received=$(head -c "$size" /dev/urandom | timeout 120 ssh "${base[@]}" "${key_auth[@]}" -o RekeyLimit=1M alice@127.0.0.1 sink)
[[ "$received" == "$size" ]] || fail "upload across rekeys: server counted $received bytes"
rekeys=$(grep -c '"event":"ssh.kex".*"initial":false' "$WORK/wharfd.log" || true)
(( rekeys >= 20 )) || fail "expected many rekeys during 100 MB with RekeyLimit 1M, saw $rekeys"
pass "100 MB intact across $rekeys rekeys"

# SIGUSR1 asks every session for a key exchange now (the operator's rekey control).
before=$(grep -c '"event":"ssh.kex".*"initial":false' "$WORK/wharfd.log" || true)
(sleep 1.5; echo still here) | timeout 30 ssh "${base[@]}" "${key_auth[@]}" -s alice@127.0.0.1 echo > "$WORK/rekey.out" &
client=$!
sleep 0.8
kill -USR1 "$WHARFD_PID"
wait "$client" || fail "session during SIGUSR1 rekey failed"
[[ "$(cat "$WORK/rekey.out")" == "still here" ]] || fail "data lost across the SIGUSR1 rekey"
wait_for_event server.rekey.requested
after=$(grep -c '"event":"ssh.kex".*"initial":false' "$WORK/wharfd.log" || true)
(( after > before )) || fail "SIGUSR1 did not rekey the open session"
pass "SIGUSR1 rekeys open sessions; data intact"

# Garbage instead of a version line: refused with the right reason and a log line.
printf 'GET / HTTP/1.1\r\nHost: x\r\n\r\n' | timeout 10 $PY -c "
import socket, sys
s = socket.create_connection(('127.0.0.1', $port)); s.sendall(sys.stdin.buffer.read())
data = b''
while True:
    chunk = s.recv(4096)
    if not chunk: break
    data += chunk
print(data.split(b'\r\n')[0].decode())" > "$WORK/garbage.out"
grep -q '^SSH-2.0-wharf_' "$WORK/garbage.out" || fail "no version line before refusing garbage"
for _ in $(seq 50); do grep -q 'SSH_DISCONNECT_PROTOCOL_VERSION_NOT_SUPPORTED' "$WORK/wharfd.log" && break; sleep 0.1; done
grep -q '"event":"ssh.disconnect".*SSH_DISCONNECT_PROTOCOL_VERSION_NOT_SUPPORTED' "$WORK/wharfd.log" \
  || fail "garbage version line not logged as PROTOCOL_VERSION_NOT_SUPPORTED"
pass "garbage version line refused and logged"

assert_all_json
for event in ssh.connect ssh.kex ssh.auth.ok ssh.auth.fail ssh.disconnect; do
  (( $(count_events "$event") > 0 )) || fail "no $event log line"
done
stop_wharfd_within 3
pass "$count OpenSSH connections interoperated"
