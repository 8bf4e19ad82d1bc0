// SPDX-License-Identifier: MIT
#pragma once
/// \file
/// `af::asio::runtime_context`: an Asio execution context backed by an af runtime. Its
/// executor runs Asio handlers and `post`ed work as af tasks on the runtime's workers.
///
///     af::rt::runtime rt = af::rt::builder().enable_all().build();
///     af::asio::runtime_context ctx(rt.handle());
///     boost::asio::steady_timer t(ctx.get_executor(), 10ms);
///     t.async_wait([](boost::system::error_code) {
///         auto h = af::rt::spawn(work());          // a worker: the runtime is current here
///     });
///
/// The executor satisfies Asio's executor requirements (`execute`, `query(execution::context)`,
/// `require(blocking.never)`, equality: two are equal when they share the context) and converts
/// to `boost::asio::any_io_executor`, so Asio code that takes an executor runs its handlers on
/// af's workers. Each `execute` spawns one task (one allocation); handlers run with the runtime
/// entered, so af timers and sockets work in them. Asio I/O objects made on this executor keep
/// their own reactor thread inside the context (Asio starts one for a context that is not an
/// io_context) and only run their handlers on af.
///
/// The opposite direction, af tasks on an io_context's threads, is executor_spawner.hpp; to use
/// af timers and sockets from a thread that runs an io_context, enter the runtime there:
/// `auto g = rt.handle().enter(); ioc.run();`.
///
/// Shutdown: a function given to `execute` after the runtime shut down is destroyed without
/// being called (as Asio does with the handlers of a destroyed io_context). Destroying the
/// context shuts down the Asio services it holds (their pending operations are destroyed);
/// destroy it after the I/O objects made on it, and do not use its executors afterwards.
///
/// Thread safety: the context's `get_executor()` and the executor's members may be used from
/// any thread; handlers may run on several workers at once (use a strand for ordering:
/// `boost::asio::make_strand(ctx.get_executor())`).
#include <optional>     // the function, until the task calls it
#include <type_traits>  // std::decay_t
#include <utility>      // std::forward, std::move

#include <boost/asio/execution.hpp>          // the executor properties
#include <boost/asio/execution_context.hpp>  // the base of the context

#include "af/core/future.hpp"
#include "af/rt/runtime.hpp"

namespace af::asio {

namespace detail {
// The task `execute` spawns: calls the function once, at its first poll.
template <class F>
class invoke_once {
public:
    using output = void;
    explicit invoke_once(F f) : f_(std::in_place, std::move(f)) {}
    af::poll<void> poll(context&) {
        F f = std::move(*f_);
        f_.reset();
        f();
        return {};
    }

private:
    std::optional<F> f_;
};
}  // namespace detail

class runtime_context : public boost::asio::execution_context {
public:
    class executor_type;

    /// Runs handlers on the runtime `rt` refers to (a copy of the handle is kept).
    explicit runtime_context(af::rt::handle rt) : rt_(std::move(rt)) {}
    runtime_context(const runtime_context&) = delete;
    runtime_context& operator=(const runtime_context&) = delete;
    /// Shuts down and destroys the Asio services first, while the runtime handle is alive.
    ~runtime_context() {
        shutdown();
        destroy();
    }

    executor_type get_executor() noexcept;
    const af::rt::handle& handle() const noexcept { return rt_; }

private:
    af::rt::handle rt_;
};

class runtime_context::executor_type {
public:
    /// Runs `f()` as a task of the runtime, later, on a worker; never inline.
    template <class F>
    void execute(F&& f) const {
        ctx_->handle().spawn(detail::invoke_once<std::decay_t<F>>(std::forward<F>(f))).detach();
    }

    runtime_context& query(boost::asio::execution::context_t) const noexcept { return *ctx_; }
    static constexpr boost::asio::execution::blocking_t query(boost::asio::execution::blocking_t) noexcept {
        return boost::asio::execution::blocking.never;
    }
    executor_type require(boost::asio::execution::blocking_t::never_t) const noexcept { return *this; }

    friend bool operator==(const executor_type& a, const executor_type& b) noexcept { return a.ctx_ == b.ctx_; }
    friend bool operator!=(const executor_type& a, const executor_type& b) noexcept { return a.ctx_ != b.ctx_; }

private:
    friend class runtime_context;
    explicit executor_type(runtime_context& c) noexcept : ctx_(&c) {}
    runtime_context* ctx_;
};

inline runtime_context::executor_type runtime_context::get_executor() noexcept { return executor_type(*this); }

}  // namespace af::asio
