// SPDX-License-Identifier: MIT
// af::sink: what the concept accepts and rejects; af::closed_error.
#include "af/sink/sink.hpp"

#include <gtest/gtest.h>

#include <string>
#include <system_error>
#include <vector>

#include "af/sink/collect_into.hpp"
#include "af/sink/error.hpp"
#include "af/test/wake_counter.hpp"
#include "sink/manual_sink.hpp"

namespace sink_sink_test {

namespace {

struct string_sink {
    af::poll<void> poll_ready(af::context&) { return {}; }
    void start_send(std::string) {}
    af::poll<void> poll_flush(af::context&) { return {}; }
    af::poll<void> poll_close(af::context&) { return {}; }
};

struct no_close {
    af::poll<void> poll_ready(af::context&) { return {}; }
    void start_send(int) {}
    af::poll<void> poll_flush(af::context&) { return {}; }
};

struct ready_returns_bool {
    bool poll_ready(af::context&) { return true; }
    void start_send(int) {}
    af::poll<void> poll_flush(af::context&) { return {}; }
    af::poll<void> poll_close(af::context&) { return {}; }
};

struct start_send_returns_bool {
    af::poll<void> poll_ready(af::context&) { return {}; }
    bool start_send(int) { return true; }
    af::poll<void> poll_flush(af::context&) { return {}; }
    af::poll<void> poll_close(af::context&) { return {}; }
};

static_assert(af::sink<string_sink, std::string>);
static_assert(af::sink<string_sink, const char*>);  // anything start_send accepts
static_assert(!af::sink<string_sink, int>);
static_assert(!af::sink<no_close, int>);
static_assert(!af::sink<ready_returns_bool, int>);
static_assert(!af::sink<start_send_returns_bool, int>);
static_assert(af::sink<af_test::manual_sink, int>);

TEST(sink, concept_accepts_the_four_members_with_their_exact_types) {
    // The static_asserts above are the test; this one exercises a conforming sink by hand.
    af_test::manual_sink s;
    af::waker w = af::waker::noop();
    af::context cx(w);
    ASSERT_TRUE(s.poll_ready(cx).is_ready());
    s.start_send(3);
    EXPECT_TRUE(s.poll_flush(cx).is_ready());
    EXPECT_TRUE(s.poll_close(cx).is_ready());
    EXPECT_EQ(s.st().delivered, std::vector<int>{3});
    EXPECT_EQ(s.st().violations, 0);
}

TEST(closed_error, a_closed_collect_into_sink_throws_af_closed_error_with_a_short_message) {
    std::vector<int> out;
    auto s = af::sinks::collect_into(out);
    af::test::wake_counter wc;
    af::context cx(wc.waker());
    EXPECT_TRUE(s.poll_close(cx).is_ready());
    try {
        (void)s.poll_ready(cx);
        ADD_FAILURE() << "poll_ready after poll_close did not throw";
    } catch (const std::system_error& e) {
        EXPECT_EQ(e.code(), af::errc::closed);
        EXPECT_STREQ(e.what(), "sink closed");
    }
}

}  // namespace

}  // namespace sink_sink_test
