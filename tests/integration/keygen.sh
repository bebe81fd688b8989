#!/usr/bin/env bash
# wharf keygen writes OpenSSH keys that ssh-keygen reads; wharf passwd hashes verify with
# independent argon2 code.
source "$(dirname "$0")/lib.sh"

for type in ed25519 ecdsa ecdsa-384 ecdsa-521 rsa; do
  "$WHARF" keygen -t "$type" -C "test-$type" -f "$WORK/key_$type" > "$WORK/out"
  [[ "$(stat -c %a "$WORK/key_$type")" == "600" ]] || fail "$type key is not 0600"
  [[ "$(ssh-keygen -y -f "$WORK/key_$type" | cut -d' ' -f1-2)" == "$(cut -d' ' -f1-2 "$WORK/key_$type.pub")" ]] \
    || fail "ssh-keygen disagrees on the $type public key"
  ours=$(head -1 "$WORK/out")
  theirs=$(ssh-keygen -l -E sha256 -f "$WORK/key_$type.pub" | cut -d' ' -f2)
  [[ "$ours" == "$theirs" ]] || fail "$type fingerprint $ours != ssh-keygen's $theirs"
done
pass "keygen: 5 key types read by ssh-keygen with matching fingerprints"

if "$WHARF" keygen -t ed25519 -f "$WORK/key_ed25519" 2> /dev/null; then fail "keygen overwrote an existing key"; fi
pass "keygen refuses to overwrite"

hash=$(printf 'sesame\n' | "$WHARF" passwd --stdin)
[[ "$hash" == '$argon2id$v=19$'* ]] || fail "passwd did not print an argon2id hash: $hash"
$PY -c 'import sys, argon2; argon2.PasswordHasher().verify(sys.argv[1], "sesame")' "$hash" || fail "argon2-cffi rejects our hash"
if $PY -c 'import sys, argon2; argon2.PasswordHasher().verify(sys.argv[1], "wrong")' "$hash" 2>/dev/null; then
  fail "argon2-cffi accepts a wrong password"
fi
pass "passwd hash verified by argon2-cffi"
