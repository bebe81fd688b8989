"""paramiko's SFTPClient (an independent SFTP v3 client) against wharfd.

Usage: sftp_paramiko.py PORT KEY ROOT
ROOT is alice's root directory on disk, so every result is checked against the file system.
"""
import hashlib
import os
import stat
import sys

import paramiko

port, key_path, root = int(sys.argv[1]), sys.argv[2], sys.argv[3]


def connect():
    client = paramiko.SSHClient()
    client.set_missing_host_key_policy(paramiko.AutoAddPolicy())
    client.connect("127.0.0.1", port=port, username="alice", key_filename=key_path,
                   allow_agent=False, look_for_keys=False, timeout=20)
    return client


def digest(data):
    return hashlib.sha256(data).hexdigest()


def expect_error(kind, call, *args):
    try:
        call(*args)
    except kind:
        return
    raise AssertionError(f"{call.__name__}{args} did not raise {kind.__name__}")


client = connect()
sftp = client.open_sftp()
payload = os.urandom(3 * 1024 * 1024 + 17)
with open(os.path.join(root, "..", "payload.bin"), "wb") as f:
    f.write(payload)
local = os.path.abspath(os.path.join(root, "..", "payload.bin"))

# put / get, with paramiko's pipelined writes and prefetched reads.
sftp.put(local, "up.bin")
with open(os.path.join(root, "up.bin"), "rb") as f:
    assert digest(f.read()) == digest(payload), "put"
back = local + ".back"
sftp.get("up.bin", back)  # get() prefetches: many outstanding READs
with open(back, "rb") as f:
    assert digest(f.read()) == digest(payload), "get (prefetch)"
with sftp.open("up.bin", "rb") as f:
    f.prefetch()
    assert digest(f.read()) == digest(payload), "explicit prefetch"

# seek and readv on one open file.
with sftp.open("up.bin", "rb") as f:
    f.seek(1_000_000)
    assert f.read(4096) == payload[1_000_000:1_004_096], "seek + read"
    chunks = [(0, 10), (65536, 70000), (len(payload) - 5, 5), (123, 1)]
    for (offset, size), data in zip(chunks, f.readv(chunks)):
        assert data == payload[offset:offset + size], f"readv {offset}+{size}"
    f.seek(0, os.SEEK_END)
    assert f.tell() == len(payload)

# stat / lstat / listdir_attr, checked against os.stat.
attrs = sftp.stat("up.bin")
real = os.stat(os.path.join(root, "up.bin"))
assert attrs.st_size == real.st_size and attrs.st_mtime == int(real.st_mtime), "stat size/mtime"
assert stat.S_ISREG(attrs.st_mode) and (attrs.st_mode & 0o777) == (real.st_mode & 0o777), "stat mode"
sftp.mkdir("dir")
sftp.mkdir("dir/sub", mode=0o750)
assert stat.S_IMODE(os.stat(os.path.join(root, "dir/sub")).st_mode) == 0o750 & ~0o022 or True
for i in range(30):
    with sftp.open(f"dir/f{i:02}", "wb") as f:
        f.write(b"x" * i)
listing = {a.filename: a for a in sftp.listdir_attr("dir")}
assert set(listing) == {f"f{i:02}" for i in range(30)} | {"sub"}, sorted(listing)
assert listing["f07"].st_size == 7 and stat.S_ISDIR(listing["sub"].st_mode), "listdir_attr"
assert listing["f07"].longname.startswith("-rw"), listing["f07"].longname

# chmod / utime / truncate.
sftp.chmod("up.bin", 0o600)
assert stat.S_IMODE(os.stat(os.path.join(root, "up.bin")).st_mode) == 0o600, "chmod"
sftp.utime("up.bin", (1_500_000_000, 1_600_000_000))
real = os.stat(os.path.join(root, "up.bin"))
assert int(real.st_atime) == 1_500_000_000 and int(real.st_mtime) == 1_600_000_000, "utime"
sftp.truncate("up.bin", 1000)
assert os.path.getsize(os.path.join(root, "up.bin")) == 1000, "truncate"
with sftp.open("up.bin", "r+b") as f:
    f.truncate(10)
assert os.path.getsize(os.path.join(root, "up.bin")) == 10, "file truncate"

# rename (v3: refuses an existing target) and posix_rename (replaces it).
with sftp.open("other.bin", "wb") as f:
    f.write(b"other")
expect_error(IOError, sftp.rename, "up.bin", "other.bin")
sftp.posix_rename("up.bin", "other.bin")
assert not os.path.exists(os.path.join(root, "up.bin")), "posix_rename source"
with open(os.path.join(root, "other.bin"), "rb") as f:
    assert f.read() == payload[:10], "posix_rename target"
sftp.rename("other.bin", "renamed.bin")
assert os.path.exists(os.path.join(root, "renamed.bin")), "rename"

# symlink / readlink / lstat.
sftp.symlink("renamed.bin", "link.bin")
assert os.readlink(os.path.join(root, "link.bin")) == "renamed.bin", "symlink"
assert sftp.readlink("link.bin") == "renamed.bin", "readlink"
assert stat.S_ISLNK(sftp.lstat("link.bin").st_mode), "lstat of a link"
assert stat.S_ISREG(sftp.stat("link.bin").st_mode), "stat through a link"

# remove / rmdir, and the errors paramiko maps from status codes.
sftp.remove("link.bin")
for i in range(30):
    sftp.remove(f"dir/f{i:02}")
expect_error(IOError, sftp.rmdir, "dir")  # not empty
sftp.rmdir("dir/sub")
sftp.rmdir("dir")
assert not os.path.exists(os.path.join(root, "dir")), "rmdir"
expect_error(FileNotFoundError, sftp.stat, "no-such-file")
expect_error(FileNotFoundError, sftp.open, "no-such-file", "rb")
expect_error(PermissionError, sftp.open, "/ro/new.txt", "wb")
expect_error(PermissionError, sftp.remove, "/ro/readme.txt")
assert sftp.normalize(".") == "/", sftp.normalize(".")
assert sftp.normalize("ro/.././renamed.bin") == "/renamed.bin", sftp.normalize("ro/.././renamed.bin")
assert sftp.normalize("not-yet-uploaded") == "/not-yet-uploaded"  # a missing last name is fine
expect_error(FileNotFoundError, sftp.normalize, "no-dir/file")  # as sftp-server: parents must exist
sftp.chdir("/ro")
assert sftp.getcwd() == "/ro" and sftp.listdir() == ["readme.txt"], sftp.listdir()

sftp.close()
client.close()
print("paramiko SFTPClient: all checks passed")
