// SPDX-License-Identifier: MIT
#pragma once
/// \file
/// `s | af::streams::then(fn)`: for each item, awaits the future `fn(item)` and yields its
/// output, one item at a time and in order.
///
///     auto bodies = std::move(urls) | af::streams::then([](std::string u) { return fetch(u); });
///
/// `s` is not polled while a future is in flight. To run several at once, use
/// `af::streams::map(fn) | af::streams::buffered(n)`; for a plain function, `af::streams::map`.
///
/// Pending while `s` or the current future is; fused if `s` is. Cancellation: destroying it
/// destroys `s` and the future in flight (its item is lost). Errors: an exception from `s`,
/// `fn` or the future propagates out of `poll_next`; after a failed future, polling continues
/// with the next item of `s`. Thread safety: as `s`.
#include <optional>     // the future in flight
#include <type_traits>  // std::invoke_result_t
#include <utility>      // std::move

#include "af/stream/detail/adaptor.hpp"

namespace af::streams {

/// The stream made by `af::streams::then`.
template <stream S, class Fn>
class [[nodiscard("a stream does nothing until it is polled")]] then_stream {
    using fut = std::invoke_result_t<Fn&, item_of<S>&&>;
    static_assert(future<fut>, "af::streams::then: fn(item) must return an af::future; for a plain function use af::streams::map");

public:
    using item = output_of<fut>;

    then_stream(S s, Fn fn) : s_(std::move(s)), fn_(std::move(fn)) {}

    af::poll<std::optional<item>> poll_next(context& cx) {
        if (!f_) {
            auto p = s_.poll_next(cx);
            if (p.is_pending()) return pending;
            if (!p.value()) return detail::stream_end<item>();
            f_.emplace(fn_(std::move(*p.value())));
        }
        struct reset_on_exit {
            std::optional<fut>& f;
            bool done = false;
            ~reset_on_exit() {
                if (done) f.reset();
            }
        } guard{f_};
        guard.done = true;  // until the future reports pending: a thrown or ready future is finished
        auto out = f_->poll(cx);
        if (out.is_pending()) {
            guard.done = false;
            return pending;
        }
        return af::poll<std::optional<item>>(std::in_place, std::in_place, std::move(out).value());
    }

private:
    S s_;
    Fn fn_;
    std::optional<fut> f_;
};

template <class Fn>
auto then(Fn fn) {
    return detail::make_stream_adaptor([fn = std::move(fn)]<stream S>(S s) mutable {
        return then_stream<S, Fn>(std::move(s), std::move(fn));
    });
}

}  // namespace af::streams
