#!/usr/bin/env bash
# Debian's OpenSSH sftp (and scp in its default SFTP mode) against wharfd: what OpenSSH's own
# regress suite covers for sftp (put/get with awkward names, -r trees, resumed transfers at
# every edge, rename, ln, ln -s, chmod, mkdir/rmdir/cd, df, cp, ls -l), every buffer size
# and request count combination, escapes out of the user's tree, a read-only folder, a quota,
# and the JSON log lines each operation leaves. Every file's SHA-256 is compared.
source "$(dirname "$0")/lib.sh"
command -v sftp > /dev/null || fail "OpenSSH sftp missing (packaging/install-deps.sh installs openssh-client)"

port=$(free_port)
mkdir -p "$WORK/data/alice/in" "$WORK/data/ro" "$WORK/data/share" "$WORK/data/quota" "$WORK/client" "$WORK/local"
ssh-keygen -q -t ed25519 -N '' -C alice -f "$WORK/client/id_ed25519"
echo "read only" > "$WORK/data/ro/readme.txt"
echo "outside the tree" > "$WORK/outside.txt"
ln -s /etc "$WORK/data/alice/etc-link"              # an absolute symlink an admin left behind
# Hooks: deleting anything named *keep* is vetoed with a reason; every upload is reported.
mkdir -p "$WORK/hooks"
cat > "$WORK/hooks/guard-delete" <<'HOOK'
#!/bin/sh
case "$WHARF_PATH" in *keep*) echo "protected by policy: $WHARF_PATH"; exit 1 ;; esac
exit 0
HOOK
cat > "$WORK/hooks/uploaded" <<'HOOK'
#!/bin/sh
echo "$WHARF_EVENT $WHARF_PROTOCOL $WHARF_USER $WHARF_PATH $WHARF_BYTES $WHARF_STATUS $WHARF_REAL_PATH" >> "$1"
HOOK
cat > "$WORK/hooks/guard-login" <<'HOOK'
#!/bin/sh
[ "$WHARF_USER" = holiday ] && { echo "$WHARF_USER is on holiday"; exit 1; }
exit 0
HOOK
cat > "$WORK/hooks/logged-out" <<'HOOK'
#!/bin/sh
echo "$WHARF_EVENT $WHARF_PROTOCOL $WHARF_USER $WHARF_STATUS" >> "$1"
HOOK
chmod 755 "$WORK/hooks/guard-delete" "$WORK/hooks/uploaded" "$WORK/hooks/guard-login" "$WORK/hooks/logged-out"
cat > "$WORK/wharf.yaml" <<YAML
server:
  state_dir: state
  workers: 2
  shutdown_grace: 2s
ssh:
  listen: ["127.0.0.1:$port"]
sftp:
  readdir_batch: 7
hooks:
  login:
    pre: $WORK/hooks/guard-login
  logout:
    post: {command: $WORK/hooks/logged-out, args: ["$WORK/logouts.txt"]}
  delete:
    pre: $WORK/hooks/guard-delete
  upload:
    post: {command: $WORK/hooks/uploaded, args: ["$WORK/uploads.txt"], timeout: 5s}
users:
  - name: alice
    root: data/alice
    authorized_keys: ["$(cat "$WORK/client/id_ed25519.pub")"]
    virtual_folders:
      - {path: /ro, source: data/ro, read_only: true}
      - {path: /share, source: data/share}
  - name: holiday
    root: data/quota
    authorized_keys: ["$(cat "$WORK/client/id_ed25519.pub")"]
  - name: quota
    root: data/quota
    authorized_keys: ["$(cat "$WORK/client/id_ed25519.pub")"]
    quota: {bytes: 1M}
YAML
start_wharfd --config "$WORK/wharf.yaml"
wait_for_event server.ready

ssh_opts=(-F /dev/null -P "$port" -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR
          -o BatchMode=yes -o IdentitiesOnly=yes -i "$WORK/client/id_ed25519")
# run_sftp USER [SFTP OPTIONS...] < BATCH: runs a batch; fails the test on any error.
run_sftp() {
  local user=$1; shift
  (cd "$WORK/local" && timeout 120 sftp "${ssh_opts[@]}" "$@" -b - "$user@127.0.0.1") > "$WORK/sftp.out" 2>&1 \
    || { cat "$WORK/sftp.out"; return 1; }
}
# sftp_fails USER PATTERN < BATCH: the batch must fail with PATTERN in its output.
sftp_fails() {
  local user=$1 pattern=$2
  if (cd "$WORK/local" && timeout 60 sftp "${ssh_opts[@]}" -b - "$user@127.0.0.1") > "$WORK/sftp.out" 2>&1; then
    cat "$WORK/sftp.out"; return 1
  fi
  grep -q -- "$pattern" "$WORK/sftp.out" || { echo "expected '$pattern' in:"; cat "$WORK/sftp.out"; return 1; }
}
sha() { sha256sum "$1" | cut -d' ' -f1; }
same() { [[ "$(sha "$1")" == "$(sha "$2")" ]] || fail "$3: $1 and $2 differ"; }

head -c 1048573 /dev/urandom > "$WORK/local/big.bin"   # odd size: no read lines up with a block
head -c 3000 /dev/urandom > "$WORK/local/a b.txt"
head -c 4000 /dev/urandom > "$WORK/local/star*name"
head -c 5000 /dev/urandom > "$WORK/local/q?mark [x]"

# 1. put/get of awkward names (escaped glob characters, as OpenSSH's sftp-glob regress does).
run_sftp alice <<'BATCH' || fail "put/get of awkward names"
put big.bin in/big.bin
put "a b.txt" "in/a b.txt"
put star\*name "in/star*name"
put q\?mark\ \[x\] "in/q?mark [x]"
get in/big.bin big.back
get "in/a b.txt" "a b.back"
get in/star\*name star.back
get in/q\?mark\ \[x\] qmark.back
BATCH
same "$WORK/local/big.bin" "$WORK/data/alice/in/big.bin" "put big.bin"
same "$WORK/local/a b.txt" "$WORK/data/alice/in/a b.txt" "put a b.txt"
same "$WORK/local/star*name" "$WORK/data/alice/in/star*name" "put star*name"
same "$WORK/local/q?mark [x]" "$WORK/data/alice/in/q?mark [x]" "put q?mark [x]"
same "$WORK/local/big.bin" "$WORK/local/big.back" "get big.bin"
same "$WORK/local/a b.txt" "$WORK/local/a b.back" "get a b.txt"
same "$WORK/local/star*name" "$WORK/local/star.back" "get star*name"
same "$WORK/local/q?mark [x]" "$WORK/local/qmark.back" "get q?mark [x]"
pass "put/get with spaces and glob characters"

# 2. Recursive transfers.
mkdir -p "$WORK/local/tree/sub/deeper" "$WORK/local/tree/empty"
for i in 1 2 3; do head -c $((i * 777)) /dev/urandom > "$WORK/local/tree/f$i"; done
head -c 70000 /dev/urandom > "$WORK/local/tree/sub/deeper/leaf"
run_sftp alice <<'BATCH' || fail "put -r / get -r"
put -r tree in/tree
get -r in/tree tree.back
BATCH
diff -r "$WORK/local/tree" "$WORK/data/alice/in/tree" > /dev/null || fail "put -r tree differs"
diff -r "$WORK/local/tree" "$WORK/local/tree.back" > /dev/null || fail "get -r tree differs"
pass "put -r and get -r"

# 3. Resumed transfers at every edge (0, 1, 1 KiB, size-1, size), both directions.
size=$(stat -c %s "$WORK/local/big.bin")
for cut in 0 1 1024 $((size - 1)) "$size"; do
  head -c "$cut" "$WORK/local/big.bin" > "$WORK/data/alice/in/resume.bin"
  head -c "$cut" "$WORK/local/big.bin" > "$WORK/local/resume.back"
  # With nothing left to send, OpenSSH's client refuses the resume itself; the files stay whole.
  if (( cut == size )); then
    sftp_fails alice "same size or larger" <<< 'put -a big.bin in/resume.bin' || fail "put -a of a complete file"
    (cd "$WORK/local" && timeout 60 sftp "${ssh_opts[@]}" -b - alice@127.0.0.1 <<< 'get -a in/big.bin resume.back') \
      > "$WORK/sftp.out" 2>&1 || true
  else
    run_sftp alice <<'BATCH' || fail "resume at $cut"
put -a big.bin in/resume.bin
get -a in/big.bin resume.back
BATCH
  fi
  same "$WORK/local/big.bin" "$WORK/data/alice/in/resume.bin" "put -a at $cut"
  same "$WORK/local/big.bin" "$WORK/local/resume.back" "get -a at $cut"
done
pass "put -a and get -a at 0, 1, 1024, size-1, size"

# 4. Names and metadata: rename, ln, ln -s, chmod, mkdir/rmdir/cd, df, cp, ls -l.
run_sftp alice <<'BATCH' || fail "name operations"
mkdir work
cd work
put tree/f1 one
rename one uno
ln uno hard
ln -s uno soft
chmod 600 uno
cp uno copy
get soft soft.back
get copy copy.back
ls -l
df
mkdir gone
rmdir gone
cd ..
ls -l work
BATCH
w="$WORK/data/alice/work"
[[ -f "$w/uno" && ! -e "$w/one" ]] || fail "rename"
[[ "$(stat -c %i "$w/uno")" == "$(stat -c %i "$w/hard")" ]] || fail "ln made no hard link"
[[ "$(readlink "$w/soft")" == "uno" ]] || fail "ln -s made no symlink to uno"
[[ "$(stat -c %a "$w/uno")" == "600" ]] || fail "chmod 600"
[[ ! -e "$w/gone" ]] || fail "rmdir"
same "$WORK/local/tree/f1" "$w/copy" "cp (copy-data)"
same "$WORK/local/tree/f1" "$WORK/local/soft.back" "get through a symlink"
# With users-groups-by-id@openssh.com the client formats the line itself and, lacking a v3 link
# count, prints "?" there (as it does against OpenSSH's own sftp-server).
grep -Eq '^-rw------- +([0-9]+|\?) +[^ ]+ +[^ ]+ +777 [A-Z][a-z]{2} [ 0-9][0-9] +([0-9]{2}:[0-9]{2}|[0-9]{4}) uno$' "$WORK/sftp.out" \
  || { cat "$WORK/sftp.out"; fail "ls -l line for uno"; }
grep -Eq 'Size +Used +Avail' "$WORK/sftp.out" || fail "df (statvfs) printed nothing"
pass "rename, ln, ln -s, chmod, cp, mkdir/rmdir/cd, df, ls -l"

# A directory longer than one READDIR batch (7 here) lists completely.
mkdir -p "$WORK/data/alice/many"
for i in $(seq 1 40); do : > "$WORK/data/alice/many/file-$i"; done
run_sftp alice <<'BATCH' || fail "ls of 40 entries"
ls -1 many
BATCH
[[ $(grep -c '^many/file-' "$WORK/sftp.out") -eq 40 ]] || { cat "$WORK/sftp.out"; fail "ls listed $(grep -c 'file-' "$WORK/sftp.out") of 40"; }
pass "READDIR in batches of 7"

# 5. Every buffer size and request count: -B 5..64000, -R 1/2/10/64, on a file that is not a
# multiple of any of them (small enough that 5-byte requests stay quick).
head -c 150001 /dev/urandom > "$WORK/local/matrix.bin"
for buffer in 5 1000 32768 64000; do
  for requests in 1 2 10 64; do
    rm -f "$WORK/local/matrix.back"
    run_sftp alice -B "$buffer" -R "$requests" <<'BATCH' || fail "-B $buffer -R $requests"
put matrix.bin in/matrix.bin
get in/matrix.bin matrix.back
BATCH
    same "$WORK/local/matrix.bin" "$WORK/data/alice/in/matrix.bin" "put -B $buffer -R $requests"
    same "$WORK/local/matrix.bin" "$WORK/local/matrix.back" "get -B $buffer -R $requests"
  done
done
pass "buffer sizes 5..64000 with 1, 2, 10 and 64 outstanding requests"

# 6. Escapes: all denied, nothing outside the tree read or written.
sftp_fails alice "not found\|No such file" <<'BATCH' || fail "get ../../outside.txt escaped"
get ../../../outside.txt escaped1
BATCH
sftp_fails alice "denied\|not found\|No such file" <<'BATCH' || fail "absolute symlink to /etc escaped"
get etc-link/hostname escaped2
BATCH
sftp_fails alice "denied\|not found\|No such file" <<BATCH || fail "client symlink escaped"
symlink $WORK/outside.txt mylink
get mylink escaped3
BATCH
sftp_fails alice "denied\|Failure\|not found\|No such" <<BATCH || fail "hard link to outside escaped"
ln $WORK/outside.txt hardout
BATCH
[[ ! -e "$WORK/data/alice/hardout" ]] || fail "a hard link to an outside file appeared"
echo share > "$WORK/data/share/s.txt"
sftp_fails alice "denied" <<'BATCH' || fail "rename out of a mount"
rename share/s.txt moved.txt
BATCH
[[ -f "$WORK/data/share/s.txt" && ! -e "$WORK/data/alice/moved.txt" ]] || fail "rename between mounts moved the file"
for name in escaped1 escaped2 escaped3; do [[ ! -e "$WORK/local/$name" ]] || fail "$name was downloaded"; done
pass "escapes denied (.., absolute symlink, client symlink, hard link, rename between mounts)"

# 7. Read-only folder and quota.
sftp_fails alice "denied" <<'BATCH' || fail "upload into /ro"
put big.bin ro/big.bin
BATCH
[[ ! -e "$WORK/data/ro/big.bin" ]] || fail "a file appeared in the read-only folder"
(( $(count_events sftp.denied) + $(count_events sftp.open) > 0 )) || fail "no log line for the denied upload"
head -c 1500000 /dev/urandom > "$WORK/local/toolarge.bin"
sftp_fails quota "Failure\|quota\|Quota" <<'BATCH' || fail "over-quota upload"
put toolarge.bin toolarge.bin
BATCH
[[ ! -e "$WORK/data/quota/toolarge.bin" ]] || fail "an over-quota upload left a file under its final name"
[[ -z "$(ls -A "$WORK/data/quota")" ]] || { ls -la "$WORK/data/quota"; fail "an over-quota upload left a temporary file"; }
pass "read-only folder denied, over-quota upload left nothing"

# 8. scp in its default (SFTP) mode.
scp_opts=(-F /dev/null -P "$port" -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR
          -o BatchMode=yes -o IdentitiesOnly=yes -i "$WORK/client/id_ed25519")
timeout 60 scp -s "${scp_opts[@]}" -r -p "$WORK/local/tree" "alice@127.0.0.1:scp-tree" || fail "scp -s -r -p upload"
diff -r "$WORK/local/tree" "$WORK/data/alice/scp-tree" > /dev/null || fail "scp -s tree differs"
[[ "$(stat -c %Y "$WORK/local/tree/f2")" == "$(stat -c %Y "$WORK/data/alice/scp-tree/f2")" ]] || fail "scp -s -p mtime"
timeout 60 scp -s "${scp_opts[@]}" "alice@127.0.0.1:in/big.bin" "$WORK/local/scp.back" || fail "scp -s download"
same "$WORK/local/big.bin" "$WORK/local/scp.back" "scp -s download"
pass "scp -s upload (-r -p) and download"

# 9. Hooks: a vetoed delete leaves the file and shows the hook's reason; uploads are reported.
echo keep > "$WORK/data/alice/keep-me.txt"
echo drop > "$WORK/data/alice/drop-me.txt"
sftp_fails alice "Permission denied" <<'BATCH' || fail "the delete pre hook did not veto"
rm keep-me.txt
BATCH
[[ -f "$WORK/data/alice/keep-me.txt" ]] || fail "a vetoed delete removed the file"
run_sftp alice <<'BATCH' || fail "an allowed delete"
rm drop-me.txt
BATCH
[[ ! -e "$WORK/data/alice/drop-me.txt" ]] || fail "an allowed delete left the file"
[[ "$(event_field hook.pre.deny message)" == "protected by policy: /keep-me.txt" ]] \
  || fail "hook.pre.deny does not carry the hook's reason: $(event_field hook.pre.deny message)"
for _ in $(seq 1 100); do grep -q "upload sftp alice /in/big.bin 1048573 ok $WORK/data/alice/in/big.bin" "$WORK/uploads.txt" 2>/dev/null && break; sleep 0.05; done
grep -q "upload sftp alice /in/big.bin 1048573 ok $WORK/data/alice/in/big.bin" "$WORK/uploads.txt" \
  || { cat "$WORK/uploads.txt"; fail "the upload post hook did not report /in/big.bin"; }
pass "pre hook veto with its message, post hook with path, bytes, status and real path"

# The login pre hook turns a user away after authentication; logouts are reported.
if (cd "$WORK/local" && timeout 60 sftp "${ssh_opts[@]}" -b - holiday@127.0.0.1 <<< 'ls') > "$WORK/sftp.out" 2>&1; then
  fail "the login hook let holiday in"
fi
grep -q "holiday is on holiday" "$WORK/sftp.out" || { cat "$WORK/sftp.out"; fail "the login refusal did not reach the client"; }
[[ "$(event_field ssh.login.denied user)" == holiday ]] || fail "no ssh.login.denied line for holiday"
grep -q "^logout ssh alice ok$" "$WORK/logouts.txt" || { cat "$WORK/logouts.txt"; fail "no logout hook run for alice"; }
! grep -q holiday "$WORK/logouts.txt" || fail "a refused login ran the logout hook"
pass "login pre hook refuses a user with its message; logout post hook runs"

# 10. Log lines: JSON, one per completed transfer and change.
assert_all_json
for event in sftp.session.start sftp.open sftp.upload.done sftp.download.done sftp.rename sftp.mkdir sftp.rmdir \
             sftp.setstat sftp.symlink sftp.link; do
  (( $(count_events "$event") > 0 )) || fail "no $event log line"
done
[[ "$(event_field sftp.upload.done status)" != "" ]] || fail "sftp.upload.done has no status"
pass "sftp.* log lines"
stop_wharfd_within 10
