// SPDX-License-Identifier: MIT
#pragma once
/// \file
/// `af::streams::once(x)`: a stream of exactly one item. Of a future, the item is its output; of
/// any other value, the item is the value itself.
///
///     auto s = af::streams::once(fetch_config());   // one item, the future's output, then the end
///     auto v = af::streams::once(7);                // one item, 7
///     auto f = af::streams::once_value(af::ready(7));  // one item, the future af::ready(7) itself
///
/// Decision: `once` decides by type, so `once(f)` of a future `f` always means "its output"
/// (as Rust's `stream::once(fut)`), and a plain value needs no `af::ready` around it. To make
/// a stream whose item is a future (a stream of futures to await later), say so with
/// `once_value(f)`: it yields its argument as is, whatever its type.
///
/// Pending while the future is; fused. Cancellation: destroying it destroys the future (or value).
/// Errors: an exception from the future propagates out of `poll_next`. Thread safety: as the
/// future or value.
#include <optional>     // the future until it completed
#include <type_traits>  // std::remove_cvref_t, std::decay_t
#include <utility>      // std::move

#include "af/future/ready.hpp"  // once(value) is once(af::ready(value))
#include "af/stream/stream.hpp"

namespace af::streams {

/// The stream made by `af::streams::once` and `af::streams::once_value` (of an `af::ready_future`).
template <future F>
class [[nodiscard("a stream does nothing until it is polled")]] once_stream {
public:
    using item = output_of<F>;
    explicit once_stream(F f) : f_(std::move(f)) {}

    af::poll<std::optional<item>> poll_next(context& cx) {
        if (!f_) return detail::stream_end<item>();
        auto p = f_->poll(cx);
        if (p.is_pending()) return pending;
        f_.reset();
        return af::poll<std::optional<item>>(std::in_place, std::in_place, std::move(p).value());
    }

private:
    std::optional<F> f_;
};

/// One item: the output of future `f`.
template <class F>
    requires future<std::remove_cvref_t<F>>
once_stream<std::remove_cvref_t<F>> once(F&& f) {
    return once_stream<std::remove_cvref_t<F>>(std::forward<F>(f));
}

/// One item: `v` itself, whatever its type (even a future).
template <class V>
once_stream<ready_future<std::decay_t<V>>> once_value(V&& v) {
    return once_stream<ready_future<std::decay_t<V>>>(af::ready(std::forward<V>(v)));
}

/// One item: `v` itself (`v` is not a future; see `once_value` to yield a future as an item).
template <class V>
    requires(!future<std::remove_cvref_t<V>>)
once_stream<ready_future<std::decay_t<V>>> once(V&& v) {
    return once_value(std::forward<V>(v));
}

}  // namespace af::streams
