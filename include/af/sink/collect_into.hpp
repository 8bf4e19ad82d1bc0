// SPDX-License-Identifier: MIT
#pragma once
/// \file
/// `af::sinks::collect_into(vec)`: a sink that appends every item to a `std::vector` you own.
///
///     std::vector<int> out;
///     auto s = af::sinks::collect_into(out);
///     co_await af::sinks::send_all(s, af::streams::iter(std::vector{1, 2, 3}));  // out: 1 2 3
///
/// Always ready, nothing to flush; meant for tests and examples, and as the simplest sink to
/// read. After `poll_close`, `poll_ready` and `start_send` throw `af::closed_error`. For a
/// sink that throws items away, use `af::sinks::drain()`.
///
/// Cancellation: nothing to lose (it never suspends). Thread safety: one thread at a time; the
/// vector must outlive the sink.
#include <memory>  // std::addressof
#include <vector>  // the target

#include "af/sink/error.hpp"
#include "af/sink/sink.hpp"

namespace af::sinks {

/// The sink made by `af::sinks::collect_into`.
template <class T, class Alloc = std::allocator<T>>
class collect_into_sink {
public:
    explicit collect_into_sink(std::vector<T, Alloc>& v) noexcept : v_(std::addressof(v)) {}

    af::poll<void> poll_ready(context&) {
        if (closed_) throw closed_error("sink closed");
        return {};
    }
    void start_send(T v) {
        if (closed_) throw closed_error("sink closed");
        v_->push_back(std::move(v));
    }
    af::poll<void> poll_flush(context&) noexcept { return {}; }
    af::poll<void> poll_close(context&) noexcept {
        closed_ = true;
        return {};
    }

    bool is_closed() const noexcept { return closed_; }

private:
    std::vector<T, Alloc>* v_;
    bool closed_ = false;
};

template <class T, class Alloc>
collect_into_sink<T, Alloc> collect_into(std::vector<T, Alloc>& v) noexcept {
    return collect_into_sink<T, Alloc>(v);
}

}  // namespace af::sinks
