// libFuzzer harness: the OFTP codec (protocols/oftp): command decoding at every level, the
// Stream Transmission Buffer deframer and the DATA sub-record reader and writer.
//
// Byte 0 picks the mode (low 2 bits) and parameters; the rest is the input:
//   mode 0: a command exchange buffer, decoded at each of the four levels;
//   mode 1: a TCP stream for StreamDeframer (byte 1: the exchange buffer limit / 1000 + 1),
//           fed whole and then byte by byte; each buffer it yields is decoded at 2.0;
//   mode 2: the payload of a DATA buffer ('D' is put in front) for DataReader; bits 2-3 of byte
//           0 the record format, bit 4 compression, byte 1 the maximum record length;
//   mode 3: file content for DataWriter (bits as mode 2, byte 1 the buffer size), read back.
// Invariants: decoding succeeds or throws DecodeError/FramingError/DataError; what decodes
// encodes without throwing, and decode(encode(x)) == x with encode a fixed point; whole and
// byte-by-byte deframing agree; a DATA buffer read, written again and read back gives the same
// octets and records; DataWriter output reads back as its input. Anything else escapes and
// crashes the fuzzer; a broken invariant traps.
#include "protocols/oftp/codec.hpp"
#include "protocols/oftp/data_buffer.hpp"
#include "protocols/oftp/stream_buffer.hpp"

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

namespace {

namespace oftp = wharf::oftp;

[[noreturn]] void invariant_broken(const char* what) {
    std::fprintf(stderr, "fuzz_oftp_commands: invariant broken: %s\n", what);
    __builtin_trap();
}

void round_trip_command(oftp::ByteView buffer, oftp::ProtocolLevel level) {
    oftp::Decoded decoded;
    try {
        decoded = oftp::decode(buffer, level);
    } catch (const oftp::DecodeError&) {
        return;
    }
    // std::invalid_argument here escapes on purpose: we decoded what we cannot send back.
    const oftp::Bytes once = oftp::encode(decoded.command, level);
    const oftp::Decoded again = oftp::decode(once, level);
    if (!(again.command == decoded.command)) {
        invariant_broken("decode(encode(x)) != x");
    }
    if (!again.deviations.empty() && decoded.deviations.empty()) {
        invariant_broken("our encoding of a clean command has deviations");
    }
    if (oftp::encode(again.command, level) != once) {
        invariant_broken("encode is not a fixed point");
    }
}

struct Deframed {
    std::vector<oftp::Bytes> buffers;
    bool failed = false;
};

Deframed deframe(oftp::ByteView stream, std::uint32_t limit, std::size_t piece) {
    oftp::StreamDeframer deframer(limit);
    Deframed result;
    try {
        for (std::size_t at = 0; at < stream.size(); at += piece) {
            deframer.feed(stream.subspan(at, std::min(piece, stream.size() - at)));
            while (auto buffer = deframer.next()) {
                result.buffers.push_back(std::move(*buffer));
            }
        }
    } catch (const oftp::FramingError&) {
        result.failed = true;
    }
    return result;
}

void run_deframer(oftp::ByteView stream, std::uint32_t limit) {
    const Deframed whole = deframe(stream, limit, stream.size() + 1);
    const Deframed bytewise = deframe(stream, limit, 1);
    if (whole.buffers != bytewise.buffers || whole.failed != bytewise.failed) {
        invariant_broken("whole and byte-by-byte deframing differ");
    }
    for (const auto& buffer : whole.buffers) {
        if (buffer.empty() || buffer.size() > limit) {
            invariant_broken("a deframed buffer breaks the limit");
        }
        round_trip_command(buffer, oftp::ProtocolLevel::v2_0);
    }
}

struct ReadBack {
    oftp::Bytes data;
    std::vector<std::size_t> record_ends;
};

ReadBack read_buffers(const std::vector<oftp::Bytes>& buffers, oftp::RecordFormat format,
                      bool compression) {
    oftp::DataReader reader(format, 0, compression);
    oftp::DataChunk chunk;
    ReadBack back;
    for (const auto& buffer : buffers) {
        reader.read(buffer, chunk);  // a DataError here escapes: we could not read our own
        for (const std::size_t end : chunk.record_ends) {
            back.record_ends.push_back(back.data.size() + end);
        }
        back.data.insert(back.data.end(), chunk.data.begin(), chunk.data.end());
    }
    return back;
}

std::vector<oftp::Bytes> write_buffers(const ReadBack& content, oftp::RecordFormat format,
                                       std::uint32_t buffer_size, bool compression) {
    oftp::DataWriter writer(format, buffer_size, compression);
    if (oftp::has_records(format)) {
        std::size_t start = 0;
        for (const std::size_t end : content.record_ends) {
            writer.write_record(oftp::ByteView(content.data).subspan(start, end - start));
            start = end;
        }
    } else {
        writer.write(content.data);
    }
    writer.finish();
    std::vector<oftp::Bytes> buffers;
    while (auto buffer = writer.take_buffer()) {
        if (buffer->size() > buffer_size) {
            invariant_broken("DataWriter exceeded the buffer size");
        }
        buffers.push_back(std::move(*buffer));
    }
    return buffers;
}

void run_data_reader(oftp::ByteView payload, std::uint8_t flags, std::uint8_t max_record) {
    static constexpr oftp::RecordFormat kFormats[] = {
        oftp::RecordFormat::fixed, oftp::RecordFormat::variable, oftp::RecordFormat::unstructured,
        oftp::RecordFormat::text};
    const oftp::RecordFormat format = kFormats[(flags >> 2) & 3];
    const bool compression = (flags & 0x10) != 0;
    oftp::Bytes buffer{'D'};
    buffer.insert(buffer.end(), payload.begin(), payload.end());
    oftp::DataReader reader(format, max_record, compression);
    oftp::DataChunk chunk;
    try {
        reader.read(buffer, chunk);
    } catch (const oftp::DataError&) {
        return;
    }
    ReadBack content{chunk.data, {}};
    if (oftp::has_records(format)) {
        content.record_ends = chunk.record_ends;
        content.data.resize(chunk.record_ends.empty() ? 0 : chunk.record_ends.back());
    }
    const ReadBack back = read_buffers(write_buffers(content, format, 99999, compression), format,
                                       compression);
    if (back.data != content.data || back.record_ends != content.record_ends) {
        invariant_broken("a DATA buffer written again reads back differently");
    }
}

void run_data_writer(oftp::ByteView file, std::uint8_t flags, std::uint8_t size_byte) {
    const bool compression = (flags & 0x10) != 0;
    const std::uint32_t buffer_size = 3u + size_byte;
    ReadBack content{oftp::Bytes(file.begin(), file.end()), {}};
    const oftp::RecordFormat format =
        (flags & 0x04) ? oftp::RecordFormat::variable : oftp::RecordFormat::unstructured;
    if (format == oftp::RecordFormat::variable) {  // records end after each 0x0A octet
        for (std::size_t i = 0; i < file.size(); ++i) {
            if (file[i] == 0x0A) content.record_ends.push_back(i + 1);
        }
        content.data.resize(content.record_ends.empty() ? 0 : content.record_ends.back());
    }
    const ReadBack back =
        read_buffers(write_buffers(content, format, buffer_size, compression), format, compression);
    if (back.data != content.data || back.record_ends != content.record_ends) {
        invariant_broken("DataWriter output reads back differently");
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size < 2) {
        return 0;
    }
    const std::uint8_t selector = data[0];
    const oftp::ByteView rest(data + 1, size - 1);
    switch (selector & 3) {
        case 0:
            for (const oftp::ProtocolLevel level : oftp::kAllLevels) {
                round_trip_command(rest, level);
            }
            break;
        case 1: run_deframer(rest.subspan(1), std::uint32_t{rest[0]} * 1000 / 255 * 99 + 1); break;
        case 2: run_data_reader(rest.subspan(1), selector, rest[0]); break;
        default: run_data_writer(rest.subspan(1), selector, rest[0]); break;
    }
    return 0;
}
