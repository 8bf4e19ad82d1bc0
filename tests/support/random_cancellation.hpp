// SPDX-License-Identifier: MIT
#pragma once
/// Helpers for the seeded random-cancellation tests (tests/channel and tests/sync).
///
/// `stepped<F>` is one hand-polled future with its own counting waker, kept on the heap so it
/// never moves after its first poll. `cancel_points` tallies where futures were destroyed
/// (before the first poll, while queued, after a wake but before the re-poll, after completion)
/// so a test can check that its random walk really reached every point. `for_each_seed` runs a
/// walk once per seed with the seed in every failure message.
///
///     af::test::for_each_seed(50, [&](std::mt19937& rng, unsigned seed) { ... });
#include <array>
#include <cstddef>
#include <optional>
#include <random>
#include <string>
#include <utility>

#include <gtest/gtest.h>

#include "af/core/future.hpp"
#include "af/test/mock_task.hpp"

namespace af::test {

/// One future stepped by hand: an af::test::mock_task whose future is built in its heap slot by
/// `make()`, so it never moves after its first poll.
template <class F>
struct stepped : af::test::mock_task<F> {
    template <class Make>
    explicit stepped(Make&& make) : af::test::mock_task<F>(std::in_place, std::forward<Make>(make)) {}
};

enum class cancel_point : unsigned char { unpolled, queued, woken, completed };

class cancel_points {
public:
    void note(cancel_point p) noexcept { ++n_[static_cast<std::size_t>(p)]; }
    /// Classifies a still-pending stepped future at the moment it is destroyed.
    template <class F>
    void note_pending(const stepped<F>& s) noexcept {
        note(s.poll_count() == 0 ? cancel_point::unpolled : s.is_woken() ? cancel_point::woken : cancel_point::queued);
    }
    /// Every point was reached at least once over the whole run: a walk that never cancels a
    /// woken waiter would pass without testing the hardest case.
    void expect_all_reached(const char* what) const {
        static constexpr std::array<const char*, 4> names{"before the first poll", "while queued",
                                                          "after a wake, before the re-poll", "after completion"};
        for (std::size_t i = 0; i < n_.size(); ++i)
            EXPECT_GT(n_[i], 0u) << what << ": no future was cancelled " << names[i];
    }

private:
    std::array<std::size_t, 4> n_{};
};

/// Runs `walk(rng, seed)` for seeds 1..count, each with its own std::mt19937 and a trace
/// naming the seed (re-run one seed by narrowing the range).
template <class Walk>
void for_each_seed(unsigned count, Walk&& walk) {
    for (unsigned seed = 1; seed <= count; ++seed) {
        SCOPED_TRACE("seed " + std::to_string(seed));
        std::mt19937 rng(seed);
        walk(rng, seed);
        if (::testing::Test::HasFatalFailure()) return;
    }
}

/// A uniform index in [0, n), n > 0.
inline std::size_t pick(std::mt19937& rng, std::size_t n) { return static_cast<std::size_t>(rng() % n); }

}  // namespace af::test
