#!/usr/bin/env bash
# wharf's SSH client (`wharf exec`) against a private OpenSSH sshd started here (its own config
# and host key on a loopback port) and against wharf's own server: host key checking by
# known_hosts and pinned fingerprint, key and password authentication, data both ways.
source "$(dirname "$0")/lib.sh"
: "${SSH_TEST_SERVER:?set by ctest}"
me=$(id -un)
mkdir -p "$WORK/client"
ssh-keygen -q -t ed25519 -N '' -f "$WORK/client/id_ed25519"
start_private_sshd "$WORK/client/id_ed25519.pub"
sshd_port=$SSHD_PORT

echo "[127.0.0.1]:$sshd_port $(cat "$SSHD_HOST_KEY")" > "$WORK/client/known_hosts"
client=("$WHARF" exec -p "$sshd_port" -i "$WORK/client/id_ed25519" --known-hosts "$WORK/client/known_hosts")

out=$("${client[@]}" "$me@127.0.0.1" echo hello from sshd 2> "$WORK/err") || { cat "$WORK/err" "$WORK/sshd/log"; fail "exec against sshd"; }
[[ "$out" == "hello from sshd" ]] || fail "sshd echo returned '$out'"
head -c 3000000 /dev/urandom > "$WORK/in"
"${client[@]}" "$me@127.0.0.1" cat < "$WORK/in" > "$WORK/out" 2> "$WORK/err" || { cat "$WORK/err"; fail "cat through sshd"; }
cmp -s "$WORK/in" "$WORK/out" || fail "3 MB through sshd's cat came back different"
status=0
"${client[@]}" "$me@127.0.0.1" exit 7 2> /dev/null || status=$?
[[ $status -eq 7 ]] || fail "exit status 7 came back as $status"
for kex in curve25519-sha256 ecdh-sha2-nistp256 diffie-hellman-group-exchange-sha256 diffie-hellman-group16-sha512; do
  out=$("${client[@]}" --kex "$kex" "$me@127.0.0.1" echo ok 2> "$WORK/err") || { cat "$WORK/err"; fail "kex $kex against sshd"; }
done
for cipher in aes256-gcm@openssh.com aes128-ctr chacha20-poly1305@openssh.com; do
  out=$("${client[@]}" --cipher "$cipher" "$me@127.0.0.1" echo ok 2> "$WORK/err") || { cat "$WORK/err"; fail "cipher $cipher against sshd"; }
done
pass "wharf exec against OpenSSH sshd: output, 3 MB both ways, exit status, 4 KEX and 3 ciphers"

# Host key checks: an unknown host and a wrong pinned fingerprint are both refused.
: > "$WORK/client/empty_known_hosts"
if "$WHARF" exec -p "$sshd_port" -i "$WORK/client/id_ed25519" --known-hosts "$WORK/client/empty_known_hosts" \
     "$me@127.0.0.1" true 2> "$WORK/err"; then fail "an unknown host key was accepted"; fi
grep -q "host key refused" "$WORK/err" || fail "unknown host: wrong message: $(cat "$WORK/err")"
if "$WHARF" exec -p "$sshd_port" -i "$WORK/client/id_ed25519" --fingerprint SHA256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA \
     "$me@127.0.0.1" true 2> "$WORK/err"; then fail "a wrong pinned fingerprint was accepted"; fi
right=$(ssh-keygen -l -E sha256 -f "$SSHD_HOST_KEY" | cut -d' ' -f2)
"$WHARF" exec -p "$sshd_port" -i "$WORK/client/id_ed25519" --fingerprint "$right" "$me@127.0.0.1" true \
  || fail "the right pinned fingerprint was refused"
pass "host keys: known_hosts, pinned fingerprint, refusals"

# And against wharf's own server, with password authentication.
port=$(free_port)
mkdir -p "$WORK/data/alice"
hash=$(make_hash 'client-pw')
cat > "$WORK/wharf.yaml" <<YAML
server: {state_dir: state, workers: 1, shutdown_grace: 2s}
ssh: {listen: ["127.0.0.1:$port"]}
users:
  - {name: alice, password: "$hash", root: data/alice}
YAML
: > "$WORK/wharfd.log"
"$SSH_TEST_SERVER" --config "$WORK/wharf.yaml" > "$WORK/wharfd.stdout" 2> "$WORK/wharfd.log" &
WHARFD_PID=$!
wait_for_event server.ready
echo "[127.0.0.1]:$port $(cut -d' ' -f1-2 "$WORK/state/ssh_host_ed25519_key.pub")" > "$WORK/client/wharf_known_hosts"
bytes=$(WHARF_PW=client-pw "$WHARF" exec -p "$port" --password-env WHARF_PW --known-hosts "$WORK/client/wharf_known_hosts" \
        alice@127.0.0.1 source 2000000 | wc -c) || fail "exec against wharf"
[[ "$bytes" == "2000000" ]] || fail "source 2000000 gave $bytes bytes"
stop_wharfd_within 3
pass "wharf exec against wharf's server with a password"
