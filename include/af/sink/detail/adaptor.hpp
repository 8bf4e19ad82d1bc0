// SPDX-License-Identifier: MIT
#pragma once
// The pipe of af::sinks: `std::move(tx) | af::sinks::with(f)`, the same shape as af::streams'.
//
// An adaptor function returns a `sink_adaptor` holding a callable that builds the adapted sink
// from its input; `operator|` is found by argument-dependent lookup through sink_adaptor, so it
// never competes with the stream pipe (a type that is both a stream and a sink picks the pipe
// by the adaptor on the right). The input is moved in before it is ever polled.
#include <type_traits>  // std::remove_cvref_t, std::is_lvalue_reference_v
#include <utility>      // std::move

#include "af/sink/sink.hpp"

namespace af::detail {

template <class Make>
struct sink_adaptor {
    Make make;
};

template <class Make>
sink_adaptor<Make> make_sink_adaptor(Make make) {
    return sink_adaptor<Make>{std::move(make)};
}

template <class S, class Make>
    requires flushable_sink<std::remove_cvref_t<S>>
auto operator|(S&& s, sink_adaptor<Make> a) {
    static_assert(!std::is_lvalue_reference_v<S>,
                  "af::sinks adaptors take ownership of their input sink: pass it as std::move(s) "
                  "(a channel sender can be copied first)");
    return std::move(a.make)(std::remove_cvref_t<S>(std::move(s)));
}

}  // namespace af::detail
