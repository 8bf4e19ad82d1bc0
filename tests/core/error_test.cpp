// SPDX-License-Identifier: MIT
// The error model of docs/design/0015-error-model.md: every condition af throws is an af::error
// (a std::system_error) whose code says which, and the old per-module names are the same types.
#include "af/core/error.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <system_error>
#include <type_traits>

#include "af/executor/join_handle.hpp"
#include "af/executor/local_pool.hpp"
#include "af/future/abortable.hpp"
#include "af/future/never.hpp"
#include "af/io/error.hpp"
#include "af/io/read_exact.hpp"
#include "af/sink/error.hpp"
#include "af/sync/semaphore.hpp"
#include "af/test/manual_future.hpp"
#include "af/test/wake_counter.hpp"
#include "af/time/timeout.hpp"

namespace core_error_test {

namespace {

static_assert(std::is_base_of_v<std::system_error, af::error>);
static_assert(std::is_base_of_v<af::error, af::closed_error>);
static_assert(std::is_base_of_v<af::error, af::cancelled_error>);
static_assert(std::is_base_of_v<af::error, af::time::elapsed_error>);
static_assert(std::is_base_of_v<af::error, af::io::frame_error>);

// The old names are the same types (deprecated, so the check silences the warning).
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
static_assert(std::is_same_v<af::sync::closed_error, af::closed_error>);
static_assert(std::is_same_v<af::sink_closed_error, af::closed_error>);
#pragma GCC diagnostic pop

TEST(error, each_code_has_a_short_lower_case_message_in_the_af_category) {
    EXPECT_STREQ(af::error_category().name(), "af");
    EXPECT_EQ(af::make_error_code(af::errc::closed).message(), "closed");
    EXPECT_EQ(af::make_error_code(af::errc::cancelled).message(), "cancelled");
    EXPECT_EQ(af::make_error_code(af::errc::timed_out).message(), "deadline has elapsed");
}

TEST(error, timed_out_and_cancelled_compare_equal_to_the_standard_conditions) {
    std::error_code t = af::errc::timed_out;
    std::error_code c = af::errc::cancelled;
    EXPECT_EQ(t, std::errc::timed_out);
    EXPECT_EQ(c, std::errc::operation_canceled);
    EXPECT_NE(t, std::errc::operation_canceled);
    // closed has no standard twin: it must not be mistaken for an OS error.
    std::error_code closed = af::errc::closed;
    EXPECT_NE(closed, std::errc::broken_pipe);
    EXPECT_NE(closed, std::errc::connection_reset);
}

TEST(error, the_named_types_carry_their_one_code) {
    EXPECT_EQ(af::closed_error().code(), af::errc::closed);
    EXPECT_EQ(af::closed_error("semaphore closed").code(), af::errc::closed);
    EXPECT_EQ(af::cancelled_error().code(), af::errc::cancelled);
    EXPECT_EQ(af::time::elapsed_error().code(), af::errc::timed_out);
    af::io::frame_error fe(af::io::error::frame_too_long, "too long");
    EXPECT_EQ(fe.code(), af::io::error::frame_too_long);
}

TEST(error, what_is_the_throwers_phrase_alone_or_the_codes_message) {
    EXPECT_STREQ(af::closed_error().what(), "closed");
    EXPECT_STREQ(af::closed_error("semaphore closed").what(), "semaphore closed");
    EXPECT_STREQ(af::cancelled_error().what(), "task was cancelled");
    EXPECT_STREQ(af::time::elapsed_error().what(), "deadline has elapsed");
    // Copies share the message (an exception's copy must not throw).
    af::closed_error a("sink closed");
    af::closed_error b = a;
    EXPECT_STREQ(b.what(), "sink closed");
}

TEST(error, a_closed_semaphore_throws_af_closed_error_caught_as_system_error) {
    af::sync::semaphore s(0);
    s.close();
    auto f = s.acquire();
    af::test::wake_counter wc;
    af::context cx(wc.waker());
    try {
        (void)f.poll(cx);
        ADD_FAILURE() << "acquire on a closed semaphore did not throw";
    } catch (const std::system_error& e) {
        EXPECT_EQ(e.code(), af::errc::closed);
        EXPECT_NE(dynamic_cast<const af::closed_error*>(&e), nullptr);
    }
}

TEST(error, an_aborted_task_throws_af_cancelled_error_equal_to_operation_canceled) {
    af::executor::local_pool pool;
    auto h = pool.spawner().spawn(af::never<int>());
    h.abort();
    pool.run_until_stalled();
    af::test::wake_counter wc;
    af::context cx(wc.waker());
    try {
        (void)h.poll(cx);
        ADD_FAILURE() << "awaiting an aborted task did not throw";
    } catch (const af::error& e) {
        EXPECT_EQ(e.code(), af::errc::cancelled);
        EXPECT_EQ(e.code(), std::errc::operation_canceled);
    }
}

TEST(error, read_exact_at_the_end_of_a_stream_throws_af_error_with_the_io_code) {
    struct empty_reader {
        af::poll<std::size_t> poll_read(af::context&, std::span<std::byte>) { return std::size_t{0}; }
    };
    empty_reader r;
    std::byte buf[4];
    auto f = af::io::read_exact(r, buf);
    af::test::wake_counter wc;
    af::context cx(wc.waker());
    try {
        (void)f.poll(cx);
        ADD_FAILURE() << "read_exact on an empty stream did not throw";
    } catch (const af::error& e) {
        EXPECT_EQ(e.code(), af::io::error::unexpected_eof);
    }
}

}  // namespace

}  // namespace core_error_test
