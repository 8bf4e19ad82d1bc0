// SPDX-License-Identifier: MIT
// Every completion signature shape af::asio::use_future is asked to handle, each through a real
// Asio operation where Asio has one (post, a timer, a socket read, co_spawn) and through
// boost::asio::async_initiate where it has none, in both forms (use_future throws the error,
// use_future_tuple returns it).
#include "af/asio/use_future.hpp"

#include <gtest/gtest.h>

#include <array>
#include <chrono>
#include <exception>
#include <memory>
#include <stdexcept>
#include <string>
#include <system_error>
#include <thread>
#include <tuple>
#include <type_traits>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/local/connect_pair.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>

#include "af/core/task.hpp"
#include "af/executor/block_on.hpp"
#include "af/future/join.hpp"

namespace asio_signatures_test {

namespace asio = boost::asio;
using boost::system::error_code;
using namespace std::chrono_literals;

struct io_thread {
    asio::io_context ioc;
    asio::executor_work_guard<asio::io_context::executor_type> guard{ioc.get_executor()};
    std::thread t{[this] { ioc.run(); }};
    ~io_thread() {
        guard.reset();
        ioc.stop();
        t.join();
    }
};

// An operation that completes with the stored arguments, posted to its executor: stands for
// any Asio operation of signature void(A...).
template <class... A>
struct completes_with {
    using executor_type = asio::io_context::executor_type;
    executor_type ex;
    std::tuple<A...> args;
    executor_type get_executor() const noexcept { return ex; }
    template <class Handler>
    void operator()(Handler&& h) {
        asio::post(ex, [h = std::move(h), a = std::move(args)]() mutable { std::apply(std::move(h), std::move(a)); });
    }
};
template <class... A, class Token>
auto async_complete(asio::io_context& ioc, Token&& token, A... a) {
    return asio::async_initiate<Token, void(A...)>(completes_with<A...>{ioc.get_executor(), {std::move(a)...}}, token);
}

// Cancels the timer on its executor, then completes with ().
struct cancel_timer {
    using executor_type = asio::steady_timer::executor_type;
    asio::steady_timer* t;
    executor_type get_executor() const noexcept { return t->get_executor(); }
    template <class Handler>
    void operator()(Handler&& h) {
        t->cancel();
        asio::post(t->get_executor(), std::move(h));
    }
};
template <class Token>
auto async_cancel(asio::steady_timer& t, Token&& token) {
    return asio::async_initiate<Token, void()>(cancel_timer{&t}, token);
}

// The outputs, checked at compile time for each shape.
template <class Sig, class Token>
using output_for = typename decltype(asio::async_initiate<const Token&, Sig>(
    std::declval<completes_with<>>(), std::declval<const Token&>()))::output;
static_assert(std::is_void_v<output_for<void(), af::asio::use_future_t>>);
static_assert(std::is_void_v<output_for<void(error_code), af::asio::use_future_t>>);
static_assert(std::is_same_v<output_for<void(error_code, int), af::asio::use_future_t>, int>);
static_assert(std::is_same_v<output_for<void(std::error_code, int), af::asio::use_future_t>, int>);
static_assert(std::is_same_v<output_for<void(int), af::asio::use_future_t>, int>);
static_assert(std::is_void_v<output_for<void(std::exception_ptr), af::asio::use_future_t>>);
static_assert(std::is_same_v<output_for<void(std::exception_ptr, int), af::asio::use_future_t>, int>);
static_assert(std::is_same_v<output_for<void(error_code, int, std::string), af::asio::use_future_t>,
                             std::tuple<int, std::string>>);
static_assert(std::is_same_v<output_for<void(int, std::string), af::asio::use_future_t>, std::tuple<int, std::string>>);
static_assert(std::is_same_v<output_for<void(), af::asio::use_future_tuple_t>, std::tuple<>>);
static_assert(std::is_same_v<output_for<void(error_code), af::asio::use_future_tuple_t>, std::tuple<error_code>>);
static_assert(std::is_same_v<output_for<void(error_code, int, std::string), af::asio::use_future_tuple_t>,
                             std::tuple<error_code, int, std::string>>);
static_assert(std::is_same_v<output_for<void(std::exception_ptr, int), af::asio::use_future_tuple_t>,
                             std::tuple<std::exception_ptr, int>>);

// --- () ---

TEST(AsioSignatures, NoArgumentsIsVoidFromAsioPost) {
    io_thread io;
    auto f = asio::post(io.ioc.get_executor(), af::asio::use_future);
    static_assert(std::is_void_v<decltype(f)::output>);
    af::block_on(std::move(f));
    auto g = asio::post(io.ioc.get_executor(), af::asio::use_future_tuple);
    EXPECT_EQ(af::block_on(std::move(g)), std::tuple<>());
}

// --- (error_code) ---

TEST(AsioSignatures, ErrorCodeOnlyIsVoidOrThrowsFromATimer) {
    io_thread io;
    asio::steady_timer t(io.ioc, 1ms);
    af::block_on(t.async_wait(af::asio::use_future));  // expired: no error, nothing returned

    // The wait is polled first, so its start is queued on the io_context before the cancel.
    asio::steady_timer never(io.ioc, std::chrono::hours(1));
    auto run = [&]() -> af::task<std::string> {
        auto w = never.async_wait(af::asio::use_future);
        auto c = async_cancel(never, af::asio::use_future);
        try {
            co_await af::join(std::move(w), std::move(c));
        } catch (const std::system_error& e) {
            co_return e.code() == std::errc::operation_canceled ? "aborted" : e.code().message();
        }
        co_return "no error";
    };
    EXPECT_EQ(af::block_on(af::co_invoke(run)), "aborted");
}

TEST(AsioSignatures, ErrorCodeOnlyTupleFormReturnsTheCode) {
    io_thread io;
    auto [ec] = af::block_on(async_complete(io.ioc, af::asio::use_future_tuple, error_code(asio::error::timed_out)));
    EXPECT_EQ(ec, asio::error::timed_out);
}

// --- (error_code, T) and (std::error_code, T) ---

TEST(AsioSignatures, ErrorCodeAndValueFromASocketRead) {
    io_thread io;
    asio::local::stream_protocol::socket a(io.ioc), b(io.ioc);
    asio::local::connect_pair(a, b);
    asio::write(a, asio::buffer(std::string("abc")));
    std::array<char, 8> buf{};
    std::size_t n = af::block_on(b.async_read_some(asio::buffer(buf), af::asio::use_future));
    EXPECT_EQ(std::string(buf.data(), n), "abc");
    a.close();
    try {
        af::block_on(b.async_read_some(asio::buffer(buf), af::asio::use_future));
        FAIL() << "no exception";
    } catch (const std::system_error& e) {
        EXPECT_TRUE(e.code() == error_code(asio::error::eof));
    }
}

TEST(AsioSignatures, StdErrorCodeIsCheckedLikeBoosts) {
    io_thread io;
    EXPECT_EQ(af::block_on(async_complete(io.ioc, af::asio::use_future, std::error_code(), 7)), 7);
    try {
        af::block_on(async_complete(io.ioc, af::asio::use_future, std::make_error_code(std::errc::broken_pipe), 7));
        FAIL() << "no exception";
    } catch (const std::system_error& e) {
        EXPECT_EQ(e.code(), std::errc::broken_pipe);
    }
}

// --- (T): nothing to check, the value is the output, also move-only ---

TEST(AsioSignatures, ValueOnlyIsTheOutput) {
    io_thread io;
    EXPECT_EQ(af::block_on(async_complete(io.ioc, af::asio::use_future, std::string("v"))), "v");
    auto p = af::block_on(async_complete(io.ioc, af::asio::use_future, std::make_unique<int>(5)));
    ASSERT_NE(p, nullptr);
    EXPECT_EQ(*p, 5);
}

// --- (exception_ptr) and (exception_ptr, T): what co_spawn completes with ---

asio::awaitable<void> nothing() { co_return; }
asio::awaitable<void> throws_void() {
    throw std::runtime_error("void failed");
    co_return;
}
asio::awaitable<int> forty_two() { co_return 42; }
asio::awaitable<int> throws_int() {
    throw std::runtime_error("int failed");
    co_return 0;
}

TEST(AsioSignatures, ExceptionPtrOnlyFromCoSpawnIsVoidOrRethrown) {
    io_thread io;
    af::block_on(asio::co_spawn(io.ioc, nothing(), af::asio::use_future));
    try {
        af::block_on(asio::co_spawn(io.ioc, throws_void(), af::asio::use_future));
        FAIL() << "no exception";
    } catch (const std::runtime_error& e) {
        EXPECT_STREQ(e.what(), "void failed");
    }
}

TEST(AsioSignatures, ExceptionPtrAndValueFromCoSpawn) {
    io_thread io;
    EXPECT_EQ(af::block_on(asio::co_spawn(io.ioc, forty_two(), af::asio::use_future)), 42);
    try {
        af::block_on(asio::co_spawn(io.ioc, throws_int(), af::asio::use_future));
        FAIL() << "no exception";
    } catch (const std::runtime_error& e) {
        EXPECT_STREQ(e.what(), "int failed");
    }
    // The tuple form hands the exception over instead of rethrowing it.
    auto [e, v] = af::block_on(asio::co_spawn(io.ioc, throws_int(), af::asio::use_future_tuple));
    ASSERT_NE(e, nullptr);
    EXPECT_THROW(std::rethrow_exception(e), std::runtime_error);
    EXPECT_EQ(v, 0);
}

// --- (error_code, T, U): several values become a tuple ---

TEST(AsioSignatures, SeveralValuesAfterTheErrorCodeBecomeATuple) {
    io_thread io;
    auto [n, s] = af::block_on(async_complete(io.ioc, af::asio::use_future, error_code(), 3, std::string("three")));
    EXPECT_EQ(n, 3);
    EXPECT_EQ(s, "three");
    try {
        af::block_on(async_complete(io.ioc, af::asio::use_future, error_code(asio::error::connection_reset), 0,
                                    std::string()));
        FAIL() << "no exception";
    } catch (const std::system_error& e) {
        EXPECT_TRUE(e.code() == error_code(asio::error::connection_reset));
    }
    auto [ec, m, t] = af::block_on(async_complete(io.ioc, af::asio::use_future_tuple,
                                                  error_code(asio::error::connection_reset), 1, std::string("partial")));
    EXPECT_EQ(ec, asio::error::connection_reset);
    EXPECT_EQ(m, 1);
    EXPECT_EQ(t, "partial");
}

TEST(AsioSignatures, SeveralValuesWithoutAnErrorBecomeATuple) {
    io_thread io;
    auto [n, s] = af::block_on(async_complete(io.ioc, af::asio::use_future, 4, std::string("four")));
    EXPECT_EQ(n, 4);
    EXPECT_EQ(s, "four");
}

// An error code that is not first is a plain value: only a leading one is checked.
TEST(AsioSignatures, AnErrorCodeThatIsNotFirstIsAValue) {
    io_thread io;
    auto [n, ec] = af::block_on(async_complete(io.ioc, af::asio::use_future, 9, error_code(asio::error::eof)));
    EXPECT_EQ(n, 9);
    EXPECT_EQ(ec, asio::error::eof);
}

}  // namespace asio_signatures_test
