#include "sftp_test_util.hpp"

using namespace sftp_test;

namespace {

sftp::FileAttributes decode_attrs(std::string_view wire, std::uint32_t version) {
    const ssh::Bytes bytes = hex(wire);
    ssh::Reader in("ATTRS", ssh::ByteView(bytes));
    auto attrs = sftp::FileAttributes::decode(in, version);
    in.expect_end();
    return attrs;
}

}  // namespace

TEST_CASE("attribute round trips per version", "[sftp][attrs]") {
    for (std::uint32_t v = 3; v <= 6; ++v) {
        const auto attrs = full_attributes(v);
        ssh::Writer out;
        attrs.encode(out, v);
        ssh::Reader in("ATTRS", ssh::ByteView(out.bytes()));
        CHECK(sftp::FileAttributes::decode(in, v) == attrs);
        CHECK(in.at_end());
    }
}

TEST_CASE("flags a version does not define are rejected", "[sftp][attrs]") {
    CHECK_THROWS_AS(decode_attrs("00000010", 3), ssh::DecodeError);        // CREATETIME in v3
    CHECK_THROWS_AS(decode_attrs("00000002 01 00000000 00000000", 4), ssh::DecodeError);  // UIDGID
    CHECK_THROWS_AS(decode_attrs("00000200 01 00000000", 4), ssh::DecodeError);  // BITS in v4
    CHECK_THROWS_AS(decode_attrs("00000400 01 0000000000000000", 5), ssh::DecodeError);
    CHECK_THROWS_AS(decode_attrs("40000000 01", 6), ssh::DecodeError);
    // Lenient: SUBSECOND_TIMES without any time, unknown type and text-hint values.
    CHECK(decode_attrs("00000100 05", 4).type == sftp::FileType::unknown);
    CHECK(static_cast<int>(*decode_attrs("00000000 2a", 6).type) == 42);
    CHECK(decode_attrs("00000800 01 7f", 6).text_hint == 0x7f);
}

TEST_CASE("nanoseconds above 999999999 are invalid", "[sftp][attrs]") {
    CHECK_THROWS_AS(decode_attrs("00000108 01 0000000000000000 3b9aca00", 4), ssh::DecodeError);
    CHECK(decode_attrs("00000108 01 0000000000000000 3b9ac9ff", 4).atime ==
          sftp::FileTime{0, 999999999});
}

TEST_CASE("huge extended counts fail before allocating", "[sftp][attrs]") {
    CHECK_THROWS_WITH(decode_attrs("80000000 ffffffff", 3),
                      Catch::Contains("exceeds the bytes left"));
    CHECK_THROWS_AS(decode_attrs("80000000 01 7fffffff 00000000 00000000", 4), ssh::DecodeError);
    CHECK_THROWS_AS(decode_attrs("00000040 01 ffffffff", 4), ssh::DecodeError);  // ACL length
}

TEST_CASE("v3 encoding drops what v3 cannot say", "[sftp][attrs]") {
    sftp::FileAttributes a;
    a.mtime = sftp::FileTime{-5, 7};  // no atime: ACMODTIME needs both
    a.owner_group = sftp::OwnerGroup{"u", "g"};
    CHECK(a.flags_for(3) == 0);
    a.atime = sftp::FileTime{1LL << 40, std::nullopt};
    ssh::Writer out;
    a.encode(out, 3);
    CHECK(to_hex(out.bytes()) == "00000008" "ffffffff" "00000000");  // clamped to uint32
}

TEST_CASE("the v4 type byte comes from the mode when unset", "[sftp][attrs]") {
    sftp::FileAttributes a;
    a.permissions = 040755;
    ssh::Writer out;
    a.encode(out, 4);
    CHECK(to_hex(out.bytes()) == "00000004" "02" "000041ed");
    CHECK(sftp::file_type_from_mode(0120777) == sftp::FileType::symlink);
    CHECK(sftp::mode_type_bits(sftp::FileType::fifo) == 0010000u);
}
