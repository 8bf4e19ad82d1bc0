// SPDX-License-Identifier: MIT
#pragma once
// The pipe of af::streams: `std::move(s) | af::streams::map(f)`.
//
// An adaptor function (`map(f)`) returns a `stream_adaptor` holding a callable that builds the
// adapted stream from its input; `operator|` (found by argument-dependent lookup through
// stream_adaptor, so it never competes with other libraries' pipes) hands the stream over.
// The input is taken by value and moved in before it is ever polled, which keeps the rule that
// a stream does not move once polled. See docs/design/0004-coroutine-syntax.md.
#include <type_traits>  // std::remove_cvref_t, std::is_lvalue_reference_v
#include <utility>      // std::move

#include "af/stream/stream.hpp"

namespace af::detail {

template <class Make>
struct stream_adaptor {
    Make make;
};

template <class Make>
stream_adaptor<Make> make_stream_adaptor(Make make) {
    return stream_adaptor<Make>{std::move(make)};
}

template <class S, class Make>
    requires stream<std::remove_cvref_t<S>>
auto operator|(S&& s, stream_adaptor<Make> a) {
    static_assert(!std::is_lvalue_reference_v<S>,
                  "af::streams adaptors take ownership of their input stream: pass it as "
                  "std::move(s), or borrow it with af::streams::by_ref(s)");
    return std::move(a.make)(std::remove_cvref_t<S>(std::move(s)));
}

}  // namespace af::detail
