#!/usr/bin/env bash
# `wharf sftp put -r` / `get -r`: a tree of 1,000 files (10 dirs x 10 subdirs x 10 files of a
# few KB, random content) mirrored up and back down against wharfd and a private OpenSSH sshd
# (internal-sftp), compared file by file (sorted SHA-256 lists); masks, an exclude mask and -i
# on a tree; symbolic links in a tree skipped with a note; the --parallel limit seen in the JSON
# lines (the most [start, end] intervals that overlap equals the limit).
source "$(dirname "$0")/lib.sh"

start_sftp_client_peers sshd

C="$WORK/client"
# Names cycle through f*.edi, f*.txt and F*.EDI, so masks select a known part.
$PY - "$C/tree" <<'PYEOF'
import os, random, sys
random.seed(11)
root = sys.argv[1]
for d in range(10):
    for s in range(10):
        path = os.path.join(root, f"d{d}", f"s{s}")
        os.makedirs(path)
        for f in range(10):
            k = d * 100 + s * 10 + f
            name = (f"f{k}.edi", f"f{k}.txt", f"F{k}.EDI")[k % 3]
            with open(os.path.join(path, name), "wb") as out:
                out.write(os.urandom(random.randint(1000, 6000)))
PYEOF
ln -s /etc/passwd "$C/tree/d0/link-out"
[[ $(find "$C/tree" -type f | wc -l) -eq 1000 ]] || fail "the tree does not hold 1000 files"

SERVER=""
xf() {
  case $SERVER in
    wharfd) set -- -p "$port" --known-hosts "$C/known_hosts" "$@" ;;
    sshd) set -- -p "$SSHD_PORT" --known-hosts "$C/sshd_known_hosts" "$@" ;;
  esac
  "$WHARF" sftp -i "$C/id_ed25519" "$@" > "$WORK/out" 2> "$WORK/err"
}
target() { if [[ $SERVER == sshd ]]; then echo "$me@127.0.0.1"; else echo alice@127.0.0.1; fi; }
R() { if [[ $SERVER == sshd ]]; then echo "$WORK/sshd_files/$1"; else echo "/$1"; fi; }
D() { if [[ $SERVER == sshd ]]; then echo "$WORK/sshd_files/$1"; else echo "$WORK/data/alice/$1"; fi; }
# listing DIR: "sha  relative/path" of every regular file under DIR, sorted.
listing() { (cd "$1" && find . -type f -print0 | sort -z | xargs -0 -r sha256sum); }
# expected_masked DIR PYTHON-CONDITION-ON-name: the listing of the files whose name passes.
expected_masked() {
  (cd "$1" && find . -type f -print0 | sort -z | xargs -0 -r sha256sum) | $PY -c '
import sys
cond = sys.argv[1]
for line in sys.stdin:
    name = line.rstrip("\n").rsplit("/", 1)[1]
    if eval(cond): sys.stdout.write(line)' "$2"
}
# max_overlap: the most JSON-line intervals [start_ms, end_ms] that share a moment.
max_overlap() {
  $PY - "$WORK/out" <<'PYEOF'
import json, sys
events = []
for line in open(sys.argv[1]):
    r = json.loads(line)
    assert r["status"] == "ok", r
    events += [(r["start_ms"], 0), (r["end_ms"], 1)]   # starts before ends at the same moment
events.sort()
now = best = 0
for _, kind in events:
    now += 1 if kind == 0 else -1
    best = max(best, now)
print(best)
PYEOF
}

want=$(listing "$C/tree")
for SERVER in wharfd sshd; do
  rm -rf "$C/back" "$C/masked"
  xf --json --parallel 3 put -r "$C/tree" "$(target):$(R tree)" || fail "$SERVER: put -r: $(cat "$WORK/err")"
  [[ "$(listing "$(D tree)")" == "$want" ]] || fail "$SERVER: put -r: the remote tree differs"
  [[ $(wc -l < "$WORK/out") -eq 1000 ]] || fail "$SERVER: put -r reported $(wc -l < "$WORK/out") files"
  [[ "$(max_overlap)" == 3 ]] || fail "$SERVER: put -r --parallel 3 ran $(max_overlap) at once"
  grep -q "skipping symbolic link $C/tree/d0/link-out" "$WORK/err" || fail "$SERVER: no note on the link: $(cat "$WORK/err")"
  [[ ! -e "$(D tree/d0/link-out)" && ! -L "$(D tree/d0/link-out)" ]] || fail "$SERVER: the link was sent"

  xf --json get -r "$(target):$(R tree)" "$C/back" || fail "$SERVER: get -r: $(cat "$WORK/err")"
  [[ "$(listing "$C/back")" == "$want" ]] || fail "$SERVER: get -r: the local tree differs"
  [[ "$(max_overlap)" == 4 ]] || fail "$SERVER: get -r ran $(max_overlap) at once (default --parallel 4)"
  [[ -z "$(find "$C/back" -name '*.part')" ]] || fail "$SERVER: get -r left .part files"

  # Masks on a tree: '*.edi' ignoring case, less what starts with f3 (or F3).
  # --parallel as the command's own flag this time.
  xf --json get -r --parallel 2 -i --mask '*.edi' --exclude 'f3*' "$(target):$(R tree)" "$C/masked" \
    || fail "$SERVER: get -r masks: $(cat "$WORK/err")"
  expect=$(expected_masked "$C/tree" 'name.lower().endswith(".edi") and not name.lower().startswith("f3")')
  [[ "$(listing "$C/masked")" == "$expect" ]] || fail "$SERVER: get -r with masks chose other files"
  [[ "$(max_overlap)" == 2 ]] || fail "$SERVER: get -r --parallel 2 ran $(max_overlap) at once"
  # Case matters without -i; several masks; the upload side.
  xf --parallel 6 put -r --mask '*.txt' --mask 'F1??.EDI' "$C/tree" "$(target):$(R txt)" || fail "$SERVER: put -r masks: $(cat "$WORK/err")"
  expect=$(expected_masked "$C/tree" 'name.endswith(".txt") or (name.startswith("F1") and len(name) == 8 and name.endswith(".EDI"))')
  [[ "$(listing "$(D txt)")" == "$expect" ]] || fail "$SERVER: put -r with masks chose other files"
  [[ -d "$(D txt/d9/s9)" ]] || fail "$SERVER: put -r did not make the directories"
  pass "$SERVER: 1000 files mirrored up and down, masks on trees, --parallel observed"
done
