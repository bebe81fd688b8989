#!/usr/bin/env bash
# `wharf sftp` listing, file and attribute commands against wharfd (SFTP v3 to v6) and a private
# OpenSSH sshd (internal-sftp, v3): ls with masks (several, exclude, case-insensitive, in the
# path, dot files), ls -l, stat/lstat/exists, chmod/chown/chgrp/touch/setstat, rm with masks,
# mkdir -p, rmdir, mv with and without -f, ln -s and hard links, readlink, realpath, hash
# (check-file) against local hashes, cp (copy-file, copy-data), df, version; each one-shot and
# in batch files (cd/lcd carried across lines, '-' lines, a failing line, a usage error). Every
# result is checked on disk, every failure by exit status and message.
source "$(dirname "$0")/lib.sh"

start_sftp_client_peers

# ---- helpers -----------------------------------------------------------------------------------
# A site is one server at one version: SITE names it, site_sftp COMMAND ARGS... runs one wharf
# sftp session against it, R is a remote directory and L the same directory on local disk.

# with_target TARGET COMMAND ARGS... | with_target TARGET -b FILE: the words for wharf sftp.
with_target() {
  if [[ $2 == -b ]]; then printf '%s\0' -b "$3" "$1"; else printf '%s\0' "$2" "$1" "${@:3}"; fi
}

# run ARGS...: stdout to $WORK/out, stderr to $WORK/err; returns wharf's status.
run() { site_sftp "$@" > "$WORK/out" 2> "$WORK/err"; }
must() { run "$@" || fail "$SITE: wharf sftp $* exited $?: $(cat "$WORK/err")"; }
# must_fail STATUS TEXT ARGS...: exits with STATUS and says TEXT on stderr.
must_fail() {
  local want=$1 text=$2 status=0
  shift 2
  run "$@" || status=$?
  [[ $status -eq $want ]] || fail "$SITE: wharf sftp $* exited $status, not $want: $(cat "$WORK/err")"
  grep -qF -- "$text" "$WORK/err" || fail "$SITE: wharf sftp $*: no '$text' in: $(cat "$WORK/err")"
}
# out_is LINE...: stdout was exactly these lines.
out_is() {
  [[ "$(cat "$WORK/out")" == "$(printf '%s\n' "$@")" ]] ||
    fail "$SITE: output [$(tr '\n' '|' < "$WORK/out")] is not [$(printf '%s|' "$@")]"
}
out_has() { grep -qE -- "$1" "$WORK/out" || fail "$SITE: no line like '$1' in: $(cat "$WORK/out")"; }
field() { sed -n "s/^$1: //p" "$WORK/out"; }
same() { [[ "$1" == "$2" ]] || fail "$SITE: $3: '$1', expected '$2'"; }
listing() { (cd "$1" && LC_ALL=C ls -A | tr '\n' ' '); }

# A fresh $L with the mask fixture m/ and files to change.
fixture() {
  rm -rf "$L" && mkdir -p "$L/m/sub" "$L/del/keepdir.tmp"
  local f
  for f in a.edi b.EDI c.x12 test.edi d.xml .hidden.edi; do echo "$f" > "$L/m/$f"; done
  chmod 644 "$L/m/a.edi"
  for f in 1.tmp 2.tmp 3.TMP keep.txt 'star*.txt' starX.txt; do echo "$f" > "$L/del/$f"; done
  echo hello > "$L/f"
  echo one > "$L/one"
  echo two > "$L/two"
}

# ---- what every site must do ----------------------------------------------------------------------

check_listing() {
  must ls "$R/m";                              out_is a.edi b.EDI c.x12 d.xml sub test.edi
  must ls -a "$R/m";                           out_is .hidden.edi a.edi b.EDI c.x12 d.xml sub test.edi
  must ls "$R/m/*.edi";                        out_is a.edi test.edi
  must ls -a "$R/m/*.edi";                     out_is .hidden.edi a.edi test.edi
  must ls "$R/m/.*";                           out_is .hidden.edi
  must ls -i "$R/m/*.edi";                     out_is a.edi b.EDI test.edi
  must ls "$R/m/[a-c].*";                      out_is a.edi b.EDI c.x12
  must ls -i "$R/m/[A-C].*";                   out_is a.edi b.EDI c.x12
  must ls --mask '*.edi;*.x12' --exclude 'test*' "$R/m";  out_is a.edi c.x12
  must ls -i --mask '*.EDI' --mask '*.xml' --exclude 'T*' "$R/m";  out_is a.edi b.EDI d.xml
  must ls --exclude '*.edi' "$R/m/?.*";        out_is b.EDI c.x12 d.xml
  must ls --mask '*.none' "$R/m";              out_is
  must ls -l "$R/m"
  out_has '^-rw-r--r-- .* 6 .*a\.edi$'
  out_has '^d.* sub$'
  [[ $(wc -l < "$WORK/out") -eq 6 ]] || fail "$SITE: ls -l lists $(wc -l < "$WORK/out") entries, not 6"
  must ls -l "$R/m/a.edi"
  out_has "^-rw-r--r-- .* 6 [0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2} $R/m/a\\.edi\$"
  must ls "$R/m/a.edi";                        out_is "$R/m/a.edi"
  must_fail 1 "ls $R/m/nosuch: SSH_FX_NO_SUCH_FILE" ls "$R/m/nosuch"
  must_fail 1 "opendir $R/nosuch: SSH_FX_NO_SUCH_FILE" ls "$R/nosuch/*.edi"
}

check_names() {
  must ln -s a.edi "$R/m/link"
  same "$(readlink "$L/m/link")" a.edi "ln -s: the link on disk"
  must readlink "$R/m/link";                   out_is a.edi
  must lstat "$R/m/link";                      same "$(field type)" symlink "lstat type"
  must stat "$R/m/link";                       same "$(field type)" regular "stat type"
  same "$(field size)" 6 "stat size through the link"
  same "$(field permissions)" 0644 "stat permissions"
  must ln "$R/m/a.edi" "$R/m/hard"
  same "$(stat -c %i "$L/m/hard")" "$(stat -c %i "$L/m/a.edi")" "ln: inode of the hard link"
  same "$(stat -c %h "$L/m/a.edi")" 2 "ln: link count"
  must_fail 1 "ln $R/m/hard: SSH_FX_" ln "$R/m/a.edi" "$R/m/hard"
  must realpath "$R/m/sub/../a.edi";           out_is "$R/m/a.edi"
  must exists "$R/m/link";                     out_is "$R/m/link exists"
  must_fail 1 "exists $R/m/nosuch: SSH_FX_NO_SUCH_FILE" exists "$R/m/nosuch"
  must_fail 1 "readlink $R/m/a.edi: SSH_FX_" readlink "$R/m/a.edi"
}

check_attributes() {
  must chmod 640 "$R/f";                       same "$(stat -c %a "$L/f")" 640 "chmod"
  must touch -d 2020-02-03T04:05:06Z "$R/new"
  same "$(stat -c '%s %Y %X' "$L/new")" "0 1580702706 1580702706" "touch -d of a new file"
  must touch -m 1234567890 "$R/f";             same "$(stat -c '%Y %X' "$L/f")" "1234567890 1234567890" "touch -m"
  same "$(stat -c %s "$L/f")" 6 "touch of an existing file kept its content"  # no read: atime stays
  must setstat "$R/f" size=3 mode=600 mtime=1000000000
  same "$(stat -c '%s %a %Y %X' "$L/f")" "3 600 1000000000 1234567890" "setstat size, mode, mtime"
  must setstat "$R/f" atime=2001-09-09T03:46:40+02:00
  same "$(stat -c '%Y %X' "$L/f")" "1000000000 1000000000" "setstat atime in ISO 8601 with an offset"
  must touch "$R/f"
  (( $(stat -c %Y "$L/f") >= $(date +%s) - 60 )) || fail "$SITE: touch without a time did not set now"
  must_fail 2 "unknown key colour" setstat "$R/f" colour=blue
  must_fail 2 "not an octal mode: rwx" chmod rwx "$R/f"
  must_fail 2 "not a time" setstat "$R/f" mtime=yesterday
  must_fail 1 "chmod $R/nosuch: SSH_FX_NO_SUCH_FILE" chmod 600 "$R/nosuch"
}

check_tree_changes() {
  must rm "$R/del/*.tmp";                      out_is "removed $R/del/1.tmp" "removed $R/del/2.tmp"
  same "$(listing "$L/del")" "3.TMP keep.txt keepdir.tmp star*.txt starX.txt " "rm of a mask"
  must ls "$R/del/star\\*.txt";               out_is "$R/del/star\\*.txt"
  must rm "$R/del/star\\*.txt";               out_is "removed $R/del/star*.txt"
  same "$(listing "$L/del")" "3.TMP keep.txt keepdir.tmp starX.txt " "rm of an escaped '*'"
  must_fail 1 "rm $R/del/*.tmp: SSH_FX_NO_SUCH_FILE (No file matches)" rm "$R/del/*.tmp"
  must rm -f "$R/del/*.tmp";                   out_is
  must_fail 1 "rm $R/del/nosuch: SSH_FX_NO_SUCH_FILE" rm "$R/del/nosuch"
  must rm -f "$R/del/nosuch" "$R/del/keep.txt"
  same "$(listing "$L/del")" "3.TMP keepdir.tmp starX.txt " "rm -f of a missing and a present file"

  must mkdir -p "$R/p/q/r";                    [[ -d "$L/p/q/r" ]] || fail "$SITE: mkdir -p made no p/q/r"
  must mkdir -p "$R/p/q/r/"
  must_fail 1 "mkdir $R/p: SSH_FX_" mkdir "$R/p"
  must_fail 1 "mkdir $R/f: SSH_FX_NOT_A_DIRECTORY" mkdir -p "$R/f/x"
  must rmdir "$R/p/q/r";                       [[ ! -e "$L/p/q/r" ]] || fail "$SITE: rmdir left p/q/r"
  must_fail 1 "rmdir $R/p: SSH_FX_" rmdir "$R/p"

  must_fail 1 "mv $R/one: SSH_FX_" mv "$R/one" "$R/two"
  same "$(cat "$L/one") $(cat "$L/two")" "one two" "a refused mv changed nothing"
  must mv -f "$R/one" "$R/two"
  [[ ! -e "$L/one" ]] || fail "$SITE: mv -f left the source"
  same "$(cat "$L/two")" one "mv -f replaced the target"
  must mv "$R/two" "$R/p/three";               same "$(cat "$L/p/three")" one "mv into a directory"
  must_fail 1 "mv $R/nosuch: SSH_FX_NO_SUCH_FILE" mv "$R/nosuch" "$R/x"
}

# The working directories carry from line to line; a '-' line may fail.
check_batch() {
  mkdir -p "$WORK/client/local"
  cat > "$WORK/client/batch" <<EOF
# every line relative to the cd and lcd before it
cd $R/m
pwd
lcd $WORK/client/local
lpwd
-rm nosuch.edi
ls *.edi
  ls -i --exclude 'test*' "*.EDI"
realpath a.edi
exists link
mkdir -p made/deeper
touch -m 1500000000 made/deeper/stamp
chmod 604 made/deeper/stamp
setstat made/deeper/stamp mode=606
ln -s ../a.edi made/link.edi
mv -f made/deeper/stamp made/stamp
rm made/*.edi
EOF
  must -b "$WORK/client/batch"
  out_is "$R/m" "$WORK/client/local" a.edi test.edi a.edi b.EDI "$R/m/a.edi" "$R/m/link exists" \
    "removed $R/m/made/link.edi"
  grep -qF "batch line 6: rm $R/m/nosuch.edi: SSH_FX_NO_SUCH_FILE" "$WORK/err" || fail "$SITE: batch '-' line: $(cat "$WORK/err")"
  grep -qF "sftp> ls *.edi" "$WORK/err" || fail "$SITE: batch lines are not echoed: $(cat "$WORK/err")"
  same "$(stat -c '%a %Y' "$L/m/made/stamp")" "606 1500000000" "batch touch, chmod, setstat, mv -f"
  [[ -d "$L/m/made/deeper" && ! -L "$L/m/made/link.edi" ]] || fail "$SITE: batch mkdir -p, ln -s, rm"

  printf '%s\n' "mkdir $R/b1" "rm $R/nosuch" "mkdir $R/b2" > "$WORK/client/failing"
  must_fail 1 "failing line 2: rm $R/nosuch: SSH_FX_NO_SUCH_FILE" -b "$WORK/client/failing"
  [[ -d "$L/b1" && ! -e "$L/b2" ]] || fail "$SITE: a failed batch line did not stop the batch"
  printf '%s\n' "pwd" "ls --bogus" "mkdir $R/b3" > "$WORK/client/misused"
  must_fail 2 "misused line 2: ls: unknown flag --bogus" -b "$WORK/client/misused"
  [[ ! -e "$L/b3" ]] || fail "$SITE: a usage error did not stop the batch"
  must_fail 1 "cd $R/f: SSH_FX_NOT_A_DIRECTORY" cd "$R/f"
}

check_site() {
  fixture
  check_listing
  check_names
  check_attributes
  check_tree_changes
  check_batch
}

# ---- wharfd, v3 to v6 --------------------------------------------------------------------------

site_sftp() {
  local words
  mapfile -d '' words < <(with_target alice@127.0.0.1 "$@")
  "$WHARF" sftp -p "$port" -i "$WORK/client/id_ed25519" --known-hosts "$WORK/client/known_hosts" \
    --sftp-version "$VERSION" "${words[@]}"
}
root="$WORK/data/alice"
head -c 300001 /dev/urandom > "$root/blob"
cp "$root/blob" "$WORK/client/blob.same"
echo different > "$WORK/client/blob.other"

for VERSION in 3 4 5 6; do
  SITE="wharfd v$VERSION" R="/v$VERSION" L="$root/v$VERSION"
  check_site

  # Owners: numeric ids in v3, names from v4 on; wharfd lets no one give files away.
  if [[ $VERSION -eq 3 ]]; then
    must chown 0 "$R/f"
    must chgrp 0 "$R/f"
    must_fail 2 "SFTP v3 sets a numeric uid, not root" chown root "$R/f"
    must_fail 1 "chown $R/f: SSH_FX_PERMISSION_DENIED" chown 12345 "$R/f"
  else
    must chown root "$R/f"
    must chgrp root "$R/f"
    must stat "$R/f";                          same "$(field owner) $(field group)" "root root" "stat owner and group"
    must_fail 1 "chown $R/f: SSH_FX_PERMISSION_DENIED" chown nobody "$R/f"
    must_fail 1 "(Unknown owner)" chown no-such-user "$R/f"
  fi
  same "$(stat -c '%u %g' "$L/f")" "0 0" "ownership after chown/chgrp"

  for algorithm in md5 sha1 sha256 sha512; do
    must hash -a $algorithm /blob
    out_is "$(${algorithm}sum < "$root/blob" | cut -d' ' -f1)  /blob"
  done
  must hash /blob "$WORK/client/blob.same"
  out_has "^$(sha256sum < "$root/blob" | cut -d' ' -f1)  /blob\$"
  out_has "^/blob: same sha256 as $WORK/client/blob.same\$"
  must_fail 1 "hash /blob: differs from $WORK/client/blob.other" hash -a sha1 /blob "$WORK/client/blob.other"
  must_fail 1 "hash /nosuch: SSH_FX_NO_SUCH_FILE" hash /nosuch
  must_fail 2 "-a takes md5, sha1, sha256 or sha512, not crc32" hash -a crc32 /blob

  must cp /blob "$R/blob.copy"
  same "$(sha256sum < "$L/blob.copy")" "$(sha256sum < "$root/blob")" "cp (copy-file)"
  must_fail 1 "cp /nosuch: SSH_FX_NO_SUCH_FILE" cp /nosuch "$R/x"

  total=$(( $(stat -f -c '%b * %S' "$root") ))
  must df /;                                   same "$(field total)" "$total" "df total (statvfs@openssh.com)"
  [[ -n "$(field free)" && -n "$(field available)" ]] || fail "$SITE: df: $(cat "$WORK/out")"
  must df --space-available /;                 same "$(field total)" "$total" "df total (space-available)"
  must df -h /;                                out_has '^total: [0-9.]+[KMGTPE]$'

  must version
  same "$(field version)" "$VERSION" "version"
  out_has '^vendor: wharf '
  out_has '^extension: posix-rename@openssh.com 1$'
  out_has '^extension: check-file md5,sha1,sha256,sha512$'
  pass "wharf sftp file commands against wharfd v$VERSION"
done

# A one-shot command is parsed before connecting: a usage error costs no session.
connections=$(count_events ssh.connect)
VERSION=3 SITE="wharfd usage"
must_fail 2 "usage: mv [-f] OLD NEW" mv /only-one
must_fail 2 "rm: unknown flag -x" rm -x /a
same "$(count_events ssh.connect)" "$connections" "connections opened for usage errors"
assert_all_json
stop_wharfd_within 5

# ---- OpenSSH internal-sftp (v3) -----------------------------------------------------------------

me=$(id -un)
start_private_sshd "$WORK/client/id_ed25519.pub" "Subsystem sftp internal-sftp"
echo "[127.0.0.1]:$SSHD_PORT $(cat "$SSHD_HOST_KEY")" > "$WORK/client/sshd_known_hosts"
site_sftp() {
  local words
  mapfile -d '' words < <(with_target "$me@127.0.0.1" "$@")
  "$WHARF" sftp -p "$SSHD_PORT" -i "$WORK/client/id_ed25519" --known-hosts "$WORK/client/sshd_known_hosts" \
    --sftp-version 6 "${words[@]}"
}
SITE="OpenSSH" R="$WORK/sshd_files" L="$WORK/sshd_files"
check_site

if [[ $(id -u) -eq 0 ]]; then  # OpenSSH changes owners for whoever may
  must chown 12345 "$R/f"
  must chgrp 54321 "$R/f"
  same "$(stat -c '%u %g' "$L/f")" "12345 54321" "chown and chgrp (numeric in v3)"
fi
must_fail 2 "SFTP v3 sets a numeric gid, not staff" chgrp staff "$R/f"
must_fail 1 "hash $R/m/a.edi: SSH_FX_OP_UNSUPPORTED" hash "$R/m/a.edi"
must cp "$R/m/a.edi" "$R/copied.edi"          # OpenSSH 9.2 has copy-data, not copy-file
same "$(cat "$L/copied.edi")" a.edi "cp (copy-data)"
must_fail 1 "cp $R/nosuch: SSH_FX_NO_SUCH_FILE" cp "$R/nosuch" "$R/x"
must df "$R";                                   same "$(field total)" "$(( $(stat -f -c '%b * %S' "$L") ))" "df total"
must_fail 1 "df $R: SSH_FX_OP_UNSUPPORTED" df --space-available "$R"
must version
same "$(field version)" 3 "version against OpenSSH"
out_has '^extension: copy-data 1$'
out_has '^extension: hardlink@openssh.com 1$'
pass "wharf sftp file commands against OpenSSH internal-sftp (v3)"
