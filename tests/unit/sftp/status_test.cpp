#include "protocols/sftp/status.hpp"

#include <catch2/catch.hpp>

namespace sftp = wharf::sftp;
using sftp::StatusCode;

TEST_CASE("status names and messages", "[sftp][status]") {
    CHECK(sftp::status_name(0) == "SSH_FX_OK");
    CHECK(sftp::status_name(31) == "SSH_FX_NO_MATCHING_BYTE_RANGE_LOCK");
    CHECK(sftp::status_name(32).empty());
    CHECK(sftp::status_message(2) == "No such file");
    CHECK(sftp::status_message(8) == "Operation unsupported");
    CHECK(sftp::status_message(1000) == "Unknown error");
    for (std::uint32_t code = 0; code <= 31; ++code) {
        CHECK_FALSE(sftp::status_name(code).empty());
        CHECK_FALSE(sftp::status_message(code).empty());
    }
}

TEST_CASE("status downgrade table", "[sftp][status]") {
    struct Row {
        StatusCode code;
        StatusCode v3, v4, v5, v6;
    };
    const Row table[] = {
        {StatusCode::ok, StatusCode::ok, StatusCode::ok, StatusCode::ok, StatusCode::ok},
        {StatusCode::op_unsupported, StatusCode::op_unsupported, StatusCode::op_unsupported,
         StatusCode::op_unsupported, StatusCode::op_unsupported},
        {StatusCode::invalid_handle, StatusCode::failure, StatusCode::invalid_handle,
         StatusCode::invalid_handle, StatusCode::invalid_handle},
        {StatusCode::no_such_path, StatusCode::no_such_file, StatusCode::no_such_path,
         StatusCode::no_such_path, StatusCode::no_such_path},
        {StatusCode::file_already_exists, StatusCode::failure, StatusCode::file_already_exists,
         StatusCode::file_already_exists, StatusCode::file_already_exists},
        {StatusCode::write_protect, StatusCode::permission_denied, StatusCode::write_protect,
         StatusCode::write_protect, StatusCode::write_protect},
        {StatusCode::quota_exceeded, StatusCode::failure, StatusCode::failure,
         StatusCode::quota_exceeded, StatusCode::quota_exceeded},
        {StatusCode::no_space_on_filesystem, StatusCode::failure, StatusCode::failure,
         StatusCode::no_space_on_filesystem, StatusCode::no_space_on_filesystem},
        {StatusCode::dir_not_empty, StatusCode::failure, StatusCode::failure, StatusCode::failure,
         StatusCode::dir_not_empty},
        {StatusCode::not_a_directory, StatusCode::no_such_file, StatusCode::no_such_path,
         StatusCode::no_such_path, StatusCode::not_a_directory},
        {StatusCode::invalid_filename, StatusCode::bad_message, StatusCode::bad_message,
         StatusCode::bad_message, StatusCode::invalid_filename},
        {StatusCode::link_loop, StatusCode::no_such_file, StatusCode::no_such_path,
         StatusCode::no_such_path, StatusCode::link_loop},
        {StatusCode::cannot_delete, StatusCode::permission_denied, StatusCode::permission_denied,
         StatusCode::permission_denied, StatusCode::cannot_delete},
        {StatusCode::file_is_a_directory, StatusCode::failure, StatusCode::failure,
         StatusCode::failure, StatusCode::file_is_a_directory},
        {StatusCode::byte_range_lock_conflict, StatusCode::failure, StatusCode::failure,
         StatusCode::lock_conflict, StatusCode::byte_range_lock_conflict},
        {StatusCode::owner_invalid, StatusCode::failure, StatusCode::failure,
         StatusCode::unknown_principal, StatusCode::owner_invalid},
        {StatusCode::no_matching_byte_range_lock, StatusCode::failure, StatusCode::failure,
         StatusCode::failure, StatusCode::no_matching_byte_range_lock},
        {static_cast<StatusCode>(77), StatusCode::failure, StatusCode::failure,
         StatusCode::failure, StatusCode::failure},
    };
    for (const Row& row : table) {
        INFO("code " << static_cast<std::uint32_t>(row.code));
        CHECK(sftp::status_for(3, row.code) == row.v3);
        CHECK(sftp::status_for(4, row.code) == row.v4);
        CHECK(sftp::status_for(5, row.code) == row.v5);
        CHECK(sftp::status_for(6, row.code) == row.v6);
    }
    // Whatever comes out is defined in that version.
    for (std::uint32_t v = 3; v <= 6; ++v) {
        for (std::uint32_t code = 0; code <= 40; ++code) {
            CHECK(static_cast<std::uint32_t>(sftp::status_for(v, static_cast<StatusCode>(code))) <=
                  sftp::highest_status_code(v));
        }
    }
}
