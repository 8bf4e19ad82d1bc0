// SPDX-License-Identifier: MIT
#pragma once
/// \file
/// `af::test::assert_unmoved(f)`: wraps future `f` and aborts the process if the wrapper is moved
/// after its first poll. Use it to prove that a combinator or executor keeps the futures it
/// polls in place, as the `af::future` contract requires:
///
///     auto f = af::test::assert_unmoved(af::test::pending_once(af::ready(1)));
///     af::test::mock_task<> t;
///     af::test::assert_pending(t.poll(f));
///     auto g = std::move(f);   // aborts: "af::test::assert_unmoved: ... moved after its first poll"
///
/// Decision: a move after a poll is a contract violation, not an error to recover from (the
/// moved-from future may have handed out pointers into itself that now dangle), so it aborts
/// with a message on stderr rather than throwing. Check it with a death test
/// (`EXPECT_DEATH(..., "moved after its first poll")` in GoogleTest).
///
/// Moving before the first poll is allowed. Also checked on every poll: that the future is
/// polled at the address of its first poll. Cancellation, errors, thread safety: as `f`.
#include <cstdio>   // the abort message
#include <cstdlib>  // std::abort
#include <utility>  // std::move

#include "af/core/future.hpp"

namespace af::test {

namespace detail {
[[noreturn]] inline void moved_after_poll(const char* what) noexcept {
    std::fprintf(stderr,
                 "af::test::assert_unmoved: the future was %s after its first poll; a polled future "
                 "may have handed out pointers into itself, so it must stay in place until it is "
                 "destroyed\n",
                 what);
    std::abort();
}
}  // namespace detail

/// The future made by `af::test::assert_unmoved`.
template <class F>
class [[nodiscard("a future does nothing until it is awaited")]] assert_unmoved_future {
public:
    using output = output_of<F>;

    explicit assert_unmoved_future(F f) : f_(std::move(f)) {}
    assert_unmoved_future(assert_unmoved_future&& o) : f_(check_source(o)) {}
    assert_unmoved_future& operator=(assert_unmoved_future&&) = delete;

    af::poll<output> poll(context& cx) {
        if (!polled_at_) polled_at_ = this;
        else if (polled_at_ != this) detail::moved_after_poll("relocated (polled at a new address)");
        return f_.poll(cx);
    }

    /// True once polled: from then on a move aborts.
    bool polled() const noexcept { return polled_at_ != nullptr; }

private:
    static F&& check_source(assert_unmoved_future& o) noexcept {
        if (o.polled_at_) detail::moved_after_poll("moved");
        return std::move(o.f_);
    }

    F f_;
    const assert_unmoved_future* polled_at_ = nullptr;
};

template <class F>
    requires future<F>
assert_unmoved_future<F> assert_unmoved(F f) {
    return assert_unmoved_future<F>(std::move(f));
}

}  // namespace af::test
