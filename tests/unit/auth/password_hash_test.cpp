#include "daemon/auth/password_hash.hpp"

#include <botan/argon2.h>
#include <botan/hex.h>
#include <catch2/catch.hpp>

#include <crypt.h>

#include <array>
#include <cstdio>
#include <memory>
#include <vector>

namespace auth = wharf::auth;
using auth::HashScheme;

namespace {

// One argon2id hash made by hash_password, shared by the tests: each costs ~140 ms.
const std::string& sample_hash() {
    static const std::string hash = auth::hash_password("correct horse battery staple");
    return hash;
}

std::string run(const std::string& command) {
    std::string output;
    FILE* pipe = popen(command.c_str(), "r");
    if (pipe == nullptr) {
        return output;
    }
    std::array<char, 256> buffer{};
    std::size_t n = 0;
    while ((n = fread(buffer.data(), 1, buffer.size(), pipe)) > 0) {
        output.append(buffer.data(), n);
    }
    return pclose(pipe) == 0 ? output : std::string();
}

}  // namespace

TEST_CASE("classify_hash by prefix", "[auth][password]") {
    CHECK(auth::classify_hash("$argon2id$v=19$m=65536,t=3,p=1$c2FsdA$aGFzaA") ==
          HashScheme::argon2id);
    CHECK(auth::classify_hash("$2a$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW") ==
          HashScheme::bcrypt);
    CHECK(auth::classify_hash("$2b$12$x") == HashScheme::bcrypt);
    CHECK(auth::classify_hash("$2y$12$x") == HashScheme::bcrypt);
    CHECK(auth::classify_hash("$6$saltstring$x") == HashScheme::sha512_crypt);
    CHECK(auth::classify_hash("$y$j9T$salt$hash") == HashScheme::yescrypt);
    for (const char* other :
         {"", "$", "$argon2i$v=19$m=1,t=1,p=1$a$b", "$argon2d$x", "$2x$05$x", "$1$salt$hash",
          "$5$salt$hash", "plaintext", "!", "*", "!$6$locked"}) {
        INFO(other);
        CHECK(auth::classify_hash(other) == HashScheme::unknown);
    }
}

TEST_CASE("hash_password makes argon2id PHC strings that verify", "[auth][password]") {
    const std::string& hash = sample_hash();
    CHECK(hash.starts_with("$argon2id$v=19$m=65536,t=3,p=1$"));
    CHECK(auth::classify_hash(hash) == HashScheme::argon2id);
    CHECK(auth::verify_password(hash, "correct horse battery staple"));
    CHECK_FALSE(auth::verify_password(hash, "correct horse battery stapl"));
    CHECK_FALSE(auth::verify_password(hash, ""));
    // Same password, fresh salt: a different string, both valid.
    const std::string second = auth::hash_password("correct horse battery staple");
    CHECK(second != hash);
    CHECK(auth::verify_password(second, "correct horse battery staple"));
}

TEST_CASE("argon2id: passwords with NUL and non-ASCII bytes", "[auth][password]") {
    const std::string password("p\0ss w\xc3\xb6rd", 11);
    const std::string hash = auth::hash_password(password);
    CHECK(auth::verify_password(hash, password));
    CHECK_FALSE(auth::verify_password(hash, "p"));
}

TEST_CASE("argon2id reference vectors", "[auth][password]") {
    // From the Argon2 reference implementation's test suite (hex 09316115...3cf7).
    CHECK(
        auth::verify_password("$argon2id$v=19$m=65536,t=2,p=1$c29tZXNhbHQ$"
                              "CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc",
                              "password"));
    CHECK_FALSE(
        auth::verify_password("$argon2id$v=19$m=65536,t=2,p=1$c29tZXNhbHQ$"
                              "CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc",
                              "Password"));

    // RFC 9106 section 5.3 through Botan's raw function: the library we rely on is sound here.
    const std::vector<std::uint8_t> password(32, 0x01);
    const std::vector<std::uint8_t> salt(16, 0x02);
    const std::vector<std::uint8_t> secret(8, 0x03);
    const std::vector<std::uint8_t> ad(12, 0x04);
    std::array<std::uint8_t, 32> tag{};
    Botan::argon2(tag.data(), tag.size(), reinterpret_cast<const char*>(password.data()),
                  password.size(), salt.data(), salt.size(), secret.data(), secret.size(),
                  ad.data(), ad.size(),
                  /*argon2id*/ 2, /*p*/ 4, /*M*/ 32, /*t*/ 3);
    CHECK(Botan::hex_encode(tag.data(), tag.size(), false) ==
          "0d640df58d78766c08c037a34a8b53c9d01ef0452d75b65eb52520e96b01e659");
}

TEST_CASE("SHA-512-crypt: Drepper's vectors", "[auth][password]") {
    // From "Unix crypt using SHA-256 and SHA-512" (Ulrich Drepper), test vectors 1 and 2.
    const char* const v1 =
        "$6$saltstring$svn8UoSVapNtMuq1ukKS4tPQd8iKwSMHWjl/O817G3uBnIFNjnQJuesI68u4"
        "OTLiBFdcbYEdFCoEOfaS35inz1";
    const char* const v2 =
        "$6$rounds=10000$saltstringsaltst$OW1/O6BYHV6BcXZu8QVeXbDWra3Oeqh0sbHbbMCVNSnCM"
        "/UrjmM0Dp8vOuZeHBy/YTBmSK6H9qs/y3RnOaw5v.";
    CHECK(auth::classify_hash(v1) == HashScheme::sha512_crypt);
    CHECK(auth::verify_password(v1, "Hello world!"));
    CHECK(auth::verify_password(v2, "Hello world!"));
    CHECK_FALSE(auth::verify_password(v1, "Hello world"));
    CHECK_FALSE(auth::verify_password(v2, "hello world!"));
    // A NUL would end the password for crypt(3): "Hello world!\0junk" must not pass as a match.
    CHECK_FALSE(auth::verify_password(v1, std::string("Hello world!\0junk", 17)));
}

TEST_CASE("yescrypt through libxcrypt", "[auth][password]") {
    // The setting buffer must be CRYPT_GENSALT_OUTPUT_SIZE (toolchain notes P10).
    std::array<char, CRYPT_GENSALT_OUTPUT_SIZE> setting{};
    REQUIRE(crypt_gensalt_rn("$y$", 0, nullptr, 0, setting.data(),
                             static_cast<int>(setting.size())) != nullptr);
    const auto data = std::make_unique<crypt_data>();
    const char* made = crypt_r("yes please", setting.data(), data.get());
    REQUIRE(made != nullptr);
    const std::string hash(made);
    REQUIRE(hash.starts_with("$y$"));
    CHECK(auth::classify_hash(hash) == HashScheme::yescrypt);
    CHECK(auth::verify_password(hash, "yes please"));
    CHECK_FALSE(auth::verify_password(hash, "yes pleas"));
}

TEST_CASE("bcrypt: OpenWall vectors and all three prefixes", "[auth][password]") {
    // From crypt_blowfish (Openwall) wrapper.c tests; also checked with python3-bcrypt.
    const std::vector<std::pair<const char*, std::string>> vectors{
        {"$2a$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW", "U*U"},
        {"$2a$05$CCCCCCCCCCCCCCCCCCCCC.VGOzA784oUp/Z0DY336zx7pLYAy0lwK", "U*U*"},
        {"$2a$05$XXXXXXXXXXXXXXXXXXXXXOAcXxm9kjPGEMsLznoKqmqw7tc8WCx4a", "U*U*U"},
        {"$2a$05$abcdefghijklmnopqrstuu5s2v8.iXieOjg/.AySBTTZIIVFJeBui",
         "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789chars after 72 "
         "are ignored"},
        {"$2a$05$CCCCCCCCCCCCCCCCCCCCC.7uG0VCzI2bS7j6ymqJi9CdcdxiRTWNy", ""},
        {"$2b$05$/OK.fbVrR/bpIqNJ5ianF.CE5elHaaO4EbggVDjb8P19RukzXSM3e", "\xff\xff\xa3"},
        {"$2y$05$/OK.fbVrR/bpIqNJ5ianF.CE5elHaaO4EbggVDjb8P19RukzXSM3e", "\xff\xff\xa3"},
        {"$2b$05$/OK.fbVrR/bpIqNJ5ianF.Sa7shbm4.OzKpvFnX1pQLmQW96oUlCq", "\xa3"},
    };
    for (const auto& [hash, password] : vectors) {
        INFO(hash);
        CHECK(auth::classify_hash(hash) == HashScheme::bcrypt);
        CHECK(auth::verify_password(hash, password));
        std::string wrong = password + "x";
        if (password.size() >= 72) {
            wrong = "X" + password.substr(1);  // past 72 bytes nothing counts
        }
        CHECK_FALSE(auth::verify_password(hash, wrong));
    }
    // bcrypt reads at most 72 bytes: anything after them is ignored, by design of the scheme.
    CHECK(auth::verify_password(vectors[3].first, vectors[3].second.substr(0, 72)));
    CHECK_FALSE(auth::verify_password(
        "$2a$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW", std::string("U*U\0", 4)));
}

TEST_CASE("bcrypt hashes made by python3-bcrypt verify", "[auth][password]") {
    const std::string made =
        run("/usr/bin/python3 -c 'import bcrypt; "
            "print(bcrypt.hashpw(b\"from python\", bcrypt.gensalt(5)).decode())' 2>/dev/null");
    if (made.empty()) {
        WARN("/usr/bin/python3 with bcrypt not available: skipping");
        return;
    }
    const std::string hash = made.substr(0, made.find('\n'));
    REQUIRE(hash.starts_with("$2b$05$"));
    CHECK(auth::verify_password(hash, "from python"));
    CHECK_FALSE(auth::verify_password(hash, "from pythom"));
    // $2a$ and $2y$ name the same algorithm for ASCII passwords; older tools write them.
    for (const char* prefix : {"$2a$", "$2y$"}) {
        CHECK(auth::verify_password(prefix + hash.substr(4), "from python"));
    }
}

TEST_CASE("malformed and hostile hashes are false, never exceptions", "[auth][password]") {
    const std::string& good = sample_hash();
    const std::vector<std::string> bad{
        "",
        "$argon2id$",
        "$argon2id$v=19$m=65536,t=3,p=1$",
        good.substr(0, good.size() - 5),
        good + "$extra",
        "$argon2id$v=16$m=65536,t=3,p=1$c29tZXNhbHQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc",
        "$argon2id$v=19$m=65536,t=2,p=1$c29t!!!!ZXNhbHQ$"
        "CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc",
        // Parameters that would allocate 4 TiB or run for hours must be refused up front.
        "$argon2id$v=19$m=4294967295,t=2,p=1$c29tZXNhbHQ$"
        "CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc",
        "$argon2id$v=19$m=65536,t=4000000,p=1$c29tZXNhbHQ$"
        "CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc",
        "$argon2id$v=19$m=65536,t=2,p=0$c29tZXNhbHQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc",
        "$argon2id$v=19$m=65536,t=2,p=1000$c29tZXNhbHQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc",
        "$argon2id$v=19$t=2,m=65536,p=1$c29tZXNhbHQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc",
        "$argon2id$v=19$m=99999999999999999999,t=2,p=1$c29tZXNhbHQ$"
        "CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc",
        "$2b$05$short",
        "$2b$05$/OK.fbVrR/bpIqNJ5ianF.CE5elHaaO4EbggVDjb8P19RukzXSM3",
        "$2b$xx$/OK.fbVrR/bpIqNJ5ianF.CE5elHaaO4EbggVDjb8P19RukzXSM3e",
        "$6$",
        "$6$saltstring",
        "$6$saltstring$",
        "$6$saltstring$svn8UoSVapNtMuq1ukKS4tPQd8iKwSMHWjl/O817G3uBnIFNjnQJuesI68u4",
        std::string("$6$salt\0string$x", 16),
        "$y$",
        "$y$j9T$",
        "$1$saltsalt$9lx5tpkG7kcwV4B7LE7Lf/",
        "*",
        "!",
    };
    for (const auto& hash : bad) {
        INFO(hash);
        bool result = true;
        CHECK_NOTHROW(result = auth::verify_password(hash, "password"));
        CHECK_FALSE(result);
        CHECK_NOTHROW(result = auth::verify_password(hash, ""));
        CHECK_FALSE(result);
    }
}

TEST_CASE("verify_dummy costs an argon2id check with the current parameters", "[auth][password]") {
    const std::string_view dummy = auth::detail::dummy_hash();
    const std::string params =
        "$argon2id$v=19$m=" + std::to_string(auth::k_argon2_params.memory_kib) +
        ",t=" + std::to_string(auth::k_argon2_params.iterations) +
        ",p=" + std::to_string(auth::k_argon2_params.parallelism) + "$";
    CHECK(dummy.starts_with(params));
    CHECK(sample_hash().starts_with(params));
    CHECK(dummy.size() == sample_hash().size());
    CHECK_FALSE(auth::verify_password(dummy, ""));
    CHECK_FALSE(auth::verify_password(dummy, "correct horse battery staple"));
    CHECK_NOTHROW(auth::verify_dummy("anything"));
}
