#!/usr/bin/env bash
# `wharf sftp` (the sans-I/O client engine over wharf's SSH client) against wharfd for SFTP
# versions 3 to 6 (put/get of a few MB with pipelining, stat compared with the file on disk,
# ls, mv, rm, mkdir/rmdir, a failure's message, the negotiated version in wharfd's log), and
# against a private OpenSSH sshd with internal-sftp for v3.
source "$(dirname "$0")/lib.sh"

start_sftp_client_peers

head -c 3500017 /dev/urandom > "$WORK/client/upload.bin"
chmod 640 "$WORK/client/upload.bin"
want_sha=$(sha256sum < "$WORK/client/upload.bin")
root="$WORK/data/alice"
sessions=0

# wharf_sftp VERSION ARGS...: one wharf sftp run against wharfd; stdout to $WORK/out.
wharf_sftp() {
  local version=$1; shift
  sessions=$((sessions + 1))
  "$WHARF" sftp -p "$port" -i "$WORK/client/id_ed25519" --known-hosts "$WORK/client/known_hosts" \
    --sftp-version "$version" --requests 16 --request-size 32768 "$1" alice@127.0.0.1 "${@:2}" \
    > "$WORK/out" 2> "$WORK/err"
}

# field NAME: the value of "NAME: value" in the last stat output.
field() { sed -n "s/^$1: //p" "$WORK/out"; }
# nanoseconds %y|%x|%z FILE: the fraction of that time as stat(1) prints it, as a number.
nanoseconds() { local t; t=$(stat -c "$1" "$2"); t=${t#*.}; echo $((10#${t%% *})); }

for v in 3 4 5 6; do
  round_start=$sessions
  wharf_sftp "$v" put "$WORK/client/upload.bin" "/v$v.bin" || fail "v$v put: $(cat "$WORK/err")"
  [[ "$(sha256sum < "$root/v$v.bin")" == "$want_sha" ]] || fail "v$v put: the file on the server differs"
  wharf_sftp "$v" get "/v$v.bin" "$WORK/client/back$v.bin" || fail "v$v get: $(cat "$WORK/err")"
  [[ "$(sha256sum < "$WORK/client/back$v.bin")" == "$want_sha" ]] || fail "v$v get: the downloaded file differs"
  [[ ! -e "$WORK/client/back$v.bin.part" ]] || fail "v$v get left its .part file"

  wharf_sftp "$v" stat "/v$v.bin" || fail "v$v stat: $(cat "$WORK/err")"
  [[ "$(field version)" == "$v" ]] || fail "v$v stat: negotiated version $(field version)"
  [[ "$(field type)" == "regular" ]] || fail "v$v stat: type $(field type)"
  [[ "$(field size)" == "$(stat -c %s "$root/v$v.bin")" ]] || fail "v$v stat: size $(field size)"
  [[ "$(field mtime)" == "$(stat -c %Y "$root/v$v.bin")" ]] || fail "v$v stat: mtime $(field mtime)"
  [[ "$(field permissions)" == "$(stat -c %04a "$root/v$v.bin")" ]] || fail "v$v stat: permissions $(field permissions)"
  [[ "$(field atime)" == "$(stat -c %X "$root/v$v.bin")" ]] || fail "v$v stat: atime $(field atime)"
  if [[ $v -ge 4 ]]; then
    # v4+: names instead of ids, subsecond times (-04 5.7), v6 adds ctime and link count.
    [[ "$(field owner)" == "$(stat -c %U "$root/v$v.bin")" ]] || fail "v$v stat: owner $(field owner)"
    [[ "$(field group)" == "$(stat -c %G "$root/v$v.bin")" ]] || fail "v$v stat: group $(field group)"
    [[ -z "$(field uid)" ]] || fail "v$v stat: a uid in a version that has none"
    [[ "$(field mtime_ns)" == "$(nanoseconds %y "$root/v$v.bin")" ]] || fail "v$v stat: mtime_ns $(field mtime_ns)"
    [[ "$(field atime_ns)" == "$(nanoseconds %x "$root/v$v.bin")" ]] || fail "v$v stat: atime_ns $(field atime_ns)"
  else
    [[ "$(field uid)" == "$(stat -c %u "$root/v$v.bin")" ]] || fail "v3 stat: uid $(field uid)"
    [[ "$(field gid)" == "$(stat -c %g "$root/v$v.bin")" ]] || fail "v3 stat: gid $(field gid)"
    [[ -z "$(field owner)$(field mtime_ns)" ]] || fail "v3 stat: v4+ fields in a v3 reply"
  fi
  if [[ $v -ge 6 ]]; then
    [[ "$(field ctime)" == "$(stat -c %Z "$root/v$v.bin")" ]] || fail "v6 stat: ctime $(field ctime)"
    [[ "$(field ctime_ns)" == "$(nanoseconds %z "$root/v$v.bin")" ]] || fail "v6 stat: ctime_ns $(field ctime_ns)"
    [[ "$(field link_count)" == "$(stat -c %h "$root/v$v.bin")" ]] || fail "v6 stat: link_count $(field link_count)"
  else
    [[ -z "$(field ctime)$(field link_count)" ]] || fail "v$v stat: v6 fields in a v$v reply"
  fi

  wharf_sftp "$v" mkdir "/dir$v" || fail "v$v mkdir: $(cat "$WORK/err")"
  [[ -d "$root/dir$v" ]] || fail "v$v mkdir: no directory on disk"
  wharf_sftp "$v" stat "/dir$v" || fail "v$v stat of a directory: $(cat "$WORK/err")"
  [[ "$(field type)" == "directory" ]] || fail "v$v stat of a directory: type $(field type)"
  [[ "$(field permissions)" == "$(stat -c %04a "$root/dir$v")" ]] || fail "v$v stat of a directory: permissions $(field permissions)"
  wharf_sftp "$v" ls / || fail "v$v ls: $(cat "$WORK/err")"
  grep -qx "v$v.bin" "$WORK/out" || fail "v$v ls: v$v.bin not listed: $(cat "$WORK/out")"
  grep -qx "dir$v" "$WORK/out" || fail "v$v ls: dir$v not listed"
  wharf_sftp "$v" ls -l / || fail "v$v ls -l: $(cat "$WORK/err")"
  grep -q "^d.*dir$v\$" "$WORK/out" || fail "v$v ls -l: no directory line for dir$v: $(cat "$WORK/out")"

  wharf_sftp "$v" mv "/v$v.bin" "/dir$v/moved.bin" || fail "v$v mv: $(cat "$WORK/err")"
  [[ -f "$root/dir$v/moved.bin" && ! -e "$root/v$v.bin" ]] || fail "v$v mv: not moved on disk"
  if wharf_sftp "$v" rmdir "/dir$v"; then fail "v$v rmdir of a non-empty directory succeeded"; fi
  grep -q "rmdir /dir$v: SSH_FX_" "$WORK/err" || fail "v$v rmdir failure message: $(cat "$WORK/err")"
  wharf_sftp "$v" rm "/dir$v/moved.bin" || fail "v$v rm: $(cat "$WORK/err")"
  [[ ! -e "$root/dir$v/moved.bin" ]] || fail "v$v rm: the file is still there"
  wharf_sftp "$v" rmdir "/dir$v" || fail "v$v rmdir: $(cat "$WORK/err")"
  [[ ! -e "$root/dir$v" ]] || fail "v$v rmdir: the directory is still there"

  status=0
  wharf_sftp "$v" stat /missing || status=$?
  [[ $status -eq 1 ]] || fail "v$v stat of a missing file exited $status"
  grep -q "stat /missing: SSH_FX_NO_SUCH_FILE" "$WORK/err" || fail "v$v missing file message: $(cat "$WORK/err")"

  # Every session of this round ended with the version we asked for.
  wait_for_event sftp.session.end "$sessions"
  versions=$($PY - "$WORK/wharfd.log" <<'PYEOF'
import json, sys
for line in open(sys.argv[1]):
    try:
        record = json.loads(line)
    except ValueError:
        continue
    if record.get("event") == "sftp.session.end":
        print(record.get("version"))
PYEOF
)
  round=$(echo "$versions" | tail -n $((sessions - round_start)) | sort -u)
  [[ "$round" == "$v" ]] || fail "v$v: wharfd logged versions '$round' for this round's sessions"
  pass "wharf sftp v$v against wharfd: put/get 3.5 MB, stat attribute by attribute, ls, mv, rm, mkdir/rmdir, errors"
done
assert_all_json
stop_wharfd_within 5

# OpenSSH's sshd with internal-sftp speaks v3 only; a v6 request is answered with 3.
me=$(id -un)
mkdir -p "$WORK/sshd_files"
start_private_sshd "$WORK/client/id_ed25519.pub" "Subsystem sftp internal-sftp"
sshd_port=$SSHD_PORT
echo "[127.0.0.1]:$sshd_port $(cat "$SSHD_HOST_KEY")" > "$WORK/client/sshd_known_hosts"
openssh_sftp() {
  "$WHARF" sftp -p "$sshd_port" -i "$WORK/client/id_ed25519" --known-hosts "$WORK/client/sshd_known_hosts" \
    --sftp-version "$1" "$2" "$me@127.0.0.1" "${@:3}" > "$WORK/out" 2> "$WORK/err"
}
for v in 3 6; do
  remote="$WORK/sshd_files/up$v.bin"
  openssh_sftp "$v" put "$WORK/client/upload.bin" "$remote" || fail "sshd v$v put: $(cat "$WORK/err" "$WORK/sshd/log")"
  [[ "$(sha256sum < "$remote")" == "$want_sha" ]] || fail "sshd v$v put: the file differs"
  openssh_sftp "$v" get "$remote" "$WORK/client/sshd_back$v.bin" || fail "sshd v$v get: $(cat "$WORK/err")"
  [[ "$(sha256sum < "$WORK/client/sshd_back$v.bin")" == "$want_sha" ]] || fail "sshd v$v get: the file differs"
  openssh_sftp "$v" stat "$remote" || fail "sshd v$v stat: $(cat "$WORK/err")"
  [[ "$(field version)" == "3" ]] || fail "sshd v$v: negotiated version $(field version), not 3"
  [[ "$(field size)" == "$(stat -c %s "$remote")" ]] || fail "sshd v$v stat: size $(field size)"
  [[ "$(field mtime)" == "$(stat -c %Y "$remote")" ]] || fail "sshd v$v stat: mtime $(field mtime)"
done
pass "wharf sftp against OpenSSH internal-sftp: v3 put/get/stat (and a v6 request answered with 3)"
