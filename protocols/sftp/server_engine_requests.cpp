// ServerEngine: one handler per packet type. Each checks what the engine can check, makes one
// Filesystem call (two where the version asks for more, as NOFOLLOW and REALPATH v6 do), and
// the reply comes from its completion.
#include "protocols/sftp/server_engine.hpp"

#include "protocols/sftp/detail/server_capabilities.hpp"
#include "protocols/sftp/detail/server_engine_completion.hpp"

#include <algorithm>
#include <iterator>
#include <utility>
#include <vector>

namespace wharf::sftp {

namespace {

namespace of = open_flags;
using detail::kBlockVector;
using detail::kHonouredOpenFlags;

constexpr std::uint32_t kBlockBits =
    of::block_read | of::block_write | of::block_delete | of::block_advisory;
constexpr std::uint32_t kRenameFlags =
    rename_flags::overwrite | rename_flags::atomic | rename_flags::native;

bool writes_or_creates(const OpenMode& mode) {
    return (mode.desired_access & (ace4::write_data | ace4::append_data)) != 0 ||
           (mode.flags & of::access_disposition) != of::open_existing;
}

// REALPATH v6: each compose path applies to the result so far; an absolute one replaces it.
std::string composed_path(std::string path, const std::vector<std::string>& compose) {
    for (const std::string& part : compose) {
        if (part.empty()) continue;
        if (part.front() == '/' || path.empty()) {
            path = part;
        } else {
            path += (path.back() == '/' ? "" : "/") + part;
        }
    }
    return path;
}

// An absolute path with ".", ".." and repeated slashes resolved by name alone, no links
// followed (REALPATH v6 NO_CHECK: -13 8.9 forbids resolving them). ".." stops at "/".
std::string lexically_normal(const std::string& absolute) {
    std::vector<std::string> parts;
    std::size_t start = 0;
    while (start <= absolute.size()) {
        const std::size_t slash = std::min(absolute.find('/', start), absolute.size());
        const std::string part = absolute.substr(start, slash - start);
        if (part == "..") {
            if (!parts.empty()) parts.pop_back();
        } else if (!part.empty() && part != ".") {
            parts.push_back(part);
        }
        start = slash + 1;
    }
    std::string out;
    for (const auto& part : parts) out += "/" + part;
    return out.empty() ? "/" : out;
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// Files

void ServerEngine::handle_open(Open& m) {
    OpenMode mode = open_mode(m, *m_version);
    // v3 defines no text flag; sftp-server ignores pflags it does not know, and so do we.
    if (*m_version == 3) mode.flags &= ~of::text_mode;
    // BLOCK_* at open (we take no share locks), DELETE_ON_CLOSE and the privilege flags: a
    // flag we cannot honour must fail the open (-13 8.1.1.3, 5.4).
    if ((mode.flags & ~kHonouredOpenFlags) != 0) {
        send_status(m.request_id, StatusCode::op_unsupported);
        return;
    }
    if ((mode.flags & of::access_disposition) > of::truncate_existing) {
        send_error(m.request_id, Error::invalid_parameter);
        return;
    }
    if (m_config.read_only && writes_or_creates(mode)) {
        send_status(m.request_id, StatusCode::permission_denied);
        return;
    }
    if ((mode.flags & of::nofollow) == 0) {
        open_checked(m, mode);
        return;
    }
    // NOFOLLOW: a symlink as the last component fails with LINK_LOOP. Checked with LSTAT
    // first, so a link swapped in between is the file system's to refuse (it gets the flag).
    const std::uint32_t id = m.request_id;
    std::string path = m.filename;
    m_fs.stat(id, std::move(path), false,
              settle<FileAttributes>(id, [this, id, m, mode](Result<FileAttributes>& r) mutable {
                  if (r && r.value().file_type() == FileType::symlink) {
                      send_error(id, Error::link_loop);
                      return;
                  }
                  open_checked(m, mode);  // missing: OPEN creates it or reports the error
              }));
}

void ServerEngine::open_checked(Open& m, OpenMode mode) {
    if (m_handles.size() + m_opening >= m_config.max_handles) {
        send_status(m.request_id, StatusCode::failure);
        return;
    }
    const bool text = (mode.flags & of::text_mode) != 0;
    m_fs.open(m.request_id, std::move(m.filename), mode, std::move(m.attrs),
              reply_handle(m.request_id, false, text));
}

void ServerEngine::handle_close(Close& m) {
    OpenHandle* handle = find_handle(m.request_id, m.handle, std::nullopt);
    if (handle == nullptr) return;
    const FsHandle fs = handle->fs;
    drop_text_queue(*handle);
    m_handles.erase(m.handle);  // at once: later requests on it are invalid, whatever CLOSE says
    m_fs.close(m.request_id, fs, reply_status(m.request_id));
}

void ServerEngine::handle_read(Read& m) {
    OpenHandle* handle = find_handle(m.request_id, m.handle, false);
    if (handle == nullptr) return;
    if (handle->text) {
        const std::string key = m.handle;  // before the request is moved away
        queue_text_request(key, *handle, std::move(m));
        return;
    }
    const std::uint32_t length = std::min(m.length, m_config.max_read_length);
    const std::uint32_t id = m.request_id;
    m_fs.read(id, handle->fs, m.offset, length,
              completion<ssh::Bytes>(id, [this, id, length](Result<ssh::Bytes>& r) {
                  ssh::Bytes& data = r.value();
                  if (data.empty()) {  // a zero-length DATA would make clients spin
                      send_status(id, StatusCode::eof);
                      return;
                  }
                  if (data.size() > length) data.resize(length);
                  m_out.write(Data{id, std::move(data), std::nullopt}, *m_version);
              }));
}

void ServerEngine::handle_write(Write& m) {
    OpenHandle* handle = find_handle(m.request_id, m.handle, false);
    if (handle == nullptr) return;
    // OpenSSH accepts whatever fits its packet limit; ours may be set lower than the packet.
    if (m.data.size() > m_config.max_write_length) {
        send_error(m.request_id, Error::invalid_parameter);
        return;
    }
    if (handle->text) {
        const std::string key = m.handle;  // before the request is moved away
        queue_text_request(key, *handle, std::move(m));
        return;
    }
    m_fs.write(m.request_id, handle->fs, m.offset, std::move(m.data), reply_status(m.request_id));
}

// ---------------------------------------------------------------------------------------------
// Attributes. The v4+ `flags` of STAT/LSTAT/FSTAT only say what the client wants to see: the
// draft lets a server send more (-13 8.5), and the file system's stat fills everything anyway.

void ServerEngine::handle_lstat(Lstat& m) {
    m_fs.stat(m.request_id, std::move(m.path), false, reply_attrs(m.request_id));
}

// -13 8.5, 8.6: FSTAT and FSETSTAT take directory handles too.
void ServerEngine::handle_fstat(Fstat& m) {
    const OpenHandle* handle = find_handle(m.request_id, m.handle, std::nullopt);
    if (handle == nullptr) return;
    m_fs.fstat(m.request_id, handle->fs, reply_attrs(m.request_id));
}

bool ServerEngine::refuse_unsettable(std::uint32_t id, const FileAttributes& attrs) {
    if (*m_version == 3 || (attrs.flags_for(*m_version) & ~detail::kSettableAttributes) == 0) return false;
    send_status(id, StatusCode::invalid_parameter);
    return true;
}

void ServerEngine::handle_setstat(Setstat& m) {
    if (refuse_unsettable(m.request_id, m.attrs)) return;
    m_fs.setstat(m.request_id, std::move(m.path), std::move(m.attrs), reply_status(m.request_id));
}

void ServerEngine::handle_fsetstat(Fsetstat& m) {
    if (refuse_unsettable(m.request_id, m.attrs)) return;
    const OpenHandle* handle = find_handle(m.request_id, m.handle, std::nullopt);
    if (handle == nullptr) return;
    m_fs.fsetstat(m.request_id, handle->fs, std::move(m.attrs), reply_status(m.request_id));
}

void ServerEngine::handle_stat(Stat& m) {
    m_fs.stat(m.request_id, std::move(m.path), true, reply_attrs(m.request_id));
}

// ---------------------------------------------------------------------------------------------
// Directories

void ServerEngine::handle_opendir(Opendir& m) {
    if (m_handles.size() + m_opening >= m_config.max_handles) {
        send_status(m.request_id, StatusCode::failure);
        return;
    }
    m_fs.opendir(m.request_id, std::move(m.path), reply_handle(m.request_id, true, false));
}

void ServerEngine::handle_readdir(Readdir& m) {
    OpenHandle* handle = find_handle(m.request_id, m.handle, true);
    if (handle == nullptr) return;
    const std::uint32_t id = m.request_id;
    if (!handle->pending.empty()) {
        send_names(id, handle->pending);
        return;
    }
    m_fs.readdir(id, handle->fs,
                 completion<std::vector<DirEntry>>(
                     id, [this, id, key = m.handle](Result<std::vector<DirEntry>>& r) {
                         std::vector<DirEntry>& batch = r.value();
                         if (batch.empty()) {
                             send_status(id, StatusCode::eof);
                             return;
                         }
                         // The handle may have been closed meanwhile; answer with what came.
                         std::deque<DirEntry> orphan;
                         const auto it = m_handles.find(key);
                         std::deque<DirEntry>& queue =
                             it != m_handles.end() ? it->second.pending : orphan;
                         queue.insert(queue.end(), std::make_move_iterator(batch.begin()),
                                      std::make_move_iterator(batch.end()));
                         send_names(id, queue);
                     }));
}

void ServerEngine::handle_remove(Remove& m) {
    m_fs.remove(m.request_id, std::move(m.filename), reply_status(m.request_id));
}

void ServerEngine::handle_mkdir(Mkdir& m) {
    m_fs.mkdir(m.request_id, std::move(m.path), std::move(m.attrs), reply_status(m.request_id));
}

void ServerEngine::handle_rmdir(Rmdir& m) {
    m_fs.rmdir(m.request_id, std::move(m.path), reply_status(m.request_id));
}

// ---------------------------------------------------------------------------------------------
// Names

// v3-v5: the file system's canonical form. v6: compose paths and the control byte (-13 8.9).
void ServerEngine::handle_realpath(Realpath& m) {
    if (*m_version < 6) {
        m_fs.realpath(m.request_id, std::move(m.path), reply_name(m.request_id));
        return;
    }
    const std::uint8_t control = m.control.value_or(realpath_control::no_check);
    if (control < realpath_control::no_check || control > realpath_control::stat_always) {
        send_error(m.request_id, Error::invalid_parameter);
        return;
    }
    realpath_composed(m.request_id, composed_path(std::move(m.path), m.compose), control);
}

// STAT_ALWAYS resolves through the file system and must stat. NO_CHECK and STAT_IF must not
// fail for a missing path, so they resolve by name (a relative path against the home, which
// REALPATH "." gives) and STAT_IF adds attributes when the path can be stat'ed.
void ServerEngine::realpath_composed(std::uint32_t id, std::string path, std::uint8_t control) {
    if (control == realpath_control::stat_always) {
        const auto stat_resolved = [this, id](Result<std::string>& r) {
            std::string resolved = r.value();
            const auto reply = [this, id, resolved](Result<FileAttributes>& a) {
                send_path(id, resolved, presented(std::move(a.value())));
            };
            m_fs.stat(id, resolved, true, completion<FileAttributes>(id, reply));
        };
        m_fs.realpath(id, std::move(path), completion<std::string>(id, stat_resolved));
        return;
    }
    const auto answer = [this, id, control](const std::string& canonical) {
        if (control == realpath_control::no_check) {
            send_path(id, canonical);  // dummy attributes, as the draft says
            return;
        }
        m_fs.stat(id, canonical, true,
                  settle<FileAttributes>(id, [this, id, canonical](Result<FileAttributes>& a) {
                      FileAttributes attrs;
                      attrs.type = FileType::unknown;  // -13: a failed stat shows UNKNOWN
                      if (a) attrs = presented(std::move(a.value()));
                      send_path(id, canonical, std::move(attrs));
                  }));
    };
    if (!path.empty() && path.front() == '/') {
        answer(lexically_normal(path));
        return;
    }
    m_fs.realpath(id, ".", completion<std::string>(id, [answer, path](Result<std::string>& home) {
        answer(lexically_normal(home.value() + "/" + path));
    }));
}

void ServerEngine::handle_rename(Rename& m) {
    if ((m.flags & ~kRenameFlags) != 0) {
        send_status(m.request_id, StatusCode::op_unsupported);
        return;
    }
    // -05 6.5: in v5 ATOMIC implies OVERWRITE (-13 8.3 drops that: atomic alone is a
    // check-and-rename there, which is what no_overwrite gives).
    if (*m_version == 5 && (m.flags & rename_flags::atomic) != 0) m.flags |= rename_flags::overwrite;
    m_fs.rename(m.request_id, std::move(m.old_path), std::move(m.new_path), m.flags,
                reply_status(m.request_id));
}

void ServerEngine::handle_readlink(Readlink& m) {
    m_fs.readlink(m.request_id, std::move(m.path), reply_name(m.request_id));
}

void ServerEngine::handle_symlink(Symlink& m) {
    m_fs.symlink(m.request_id, std::move(m.link_path), std::move(m.target_path),
                 reply_status(m.request_id));
}

// v6 LINK: both kinds of link in one request (-13 8.7).
void ServerEngine::handle_link(Link& m) {
    if (m.symbolic) {
        m_fs.symlink(m.request_id, std::move(m.new_link_path), std::move(m.existing_path),
                     reply_status(m.request_id));
    } else {
        m_fs.link(m.request_id, std::move(m.existing_path), std::move(m.new_link_path),
                  reply_status(m.request_id));
    }
}

// ---------------------------------------------------------------------------------------------
// Byte-range locks (v6). The file system reports an overlap as lock_conflict and an UNBLOCK
// without its BLOCK as invalid_parameter; the draft names both more precisely (-13 8.8).

void ServerEngine::handle_block(Block& m) {
    const OpenHandle* handle = find_handle(m.request_id, m.handle, std::nullopt);
    if (handle == nullptr) return;
    if ((m.lock_mask & ~kBlockBits) != 0) {
        send_error(m.request_id, Error::invalid_parameter);
        return;
    }
    const unsigned combination = (m.lock_mask & kBlockBits) >> 6;
    if (handle->directory || ((kBlockVector >> combination) & 1U) == 0) {
        send_status(m.request_id, StatusCode::op_unsupported);
        return;
    }
    const std::uint32_t id = m.request_id;
    m_fs.lock(id, handle->fs, m.offset, m.length, m.lock_mask,
              settle<void>(id, [this, id](Result<void>& r) {
                  if (r) {
                      send_status(id, StatusCode::ok);
                  } else if (r.error() == Error::lock_conflict) {
                      send_status(id, StatusCode::byte_range_lock_refused, r.message());
                  } else {
                      send_failure(id, r.failure());
                  }
              }));
}

void ServerEngine::handle_unblock(Unblock& m) {
    const OpenHandle* handle = find_handle(m.request_id, m.handle, std::nullopt);
    if (handle == nullptr) return;
    const std::uint32_t id = m.request_id;
    m_fs.unlock(id, handle->fs, m.offset, m.length, settle<void>(id, [this, id](Result<void>& r) {
                    if (r) {
                        send_status(id, StatusCode::ok);
                    } else if (r.error() == Error::invalid_parameter) {
                        send_status(id, StatusCode::no_matching_byte_range_lock, r.message());
                    } else {
                        send_failure(id, r.failure());
                    }
                }));
}

}  // namespace wharf::sftp
