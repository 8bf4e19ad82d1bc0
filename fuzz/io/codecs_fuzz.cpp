// SPDX-License-Identifier: MIT
// Fuzzes af::io::lines_codec and af::io::length_delimited_codec the way af::io::framed drives
// them: the input arrives in pieces (boundaries chosen by the input), `decode` is called after
// each piece until it has no more frames, then `decode_eof` at the end. Every run is checked
// against a reference that splits the whole input at once: the same frames in the same order,
// the same error (frame_too_long, truncated_frame) and never a frame over the maximum; frames
// are re-encoded and must decode to themselves.
//
// Input: [codec+split seed] [max length] [data...]
//   byte 0, bit 0: 0 lines_codec, 1 length_delimited_codec; bits 1-7: seed of the piece sizes
//     (0: everything in one piece)
//   byte 1: the maximum frame length (255 means no limit: SIZE_MAX, clamped by the codec)
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "af/bytes/bytes_mut.hpp"
#include "af/io/error.hpp"
#include "af/io/length_delimited_codec.hpp"
#include "af/io/lines_codec.hpp"
#include "support.hpp"

namespace {

using af::fuzz::check;

// What a codec produced: frames as strings, then the error that stopped it (or none).
struct outcome {
    std::vector<std::string> frames;
    std::optional<af::io::error> err;
};

std::string to_string(const std::string& s) { return s; }
std::string to_string(const af::bytes& b) { return std::string(reinterpret_cast<const char*>(b.data()), b.size()); }

// Feeds `data` in pieces as framed does.
template <class Codec>
outcome run_codec(Codec& codec, std::string_view data, unsigned seed) {
    outcome out;
    af::bytes_mut in;
    try {
        af::fuzz::for_each_piece(data, seed, [&](std::string_view piece) {
            in.put(piece);
            while (auto f = codec.decode(in)) out.frames.push_back(to_string(*f));
        });
        while (auto f = codec.decode_eof(in)) out.frames.push_back(to_string(*f));
    } catch (const af::io::frame_error& e) {
        out.err = static_cast<af::io::error>(e.code().value());
    }
    return out;
}

// The lines of `data` as the codec documents them, computed on the whole input.
outcome reference_lines(std::string_view data, std::size_t max) {
    outcome out;
    while (!data.empty()) {
        auto nl = data.find('\n');
        std::string_view line = data.substr(0, nl);
        if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
        if (line.size() > max) {
            out.err = af::io::error::frame_too_long;
            return out;
        }
        out.frames.emplace_back(line);
        data.remove_prefix(nl == std::string_view::npos ? data.size() : nl + 1);
    }
    return out;
}

outcome reference_length_delimited(std::string_view data, std::size_t max) {
    outcome out;
    for (;;) {
        if (data.empty()) return out;
        if (data.size() < 4) break;
        std::size_t len = 0;
        for (int i = 0; i < 4; ++i) len = (len << 8) | static_cast<unsigned char>(data[static_cast<std::size_t>(i)]);
        if (len > max) {
            out.err = af::io::error::frame_too_long;
            return out;
        }
        if (data.size() - 4 < len) break;
        out.frames.emplace_back(data.substr(4, len));
        data.remove_prefix(4 + len);
    }
    out.err = af::io::error::truncated_frame;
    return out;
}

void check_same(const outcome& got, const outcome& want) {
    check(got.frames == want.frames, "decoded frames differ from the reference");
    check(got.err == want.err, "decode error differs from the reference");
}

void fuzz_lines(std::string_view data, std::size_t max, unsigned seed) {
    af::io::lines_codec codec(max);
    outcome got = run_codec(codec, data, seed);
    check_same(got, reference_lines(data, max));
    for (const auto& line : got.frames) {
        check(line.size() <= max, "a line over the maximum was decoded");
        check(line.find('\n') == std::string::npos, "a decoded line holds a newline");
        // "x\r" cannot round-trip: decoding strips the "\r" of the "\r\n" its encoding makes.
        if (!line.empty() && line.back() == '\r') continue;
        af::bytes_mut enc;
        codec.encode(line, enc);
        af::io::lines_codec again(max);
        auto back = again.decode(enc);
        check(back && *back == line && enc.empty(), "an encoded line does not decode to itself");
    }
}

void fuzz_length_delimited(std::string_view data, std::size_t max, unsigned seed) {
    const af::io::length_delimited_codec codec(max);
    outcome got = run_codec(codec, data, seed);
    check_same(got, reference_length_delimited(data, codec.max_frame_length()));
    // Re-encoding the frames gives back the bytes they were decoded from.
    af::bytes_mut enc;
    for (const auto& f : got.frames) {
        check(f.size() <= codec.max_frame_length(), "a frame over the maximum was decoded");
        codec.encode(af::bytes::copy_from(f), enc);
    }
    std::string_view re(reinterpret_cast<const char*>(enc.as_span().data()), enc.size());
    check(data.starts_with(re), "re-encoded frames differ from the input");
    // Encoding a frame one byte over the maximum throws and writes nothing.
    if (codec.max_frame_length() < 4096) {
        af::bytes_mut out;
        bool threw = false;
        try {
            codec.encode(af::bytes::copy_from(std::string(codec.max_frame_length() + 1, 'x')), out);
        } catch (const af::io::frame_error&) {
            threw = true;
        }
        check(threw && out.empty(), "encoding a frame over the maximum did not throw, or wrote bytes");
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* p, std::size_t n) {
    if (n < 2) return 0;
    const unsigned mode = p[0];
    const std::size_t max = p[1] == 255 ? static_cast<std::size_t>(-1) : p[1];
    std::string_view data(reinterpret_cast<const char*>(p + 2), n - 2);
    if ((mode & 1) == 0) {
        fuzz_lines(data, max, mode >> 1);
    } else {
        fuzz_length_delimited(data, max, mode >> 1);
    }
    return 0;
}
