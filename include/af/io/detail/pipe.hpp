// SPDX-License-Identifier: MIT
#pragma once
/// \file
/// One direction of an `af::io::duplex`: a bounded ring of bytes shared by one writer end and
/// one reader end.
///
/// Design: a plain mutex guards everything. A pipe is a test and glue utility, the critical
/// sections are a memcpy long, and a lock makes the closing rules easy to state:
/// - `write_closed`: the writer shut down or was dropped. The reader drains what is left, then
///   reads 0 (end of stream).
/// - `read_closed`: the reader was dropped. Writes throw broken_pipe; buffered bytes are lost.
/// Each side keeps at most one waker (the last poll's). Wakers are taken out under the lock and
/// woken after it is released, so a woken task that polls at once on another thread does not
/// block on the lock we still hold.
#include <algorithm>     // std::min
#include <cstddef>       // std::byte, std::size_t
#include <cstring>       // std::memcpy
#include <memory>        // std::unique_ptr
#include <mutex>         // std::mutex
#include <optional>      // the parked wakers
#include <span>          // bytes in and out
#include <system_error>  // broken_pipe

#include "af/core/future.hpp"
#include "af/io/io_slice.hpp"

namespace af::io::detail {

class pipe {
public:
    explicit pipe(std::size_t capacity) : buf_(new std::byte[capacity]), cap_(capacity) {}

    poll<std::size_t> poll_read(context& cx, std::span<std::byte> out) {
        std::optional<waker> to_wake;
        std::size_t n = 0;
        {
            std::lock_guard lk(m_);
            if (out.empty()) return std::size_t{0};
            if (len_ == 0) {
                if (write_closed_) return std::size_t{0};
                park(reader_, cx);
                return pending;
            }
            n = std::min(out.size(), len_);
            // At most two pieces: the ring may wrap once.
            std::size_t first = std::min(n, cap_ - head_);
            std::memcpy(out.data(), buf_.get() + head_, first);
            std::memcpy(out.data() + first, buf_.get(), n - first);
            head_ = (head_ + n) % cap_;
            len_ -= n;
            to_wake.swap(writer_);
        }
        if (to_wake) std::move(*to_wake).wake();
        return n;
    }

    poll<std::size_t> poll_write(context& cx, std::span<const std::byte> in) {
        io_slice one(in);
        return poll_write_vectored(cx, std::span<const io_slice>(&one, 1));
    }

    // As many bytes of the slices' concatenation as fit, under one lock.
    poll<std::size_t> poll_write_vectored(context& cx, std::span<const io_slice> in) {
        std::optional<waker> to_wake;
        std::size_t n = 0;
        {
            std::lock_guard lk(m_);
            if (read_closed_ || write_closed_) {
                throw std::system_error(std::make_error_code(std::errc::broken_pipe),
                                        read_closed_ ? "duplex peer closed" : "duplex write after shutdown");
            }
            if (total_size(in) == 0) return std::size_t{0};
            if (len_ == cap_) {
                park(writer_, cx);
                return pending;
            }
            for (const io_slice& s : in) {
                if (s.empty()) continue;  // (a null pointer is no memcpy argument, even for 0 bytes)
                std::size_t k = std::min(s.size(), cap_ - len_);
                if (k == 0) break;
                std::size_t tail = (head_ + len_) % cap_;
                std::size_t first = std::min(k, cap_ - tail);
                std::memcpy(buf_.get() + tail, s.data(), first);
                std::memcpy(buf_.get(), s.data() + first, k - first);
                len_ += k;
                n += k;
                if (k < s.size()) break;
            }
            to_wake.swap(reader_);
        }
        if (to_wake) std::move(*to_wake).wake();
        return n;
    }

    void close_write() { close(write_closed_, reader_); }
    void close_read() { close(read_closed_, writer_); }

private:
    static void park(std::optional<waker>& slot, context& cx) {
        if (!slot || !slot->will_wake(cx.waker())) slot = cx.waker();
    }

    void close(bool& flag, std::optional<waker>& other) {
        std::optional<waker> to_wake;
        {
            std::lock_guard lk(m_);
            flag = true;
            to_wake.swap(other);
        }
        if (to_wake) std::move(*to_wake).wake();
    }

    std::mutex m_;
    std::unique_ptr<std::byte[]> buf_;
    std::size_t cap_;
    std::size_t head_ = 0;
    std::size_t len_ = 0;
    bool write_closed_ = false;
    bool read_closed_ = false;
    std::optional<waker> reader_;
    std::optional<waker> writer_;
};

}  // namespace af::io::detail
