#!/usr/bin/env bash
# Debian's OpenSSH scp in legacy mode (-O: the SCP protocol over `exec scp -t/-f`) against
# wharfd: files and names with spaces both ways, 24 MB both ways, an interrupted upload, -r
# trees, -p times and modes, a remote glob, -d, a read-only virtual folder, a quota, a
# pre-upload hook's refusal, a refused non-scp command. Every transferred file is compared by SHA-256; refused uploads must leave nothing.
source "$(dirname "$0")/lib.sh"
command -v scp > /dev/null || fail "OpenSSH scp missing (packaging/install-deps.sh installs openssh-client)"

port=$(free_port)
mkdir -p "$WORK/data/alice" "$WORK/data/bob" "$WORK/data/ro" "$WORK/client" "$WORK/local" "$WORK/down" "$WORK/hooks"
ssh-keygen -q -t ed25519 -N '' -C alice -f "$WORK/client/id_ed25519"
echo "read-only content" > "$WORK/data/ro/readme.txt"

# Refuses uploads whose name holds "blocked", with a reason the client should see.
cat > "$WORK/hooks/check-upload" <<'HOOK'
#!/bin/sh
case "$WHARF_PATH" in
  *blocked*) echo "uploads named blocked are refused"; exit 1 ;;
esac
exit 0
HOOK
# Refuses downloads of paths holding "secret".
cat > "$WORK/hooks/check-download" <<'HOOK'
#!/bin/sh
case "$WHARF_PATH" in
  *secret*) echo "secrets stay here"; exit 1 ;;
esac
exit 0
HOOK
# Records each finished upload: path, bytes, status.
cat > "$WORK/hooks/audit" <<HOOK
#!/bin/sh
echo "\$WHARF_PROTOCOL \$WHARF_PATH \$WHARF_BYTES \$WHARF_STATUS" >> "$WORK/hooks/audit.log"
HOOK
chmod 755 "$WORK/hooks/check-upload" "$WORK/hooks/check-download" "$WORK/hooks/audit"

cat > "$WORK/wharf.yaml" <<YAML
server:
  state_dir: state
  workers: 2
  shutdown_grace: 2s
ssh:
  listen: ["127.0.0.1:$port"]
hooks:
  upload:
    pre: $WORK/hooks/check-upload
    post: $WORK/hooks/audit
  download:
    pre: $WORK/hooks/check-download
users:
  - name: alice
    root: data/alice
    authorized_keys:
      - "$(cat "$WORK/client/id_ed25519.pub")"
    virtual_folders:
      - path: /ro
        source: data/ro
        read_only: true
    quota:
      bytes: 4M
  - name: bob
    root: data/bob
    authorized_keys:
      - "$(cat "$WORK/client/id_ed25519.pub")"
YAML

start_wharfd --config "$WORK/wharf.yaml"
wait_for_event server.ready

ssh_options=(-F /dev/null -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR
             -o BatchMode=yes -o IdentitiesOnly=yes -i "$WORK/client/id_ed25519" -o ConnectTimeout=10)
remote=alice@127.0.0.1
scp_O() { timeout 60 scp -O -P "$port" "${ssh_options[@]}" "$@"; }

# same_files DIR_A DIR_B: identical relative names and SHA-256 digests.
digests() { (cd "$1" && find . -type f -print0 | sort -z | xargs -0 -r sha256sum); }
same_files() { diff <(digests "$1") <(digests "$2") > /dev/null || { diff <(digests "$1") <(digests "$2"); return 1; }; }
same_file() { [[ "$(sha256sum < "$1")" == "$(sha256sum < "$2")" ]]; }
no_temp_files() { [[ -z "$(find "$WORK/data" -name '.wharf-upload-*' -print -quit)" ]]; }

# ---- single files, both ways ------------------------------------------------------------
head -c 300000 /dev/urandom > "$WORK/local/a.bin"
printf 'spaces in the name\n' > "$WORK/local/with space.txt"
: > "$WORK/local/empty"
scp_O "$WORK/local/a.bin" "$WORK/local/with space.txt" "$WORK/local/empty" "$remote:/" 2> "$WORK/scp.err" \
  || { cat "$WORK/scp.err"; fail "upload of three files"; }
for name in a.bin "with space.txt" empty; do
  same_file "$WORK/local/$name" "$WORK/data/alice/$name" || fail "uploaded $name differs"
done
# The remote path reaches a shell (ours parses like one): spaces are escaped or quoted. The
# client checks received names against the path as typed, so quotes need -T to skip that.
scp_O "$remote:/a.bin" "$remote:/with\\ space.txt" "$WORK/down/" 2> "$WORK/scp.err" \
  || { cat "$WORK/scp.err"; fail "download of two files"; }
same_file "$WORK/local/a.bin" "$WORK/down/a.bin" || fail "downloaded a.bin differs"
same_file "$WORK/local/with space.txt" "$WORK/down/with space.txt" || fail "downloaded 'with space.txt' differs"
mkdir "$WORK/down/quoted"
scp_O -T "$remote:'/with space.txt'" "$WORK/down/quoted/" 2> "$WORK/scp.err" \
  || { cat "$WORK/scp.err"; fail "download of a quoted name"; }
same_file "$WORK/local/with space.txt" "$WORK/down/quoted/with space.txt" || fail "download of a quoted name differs"
scp_O "$WORK/local/a.bin" "$remote:/renamed.bin" 2> "$WORK/scp.err" || { cat "$WORK/scp.err"; fail "upload to a new name"; }
same_file "$WORK/local/a.bin" "$WORK/data/alice/renamed.bin" || fail "upload to a new name differs"
printf 'home\n' > "$WORK/local/home.txt"
scp_O "$WORK/local/home.txt" "$remote:" 2> "$WORK/scp.err" || { cat "$WORK/scp.err"; fail "upload to the home directory"; }
same_file "$WORK/local/home.txt" "$WORK/data/alice/home.txt" || fail "upload to the home directory differs"
pass "files up and down, a name with spaces, an empty file, a new name, the home directory"

# ---- large files: windows and back-pressure both ways, and an interrupted upload --------
head -c $((24 * 1024 * 1024)) /dev/urandom > "$WORK/local/large.bin"
scp_O "$WORK/local/large.bin" "bob@127.0.0.1:/" 2> "$WORK/scp.err" || { cat "$WORK/scp.err"; fail "24 MB upload"; }
same_file "$WORK/local/large.bin" "$WORK/data/bob/large.bin" || fail "24 MB upload differs"
scp_O "bob@127.0.0.1:/large.bin" "$WORK/down/" 2> "$WORK/scp.err" || { cat "$WORK/scp.err"; fail "24 MB download"; }
same_file "$WORK/local/large.bin" "$WORK/down/large.bin" || fail "24 MB download differs"
# -l: 4000 Kbit/s, so the upload is still running when timeout kills the client (scp takes
# its ssh down with it).
timeout -s TERM 1.5 scp -O -P "$port" "${ssh_options[@]}" -l 4000 "$WORK/local/large.bin" \
  "bob@127.0.0.1:/interrupted.bin" 2> /dev/null && fail "the upload to interrupt finished within 1.5 s"
for _ in $(seq 100); do grep -q '"event":"scp.upload.done".*"path":"/interrupted.bin".*"status":"aborted"' "$WORK/wharfd.log" && break; sleep 0.05; done
grep -q '"event":"scp.upload.done".*"path":"/interrupted.bin".*"status":"aborted"' "$WORK/wharfd.log" \
  || fail "the interrupted upload is not logged as aborted"
for _ in $(seq 100); do no_temp_files && break; sleep 0.05; done
[[ ! -e "$WORK/data/bob/interrupted.bin" ]] || fail "an interrupted upload appeared under its name"
no_temp_files || fail "an interrupted upload left its temporary file"
pass "24 MB both ways intact; an interrupted upload leaves nothing"

# ---- -r trees ---------------------------------------------------------------------------
mkdir -p "$WORK/local/tree/sub/deeper" "$WORK/local/tree/empty dir"
head -c 70000 /dev/urandom > "$WORK/local/tree/one.txt"
head -c 5 /dev/urandom > "$WORK/local/tree/two.txt"
head -c 200000 /dev/urandom > "$WORK/local/tree/sub/three.dat"
printf 'deep\n' > "$WORK/local/tree/sub/deeper/four four"
scp_O -r "$WORK/local/tree" "$remote:/" 2> "$WORK/scp.err" || { cat "$WORK/scp.err"; fail "recursive upload"; }
same_files "$WORK/local/tree" "$WORK/data/alice/tree" || fail "uploaded tree differs"
[[ -d "$WORK/data/alice/tree/empty dir" ]] || fail "empty directory not uploaded"
scp_O -r "$remote:/tree" "$WORK/down/" 2> "$WORK/scp.err" || { cat "$WORK/scp.err"; fail "recursive download"; }
same_files "$WORK/local/tree" "$WORK/down/tree" || fail "downloaded tree differs"
[[ -d "$WORK/down/tree/empty dir" ]] || fail "empty directory not downloaded"
pass "-r trees up and down"

# A remote glob: OpenSSH sends `scp -f /tree/*.txt` and leaves the expansion to the server.
mkdir "$WORK/down/glob"
scp_O "$remote:/tree/*.txt" "$WORK/down/glob/" 2> "$WORK/scp.err" || { cat "$WORK/scp.err"; fail "glob download"; }
[[ "$(cd "$WORK/down/glob" && ls | tr '\n' ' ')" == "one.txt two.txt " ]] || fail "glob fetched: $(ls "$WORK/down/glob")"
same_file "$WORK/local/tree/one.txt" "$WORK/down/glob/one.txt" || fail "glob download differs"
pass "remote glob expanded"

# ---- -p times and modes -----------------------------------------------------------------
printf 'keep my times\n' > "$WORK/local/timed.txt"
chmod 0640 "$WORK/local/timed.txt"
touch -m -d @1500000000 "$WORK/local/timed.txt"
scp_O -p "$WORK/local/timed.txt" "$remote:/" 2> "$WORK/scp.err" || { cat "$WORK/scp.err"; fail "upload -p"; }
[[ "$(stat -c '%Y %a' "$WORK/data/alice/timed.txt")" == "1500000000 640" ]] \
  || fail "upload -p: got $(stat -c '%Y %a' "$WORK/data/alice/timed.txt")"
printf 'server side\n' > "$WORK/data/alice/served.txt"
chmod 0604 "$WORK/data/alice/served.txt"
touch -m -d @1400000000 "$WORK/data/alice/served.txt"
scp_O -p "$remote:/served.txt" "$WORK/down/" 2> "$WORK/scp.err" || { cat "$WORK/scp.err"; fail "download -p"; }
[[ "$(stat -c '%Y %a' "$WORK/down/served.txt")" == "1400000000 604" ]] \
  || fail "download -p: got $(stat -c '%Y %a' "$WORK/down/served.txt")"
touch -m -d @1300000000 "$WORK/local/tree/sub"
scp_O -rp "$WORK/local/tree" "$remote:/ptree" 2> "$WORK/scp.err" || { cat "$WORK/scp.err"; fail "upload -rp"; }
[[ "$(stat -c '%Y' "$WORK/data/alice/ptree/sub")" == "1300000000" ]] || fail "upload -rp: directory time not kept"
same_files "$WORK/local/tree" "$WORK/data/alice/ptree" || fail "upload -rp tree differs"
pass "-p keeps times and modes both ways, directories included"

# ---- -d: several sources need a directory target ----------------------------------------
if scp_O "$WORK/local/a.bin" "$WORK/local/empty" "$remote:/missing-dir" 2> "$WORK/scp.err"; then
  fail "two files into a missing directory succeeded"
fi
grep -q "No such file or directory" "$WORK/scp.err" || fail "-d error not shown: $(cat "$WORK/scp.err")"
[[ ! -e "$WORK/data/alice/missing-dir" ]] || fail "-d created the missing target"
pass "-d refuses a missing directory target"

# ---- refusals leave nothing behind ------------------------------------------------------
if scp_O "$WORK/local/a.bin" "$remote:/ro/" 2> "$WORK/scp.err"; then fail "upload into the read-only folder succeeded"; fi
grep -q "/ro/a.bin: Read-only folder" "$WORK/scp.err" || fail "read-only refusal not shown: $(cat "$WORK/scp.err")"
[[ "$(ls -A "$WORK/data/ro")" == "readme.txt" ]] || fail "read-only folder changed: $(ls -A "$WORK/data/ro")"
pass "read-only folder refuses the upload, nothing left"

head -c $((5 * 1024 * 1024)) /dev/urandom > "$WORK/local/big.bin"
if scp_O "$WORK/local/big.bin" "$remote:/" 2> "$WORK/scp.err"; then fail "an over-quota upload succeeded"; fi
grep -q "big.bin: Disk quota exceeded" "$WORK/scp.err" || fail "quota refusal not shown: $(cat "$WORK/scp.err")"
[[ ! -e "$WORK/data/alice/big.bin" ]] || fail "over-quota upload left big.bin"
no_temp_files || fail "an upload left a temporary file"
# The session goes on after the refused file: the next one in the same command arrives.
printf 'after the quota\n' > "$WORK/local/after-quota.txt"
if scp_O "$WORK/local/big.bin" "$WORK/local/after-quota.txt" "$remote:/" 2> "$WORK/scp.err"; then
  fail "an over-quota upload among two succeeded"
fi
same_file "$WORK/local/after-quota.txt" "$WORK/data/alice/after-quota.txt" || fail "the file after the refused one is missing"
[[ ! -e "$WORK/data/alice/big.bin" ]] || fail "over-quota upload left big.bin"
pass "over-quota upload refused, nothing under its name, no temporary file, the next file arrives"

cp "$WORK/local/empty" "$WORK/local/blocked.txt"
if scp_O "$WORK/local/blocked.txt" "$remote:/" 2> "$WORK/scp.err"; then fail "the pre-upload hook's refusal was ignored"; fi
grep -q "uploads named blocked are refused" "$WORK/scp.err" || fail "hook message not shown: $(cat "$WORK/scp.err")"
[[ ! -e "$WORK/data/alice/blocked.txt" ]] || fail "a refused upload left its file"
printf 'classified\n' > "$WORK/data/alice/secret.txt"
if scp_O "$remote:/secret.txt" "$WORK/down/" 2> "$WORK/scp.err"; then fail "the pre-download hook's refusal was ignored"; fi
grep -q "/secret.txt: secrets stay here" "$WORK/scp.err" || fail "download hook message not shown: $(cat "$WORK/scp.err")"
[[ ! -e "$WORK/down/secret.txt" ]] || fail "a refused download arrived"
pass "pre-upload and pre-download hook refusals reach the client"

# ---- PuTTY's pscp -scp (putty-tools), when installed --------------------------------------
if command -v pscp > /dev/null && command -v puttygen > /dev/null; then
  puttygen "$WORK/client/id_ed25519" -O private -o "$WORK/client/alice.ppk" 2> /dev/null || fail "puttygen import"
  host_key=$(ssh-keyscan -p "$port" -t ed25519 127.0.0.1 2> /dev/null | ssh-keygen -lf - | awk '{print $2}')
  [[ -n "$host_key" ]] || fail "no host key fingerprint for pscp"
  pscp_scp() { timeout 60 pscp -scp -batch -q -P "$port" -i "$WORK/client/alice.ppk" -hostkey "$host_key" "$@"; }
  mkdir -p "$WORK/data/alice/putty" "$WORK/down/putty"
  pscp_scp "$WORK/local/a.bin" "$WORK/local/with space.txt" "$remote:/putty/" 2> "$WORK/scp.err" < /dev/null \
    || { cat "$WORK/scp.err"; fail "pscp upload"; }
  same_file "$WORK/local/a.bin" "$WORK/data/alice/putty/a.bin" || fail "pscp upload differs"
  same_file "$WORK/local/with space.txt" "$WORK/data/alice/putty/with space.txt" || fail "pscp upload with spaces differs"
  pscp_scp -r "$WORK/local/tree" "$remote:/putty/" 2> "$WORK/scp.err" < /dev/null || { cat "$WORK/scp.err"; fail "pscp -r upload"; }
  same_files "$WORK/local/tree" "$WORK/data/alice/putty/tree" || fail "pscp -r upload differs"
  pscp_scp -r "$remote:/putty/tree" "$WORK/down/putty/" 2> "$WORK/scp.err" < /dev/null \
    || { cat "$WORK/scp.err"; fail "pscp -r download"; }
  same_files "$WORK/local/tree" "$WORK/down/putty/tree" || fail "pscp -r download differs"
  pass "PuTTY pscp -scp: files, a name with spaces, -r trees both ways"
else
  echo "skip: PuTTY pscp not installed (apt-get install putty-tools)"
fi

# ---- other commands are refused -----------------------------------------------------------
status=0
timeout 30 ssh -p "$port" "${ssh_options[@]}" "$remote" ls -la > "$WORK/ls.out" 2> "$WORK/ls.err" || status=$?
[[ $status -eq 1 ]] || fail "ssh ls: exit status $status, expected 1"
grep -q "only scp is available" "$WORK/ls.err" || fail "ssh ls: no message on stderr: $(cat "$WORK/ls.err")"
[[ ! -s "$WORK/ls.out" ]] || fail "ssh ls printed on stdout"
status=0
timeout 30 ssh -p "$port" "${ssh_options[@]}" "$remote" scp -x -t / < /dev/null > /dev/null 2> "$WORK/bad.err" || status=$?
[[ $status -eq 1 ]] || fail "scp -x: exit status $status, expected 1"
grep -q "unknown option -x" "$WORK/bad.err" || fail "scp -x: no message on stderr: $(cat "$WORK/bad.err")"
pass "a non-scp command and a bad scp option exit 1 with a message"

# ---- logs and post hooks ----------------------------------------------------------------------
wait_for_event ssh.exec.refused
(( $(count_events scp.upload.done) >= 10 )) || fail "too few scp.upload.done lines"
(( $(count_events scp.download.done) >= 5 )) || fail "too few scp.download.done lines"
grep -q '"event":"scp.upload.done".*"path":"/a.bin".*"bytes":300000.*"status":"ok"' "$WORK/wharfd.log" \
  || fail "no scp.upload.done line for /a.bin with its bytes"
grep -q '"event":"scp.upload.done".*"path":"/ro/a.bin".*"status":"read_only"' "$WORK/wharfd.log" \
  || fail "the read-only refusal is not logged"
grep -q '"event":"scp.upload.done".*"path":"/big.bin".*"status":"quota_exceeded"' "$WORK/wharfd.log" \
  || fail "the quota refusal is not logged"
grep -q '"event":"scp.download.done".*"path":"/tree/one.txt".*"bytes":70000.*"status":"ok"' "$WORK/wharfd.log" \
  || fail "no scp.download.done line for /tree/one.txt"
for _ in $(seq 100); do grep -q "^scp /timed.txt 14 ok$" "$WORK/hooks/audit.log" 2> /dev/null && break; sleep 0.05; done
grep -q "^scp /timed.txt 14 ok$" "$WORK/hooks/audit.log" || fail "post hook not run: $(cat "$WORK/hooks/audit.log" 2>&1)"
grep -q "^scp /big.bin [0-9]* quota_exceeded$" "$WORK/hooks/audit.log" || fail "post hook not told of the quota failure"
assert_all_json
stop_wharfd_within 3
pass "scp.upload.done / scp.download.done logged, post hooks told the outcome"
