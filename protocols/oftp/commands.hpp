// One plain struct per OFTP command (RFC 5024 section 5.3; RFC 2204 section 5.3 for 1.x), named
// as the RFC names it, with its command code. Field comments give the wire field and its format
// at 2.0 / 1.x. Strings hold the field without its padding (trailing spaces removed); fields a
// level lacks are left at their defaults when decoded and not sent when encoded.
#pragma once

#include "protocols/oftp/bytes.hpp"
#include "protocols/oftp/level.hpp"
#include "protocols/oftp/reasons.hpp"
#include "protocols/oftp/virtual_file.hpp"

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <variant>

namespace wharf::oftp {

// SSIDSR.
enum class Capability : char { send_only = 'S', receive_only = 'R', both = 'B' };

// SFIDSEC (2.0).
enum class SecurityLevel : std::uint8_t {
    none = 0,
    encrypted = 1,
    signed_file = 2,
    encrypted_and_signed = 3,
};

// RFC 5024 5.3.1: the Responder's first message.
struct Ssrm {
    static constexpr char code = 'I';
    static constexpr std::string_view name = "SSRM";
    bool operator==(const Ssrm&) const = default;
};

// RFC 5024 5.3.2. Its layout depends on its own `level` (SSIDLEV), not on a negotiated one:
// SSIDAUTH exists from 2.0 on (1.x has a 5-octet reserved field there).
struct Ssid {
    static constexpr char code = 'X';
    static constexpr std::string_view name = "SSID";
    ProtocolLevel level = ProtocolLevel::v2_0;  // SSIDLEV 9(1)
    std::string code_id;                        // SSIDCODE X(25), see 5.4
    std::string password;                       // SSIDPSWD X(8)
    std::uint32_t buffer_size = 99999;          // SSIDSDEB 9(5), 128..99999
    Capability capability = Capability::both;   // SSIDSR
    bool buffer_compression = false;            // SSIDCMPR Y/N
    bool restart = false;                       // SSIDREST Y/N
    bool special_logic = false;                 // SSIDSPEC Y/N (never over TCP)
    std::uint16_t credit = 99;                  // SSIDCRED 9(3), 1..999
    bool secure_authentication = false;         // SSIDAUTH Y/N (2.0)
    std::string user_data;                      // SSIDUSER X(8)
    bool operator==(const Ssid&) const = default;
};

// RFC 5024 5.3.3 (2.0: 165 octets + SFIDDESC; 1.x: 128 octets).
struct Sfid {
    static constexpr char code = 'H';
    static constexpr std::string_view name = "SFID";
    std::string dataset_name;                  // SFIDDSN X(26)
    FileDateTime stamp;                        // SFIDDATE 9(8)/X(6), SFIDTIME 9(10)/X(6)
    std::string user_data;                     // SFIDUSER X(8)
    std::string destination;                   // SFIDDEST X(25)
    std::string originator;                    // SFIDORIG X(25)
    RecordFormat format = RecordFormat::unstructured;  // SFIDFMT
    std::uint32_t max_record_length = 0;       // SFIDLRECL 9(5), 0 for U and T
    std::uint64_t file_size = 0;               // SFIDFSIZ 9(13)/9(7), 1 KiB blocks
    std::uint64_t original_size = 0;           // SFIDOSIZ 9(13), 1 KiB blocks (2.0)
    std::uint64_t restart_position = 0;        // SFIDREST 9(17)/9(9), see virtual_file.hpp
    SecurityLevel security = SecurityLevel::none;  // SFIDSEC 9(2) (2.0)
    std::uint8_t cipher_suite = 0;             // SFIDCIPH 9(2): 00 none, 01/02 (10.2) (2.0)
    std::uint8_t compression = 0;              // SFIDCOMP 9(1): 0 none, 1 zlib (2.0)
    std::uint8_t envelope = 0;                 // SFIDENV 9(1): 0 none, 1 CMS (2.0)
    bool signed_eerp = false;                  // SFIDSIGN Y/N (2.0)
    std::string description;                   // SFIDDESCL 9(3) + SFIDDESC T(n) UTF-8 (2.0)
    bool operator==(const Sfid&) const = default;
};

// RFC 5024 5.3.4.
struct Sfpa {
    static constexpr char code = '2';
    static constexpr std::string_view name = "SFPA";
    std::uint64_t answer_count = 0;  // SFPAACNT 9(17)/9(9)
    bool operator==(const Sfpa&) const = default;
};

// RFC 5024 5.3.5.
struct Sfna {
    static constexpr char code = '3';
    static constexpr std::string_view name = "SFNA";
    SfnaReason reason = SfnaReason::unspecified;  // SFNAREAS 9(2)
    bool retry = false;                           // SFNARRTR Y/N
    std::string reason_text;                      // SFNAREASL 9(3) + SFNAREAST T(n) (2.0)
    bool operator==(const Sfna&) const = default;
};

// RFC 5024 5.3.6: the sub-records stay raw here; data_buffer.hpp reads and writes them.
struct Data {
    static constexpr char code = 'D';
    static constexpr std::string_view name = "DATA";
    Bytes payload;  // DATABUF U(n): everything after the command octet
    bool operator==(const Data&) const = default;
};

// RFC 5024 5.3.7.
struct Cdt {
    static constexpr char code = 'C';
    static constexpr std::string_view name = "CDT";
    bool operator==(const Cdt&) const = default;
};

// RFC 5024 5.3.8.
struct Efid {
    static constexpr char code = 'T';
    static constexpr std::string_view name = "EFID";
    std::uint64_t record_count = 0;  // EFIDRCNT 9(17)/9(9): F/V records, 0 for U/T
    std::uint64_t unit_count = 0;    // EFIDUCNT 9(17)/9(12): octets
    bool operator==(const Efid&) const = default;
};

// RFC 5024 5.3.9.
struct Efpa {
    static constexpr char code = '4';
    static constexpr std::string_view name = "EFPA";
    bool change_direction = false;  // EFPACD Y/N
    bool operator==(const Efpa&) const = default;
};

// RFC 5024 5.3.10.
struct Efna {
    static constexpr char code = '5';
    static constexpr std::string_view name = "EFNA";
    EfnaReason reason = EfnaReason::unspecified;  // EFNAREAS 9(2)
    std::string reason_text;                      // EFNAREASL 9(3) + EFNAREAST T(n) (2.0)
    bool operator==(const Efna&) const = default;
};

// RFC 5024 5.3.11.
struct Esid {
    static constexpr char code = 'F';
    static constexpr std::string_view name = "ESID";
    EsidReason reason = EsidReason::normal_termination;  // ESIDREAS 9(2)
    std::string reason_text;                             // ESIDREASL 9(3) + ESIDREAST (2.0)
    bool operator==(const Esid&) const = default;
};

// RFC 5024 5.3.12.
struct Cd {
    static constexpr char code = 'R';
    static constexpr std::string_view name = "CD";
    bool operator==(const Cd&) const = default;
};

// RFC 5024 5.3.13 (2.0: 110 octets + hash + signature; 1.x: 106 octets).
struct Eerp {
    static constexpr char code = 'E';
    static constexpr std::string_view name = "EERP";
    std::string dataset_name;  // EERPDSN X(26)
    FileDateTime stamp;        // EERPDATE, EERPTIME as in SFID
    std::string user_data;     // EERPUSER X(8)
    std::string destination;   // EERPDEST X(25): the file's originator
    std::string originator;    // EERPORIG X(25): the file's final recipient
    Bytes hash;                // EERPHSHL U(2) + EERPHSH U(n) (2.0)
    Bytes signature;           // EERPSIGL U(2) + EERPSIG U(n), CMS SignedData (2.0)
    bool operator==(const Eerp&) const = default;
};

// RFC 5024 5.3.14 (1.4: 128 octets; 2.0 adds the text, hash and signature).
struct Nerp {
    static constexpr char code = 'N';
    static constexpr std::string_view name = "NERP";
    std::string dataset_name;  // NERPDSN X(26)
    FileDateTime stamp;        // NERPDATE 9(8), NERPTIME 9(10)
    std::string destination;   // NERPDEST X(25): the file's originator
    std::string originator;    // NERPORIG X(25): the file's final recipient
    std::string creator;       // NERPCREA X(25)
    NerpReason reason = NerpReason::unspecified;  // NERPREAS 9(2)
    std::string reason_text;   // NERPREASL 9(3) + NERPREAST T(n) (2.0)
    Bytes hash;                // NERPHSHL U(2) + NERPHSH (2.0)
    Bytes signature;           // NERPSIGL U(2) + NERPSIG (2.0)
    bool operator==(const Nerp&) const = default;
};

// RFC 5024 5.3.15.
struct Rtr {
    static constexpr char code = 'P';
    static constexpr std::string_view name = "RTR";
    bool operator==(const Rtr&) const = default;
};

// RFC 5024 5.3.16 (2.0).
struct Secd {
    static constexpr char code = 'J';
    static constexpr std::string_view name = "SECD";
    bool operator==(const Secd&) const = default;
};

// RFC 5024 5.3.17 (2.0).
struct Auch {
    static constexpr char code = 'A';
    static constexpr std::string_view name = "AUCH";
    Bytes challenge;  // AUCHCHLL U(2) + AUCHCHAL U(n): CMS-encrypted 20-octet random number
    bool operator==(const Auch&) const = default;
};

// RFC 5024 5.3.18 (2.0).
struct Aurp {
    static constexpr char code = 'S';
    static constexpr std::string_view name = "AURP";
    std::array<std::uint8_t, 20> response{};  // AURPRSP U(20): the decrypted challenge
    bool operator==(const Aurp&) const = default;
};

using Command = std::variant<Ssrm, Ssid, Sfid, Sfpa, Sfna, Data, Cdt, Efid, Efpa, Efna, Esid, Cd,
                             Eerp, Nerp, Rtr, Secd, Auch, Aurp>;

// "SSID"; "?" for a code no level defines.
[[nodiscard]] std::string_view command_name(char code) noexcept;
[[nodiscard]] std::string_view command_name(const Command& command) noexcept;
// Whether `level` has the command: NERP from 1.4, SECD/AUCH/AURP from 2.0, the rest always.
[[nodiscard]] bool is_defined_at(char code, ProtocolLevel level) noexcept;

}  // namespace wharf::oftp
