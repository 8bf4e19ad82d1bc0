// SPDX-License-Identifier: MIT
#pragma once
/// \file
/// `af::asio::use_future`: the completion token that turns any Asio operation into an af future.
///
///     af::task<std::size_t> echo_once(boost::asio::ip::tcp::socket& s, std::array<char, 512>& buf) {
///         std::size_t n = co_await s.async_read_some(boost::asio::buffer(buf), af::asio::use_future);
///         co_await boost::asio::async_write(s, boost::asio::buffer(buf, n), af::asio::use_future);
///         co_return n;
///     }
///
/// Output, from the operation's completion signature `void(A...)`:
///   - `use_future`: a leading `error_code` (Boost's or std's) or `std::exception_ptr` is
///     checked and thrown (`std::system_error` with the same code, so `e.code() ==
///     boost::asio::error::operation_aborted` and `== std::errc::operation_canceled` hold);
///     what remains is the output: nothing (`void`), one value, or a `std::tuple` of several.
///   - `use_future_tuple`: every argument, as `std::tuple<A...>`; nothing is thrown for an
///     error code (Asio's `as_tuple`, with af's laziness and cancellation).
/// Either form throws `af::error` with code `af::errc::cancelled` when Asio destroyed the
/// handler without calling it (its io_context was destroyed first), and rethrows what the
/// initiating function threw.
///
/// Lazy: calling `s.async_read_some(buf, af::asio::use_future)` only stores the initiation;
/// the first poll starts it on the I/O object's executor (inline when the polling thread
/// already runs that executor, otherwise posted there).
///
/// Cancellation: dropping the future before it completed emits `cancellation_type::terminal`
/// on the operation's cancellation slot, on the I/O object's executor (never on the dropping
/// thread unless it runs that executor: Asio's signals are not thread-safe). The operation
/// then completes with `operation_aborted`, later; the state it writes into is kept alive
/// until then. What is lost: for a read, bytes the operation had received before the
/// cancellation took effect; for a write, you do not learn how much was written.
///
/// Buffers: the operation reads from or writes into the caller's memory until Asio's handler
/// runs, which after a drop is *later* than the drop. So:
///   - after `co_await` returned (or threw), the buffers are free to reuse;
///   - after dropping the future (a lost `select`, a `timeout`, an aborted task), they are not:
///     keep them alive and untouched until the operation is known to be done, or let the
///     operation own them: `std::move(f).keep(ptr)` holds a `std::shared_ptr` until the handler
///     ran (`co_await s.async_read_some(boost::asio::buffer(*buf), af::asio::use_future).keep(buf)`).
/// The I/O object itself must also outlive the operation: destroy it on its own executor (or
/// from a task that runs there, see executor_spawner.hpp), not from another thread.
///
/// Resumes on: the handler runs on the I/O object's executor and wakes the awaiting task; the
/// task resumes wherever its own executor polls it.
///
/// Thread safety: the future may be polled and dropped on any thread. Cancellation is ordered
/// against the operation by the I/O object's executor: on an io_context run by several threads,
/// give the I/O object a strand, as Asio requires for any concurrent use.
///
/// Only single-signature operations are supported. Asio's own adapters (`as_tuple`, `consign`,
/// `redirect_error`) work around `use_future` but hide the I/O object's executor from it, so the
/// operation then starts and is cancelled on the polling thread: prefer `use_future_tuple` and
/// `keep`. See docs/book/asio.md and docs/design/0021-asio-bridge.md.
#include <cstddef>       // std::size_t
#include <exception>     // std::exception_ptr, std::rethrow_exception
#include <memory>        // std::shared_ptr: keep()
#include <optional>      // the stored initiation and result
#include <system_error>  // std::system_error, std::error_code
#include <tuple>         // arguments and results
#include <type_traits>   // std::decay_t, std::is_same_v
#include <utility>       // std::move, std::exchange, std::index_sequence

#include <boost/asio/associated_executor.hpp>  // the I/O object's executor, from the initiation
#include <boost/asio/async_result.hpp>         // the token customisation point
#include <boost/asio/dispatch.hpp>             // start and cancel on that executor
#include <boost/system/error_code.hpp>         // the error_code checked by use_future

#include "af/asio/detail/operation_state.hpp"
#include "af/core/error.hpp"   // af::error, af::errc::cancelled
#include "af/core/future.hpp"

namespace af::asio {

/// The type of `use_future` (`AsTuple == false`) and `use_future_tuple` (`true`).
template <bool AsTuple>
struct basic_use_future {
    constexpr basic_use_future() noexcept = default;
};
using use_future_t = basic_use_future<false>;
using use_future_tuple_t = basic_use_future<true>;

/// Pass as the completion token of an Asio operation: it returns an af future whose output is
/// the completion's value, with an error code thrown as `std::system_error`.
inline constexpr use_future_t use_future{};
/// As `use_future`, but the output is every completion argument as a `std::tuple`; error codes
/// are returned, not thrown.
inline constexpr use_future_tuple_t use_future_tuple{};

namespace detail {

template <class T>
inline constexpr bool is_error_first =
    std::is_same_v<T, boost::system::error_code> || std::is_same_v<T, std::error_code> ||
    std::is_same_v<T, std::exception_ptr>;

template <class... A>
struct value_of {
    using type = std::tuple<A...>;
    static type make(std::tuple<A...>&& t) { return std::move(t); }
};
template <>
struct value_of<> {
    using type = void;
    static void make(std::tuple<>&&) noexcept {}
};
template <class A>
struct value_of<A> {
    using type = A;
    static A make(std::tuple<A>&& t) { return std::get<0>(std::move(t)); }
};

template <class E>
void throw_if_error(const E& e) {
    if constexpr (std::is_same_v<E, std::exception_ptr>) {
        if (e) std::rethrow_exception(e);
    } else {
        if (e) throw std::system_error(static_cast<std::error_code>(e));
    }
}

template <class Tuple, std::size_t... I>
auto drop_first(Tuple&& t, std::index_sequence<I...>) {
    return std::tuple<std::tuple_element_t<I + 1, std::remove_cvref_t<Tuple>>...>(
        std::get<I + 1>(std::move(t))...);
}

/// How the completion arguments `A...` become the future's output.
template <bool AsTuple, class... A>
struct completion {
    using output = std::tuple<A...>;
    static output take(std::tuple<A...>&& t) { return std::move(t); }
};
template <class... A>
struct completion<false, A...> {
    using output = typename value_of<A...>::type;
    static output take(std::tuple<A...>&& t) { return value_of<A...>::make(std::move(t)); }
};
template <class E, class... A>
    requires is_error_first<E>
struct completion<false, E, A...> {
    using output = typename value_of<A...>::type;
    static output take(std::tuple<E, A...>&& t) {
        throw_if_error(std::get<0>(t));
        return value_of<A...>::make(drop_first(std::move(t), std::index_sequence_for<A...>{}));
    }
};

template <class State>
class operation_handler;

/// The state of one operation: its initiation until it starts, its result once it completed.
template <bool AsTuple, class Signature, class Initiation, class... Args>
class typed_operation_state;

template <bool AsTuple, class... S, class Initiation, class... Args>
class typed_operation_state<AsTuple, void(S...), Initiation, Args...> final : public operation_state {
public:
    using values = std::tuple<std::decay_t<S>...>;
    using completion_type = completion<AsTuple, std::decay_t<S>...>;

    template <class I, class... A>
    explicit typed_operation_state(I&& init, A&&... args)
        : start_(std::in_place, std::forward<I>(init), std::forward<A>(args)...) {}

    template <class... A>
    void set_result(A&&... a) {
        result_.emplace(std::forward<A>(a)...);
    }
    /// Only after is_complete(), once; throws as the output's form says.
    typename completion_type::output take() {
        if (std::exception_ptr e = error()) std::rethrow_exception(e);
        if (!result_) {
            throw af::error(make_error_code(af::errc::cancelled),
                            "asio operation abandoned: its handler was destroyed without being called");
        }
        return completion_type::take(std::move(*result_));
    }

private:
    void do_start() override {
        // The start arguments stay in `start_` until the initiation returns: it may keep views
        // into them only until then, as with any Asio initiating function.
        std::apply(
            [this](Initiation& init, Args&... args) {
                std::move(init)(operation_handler<typed_operation_state>(this), std::move(args)...);
            },
            *start_);
        start_.reset();
    }
    void drop_start() noexcept override { start_.reset(); }

    std::optional<std::tuple<Initiation, Args...>> start_;
    std::optional<values> result_;
};

/// The completion handler Asio holds: one reference to the state, and its cancellation slot.
template <class State>
class operation_handler {
public:
    using cancellation_slot_type = boost::asio::cancellation_slot;

    explicit operation_handler(State* s) noexcept : s_(s) { s_->retain(); }
    operation_handler(operation_handler&& o) noexcept : s_(std::exchange(o.s_, nullptr)) {}
    operation_handler& operator=(operation_handler&&) = delete;
    ~operation_handler() {
        if (s_ != nullptr) {
            s_->abandon();
            s_->release();
        }
    }

    cancellation_slot_type get_cancellation_slot() const noexcept {
        return s_ != nullptr ? s_->slot() : cancellation_slot_type();
    }

    template <class... A>
    void operator()(A&&... a) {
        State* s = std::exchange(s_, nullptr);
        try {
            s->set_result(std::forward<A>(a)...);
            s->complete();
        } catch (...) {
            s->fail(std::current_exception());
        }
        s->release();
    }

private:
    State* s_;
};

// What the future dispatches to the executor; each holds one reference.
class start_op {
public:
    explicit start_op(operation_state* s) noexcept : s_(s) { s_->retain(); }
    start_op(start_op&& o) noexcept : s_(std::exchange(o.s_, nullptr)) {}
    start_op& operator=(start_op&&) = delete;
    ~start_op() {
        if (s_ != nullptr) {
            s_->start_abandoned();  // the execution context is gone without running us
            s_->release();
        }
    }
    void operator()() {
        operation_state* s = std::exchange(s_, nullptr);
        s->start();
        s->release();
    }

private:
    operation_state* s_;
};

class emit_op {
public:
    explicit emit_op(operation_state* s) noexcept : s_(s) { s_->retain(); }
    emit_op(emit_op&& o) noexcept : s_(std::exchange(o.s_, nullptr)) {}
    emit_op& operator=(emit_op&&) = delete;
    ~emit_op() {
        if (s_ != nullptr) s_->release();
    }
    void operator()() {
        operation_state* s = std::exchange(s_, nullptr);
        s->emit_cancel();
        s->release();
    }

private:
    operation_state* s_;
};

}  // namespace detail

/// The future an Asio operation returns for `use_future` / `use_future_tuple`; see the file
/// comment. Move it only before its first poll.
template <class Executor, class State>
class [[nodiscard("an Asio operation passed af::asio::use_future does not start until awaited")]] operation_future {
public:
    using output = typename State::completion_type::output;

    operation_future(Executor ex, State* s) noexcept : ex_(std::move(ex)), state_(s) {}
    operation_future(operation_future&& o) noexcept
        : ex_(o.ex_), state_(std::exchange(o.state_, nullptr)), started_(o.started_), done_(o.done_) {}
    operation_future& operator=(operation_future&&) = delete;
    ~operation_future() {
        if (state_ == nullptr) return;
        if (started_ && !done_ && state_->request_cancel()) {
            try {
                boost::asio::dispatch(ex_, detail::emit_op(state_));
            } catch (...) {
                // Out of memory: the operation is not cancelled and completes on its own.
            }
        }
        state_->release();
    }

    /// Keeps `p` (typically the buffer the operation reads into or writes from) alive until
    /// Asio's handler has run, also when this future is dropped first. Before the first poll.
    operation_future keep(std::shared_ptr<const void> p) && {
        state_->keep(std::move(p));
        return std::move(*this);
    }

    af::poll<output> poll(context& cx) {
        state_->register_waker(cx.waker());
        if (!started_) {
            started_ = true;
            boost::asio::dispatch(ex_, detail::start_op(state_));
        }
        if (!state_->is_complete()) return pending;
        done_ = true;
        if constexpr (std::is_void_v<output>) {
            state_->take();
            return {};
        } else {
            return af::poll<output>(std::in_place, state_->take());
        }
    }

private:
    Executor ex_;
    State* state_;
    bool started_ = false;
    bool done_ = false;
};

}  // namespace af::asio

template <bool AsTuple, class... S>
class boost::asio::async_result<af::asio::basic_use_future<AsTuple>, void(S...)> {
public:
    // The I/O object's executor comes from the initiation; the token machinery also calls this
    // with stand-in initiations that have none, which get the system executor.
    template <class Initiation, class RawToken, class... Args>
    static auto initiate(Initiation&& init, RawToken&&, Args&&... args) {
        using state = af::asio::detail::typed_operation_state<AsTuple, void(S...), std::decay_t<Initiation>,
                                                               std::decay_t<Args>...>;
        auto ex = boost::asio::get_associated_executor(init);
        auto* s = new state(std::forward<Initiation>(init), std::forward<Args>(args)...);
        return af::asio::operation_future<decltype(ex), state>(std::move(ex), s);
    }
};
