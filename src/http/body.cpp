// SPDX-License-Identifier: MIT
#include "af/http/body.hpp"

#include "af/bytes/bytes_mut.hpp"
#include "af/http/error.hpp"
#include "af/stream/next.hpp"

namespace af::http {

af::task<af::bytes> body::collect(std::size_t limit) {
    if (kind_ == kind::full && full_.size() <= limit) {
        kind_ = kind::empty;
        co_return std::move(full_);
    }
    af::bytes_mut all;
    if (auto n = length(); n && *n <= limit) all.reserve(static_cast<std::size_t>(*n));
    for (;;) {
        auto next = af::next(*this);
        std::optional<af::bytes> chunk = co_await next;
        if (!chunk) break;
        if (chunk->size() > limit - all.size()) throw af::error(error::body_too_large, "af::http::body::collect: over the limit");
        all.put(*chunk);
    }
    co_return std::move(all).freeze();
}

af::task<std::string> body::text(std::size_t limit) {
    auto c = collect(limit);
    af::bytes b = co_await std::move(c);
    co_return std::string(b.as_string_view());
}

}  // namespace af::http
