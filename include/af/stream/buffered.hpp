// SPDX-License-Identifier: MIT
#pragma once
/// \file
/// `s | af::streams::buffered(n)`: for a stream of futures, runs up to `n` of them at once and
/// yields their outputs in the order of the input.
///
///     auto pages = af::streams::iter(ids) | af::streams::map(fetch_page) | af::streams::buffered(4);
///
/// An output that finished early waits for the ones before it and still counts toward `n`, so
/// one slow future limits the window. When order does not matter, `af::streams::buffer_unordered`
/// keeps all `n` slots busy. Only woken futures are polled (they run in an
/// `af::futures_unordered`). `n` must be positive.
///
/// Fused. Cancellation: destroying it destroys `s`, every running future and every output not
/// yet yielded. Errors: an exception from a future is rethrown by the `poll_next` that reaches
/// its position; the stream then continues with the next output. Thread safety: as `s`; the
/// futures' wakers may be woken from any thread.
#include <cassert>    // n > 0
#include <cstddef>    // std::size_t
#include <deque>      // outputs waiting for their turn
#include <exception>  // an output may be an exception
#include <optional>   // items
#include <utility>    // std::move

#include "af/future/futures_unordered.hpp"
#include "af/stream/detail/adaptor.hpp"

namespace af::detail {

// A future's outcome tagged with its input position; exceptions are carried, not thrown, so
// that they surface in order.
template <class T>
struct sequenced_outcome {
    std::size_t seq;
    std::optional<T> value;
    std::exception_ptr error;
};

template <class F>
class sequenced_future {
public:
    using output = sequenced_outcome<value_of<F>>;
    sequenced_future(F f, std::size_t seq) : f_(std::move(f)), seq_(seq) {}
    af::poll<output> poll(context& cx) {
        try {
            auto p = poll_as_value(f_, cx);
            if (p.is_pending()) return pending;
            return output{seq_, std::move(p).value(), nullptr};
        } catch (...) {
            return output{seq_, std::nullopt, std::current_exception()};
        }
    }

private:
    F f_;
    std::size_t seq_;
};

}  // namespace af::detail

namespace af::streams {

/// The stream made by `af::streams::buffered`.
template <stream S>
class [[nodiscard("a stream does nothing until it is polled")]] buffered_stream {
    using fut = item_of<S>;
    static_assert(future<fut>, "af::streams::buffered: the items must be af::future");
    using outcome = detail::sequenced_outcome<detail::value_of<fut>>;

public:
    using item = detail::value_of<fut>;

    buffered_stream(S s, std::size_t n) : s_(std::move(s)), n_(n) {
        assert(n > 0 && "af::streams::buffered: the limit must be positive");
    }

    af::poll<std::optional<item>> poll_next(context& cx) {
        // window_[k] is the outcome of input number head_ + k, once it finished.
        while (!input_done_ && window_.size() < n_) {
            auto p = s_.poll_next(cx);
            if (p.is_pending()) break;
            if (!p.value()) {
                input_done_ = true;
                break;
            }
            running_.push(detail::sequenced_future<fut>(std::move(*p.value()), head_ + window_.size()));
            window_.emplace_back();
        }
        while (!window_.empty() && !window_.front()) {
            auto p = running_.poll_next(cx);
            if (p.is_pending()) return pending;
            assert(p.value() && "af::streams::buffered: an output is missing");
            std::size_t at = p.value()->seq - head_;
            window_[at].emplace(std::move(*p.value()));
        }
        if (window_.empty()) {
            // Nothing runs: the end, or waiting on `s` (which then registered the waker).
            if (input_done_) return detail::stream_end<item>();
            return pending;
        }
        outcome front = std::move(*window_.front());
        window_.pop_front();
        ++head_;
        if (front.error) std::rethrow_exception(front.error);
        return af::poll<std::optional<item>>(std::in_place, std::move(front.value));
    }

private:
    S s_;
    std::size_t n_;
    futures_unordered<detail::sequenced_future<fut>> running_;
    std::deque<std::optional<outcome>> window_;
    std::size_t head_ = 0;
    bool input_done_ = false;
};

inline auto buffered(std::size_t n) {
    return detail::make_stream_adaptor([n]<stream S>(S s) { return buffered_stream<S>(std::move(s), n); });
}

}  // namespace af::streams
