// SPDX-License-Identifier: MIT
#pragma once
/// \file
/// `af::rt::runtime`: the engine that runs an af program: schedulers, timers, a blocking pool.
///
///     int main() {
///         af::rt::runtime rt = af::rt::builder().multi_thread().worker_threads(4).enable_all().build();
///         int n = rt.block_on([]() -> af::task<int> {
///             auto h = af::rt::spawn(compute());       // runs on the workers
///             co_await af::time::sleep(10ms);
///             co_return co_await std::move(h);
///         });
///     }
///
/// or, for the common case, `int main() { return af::rt::run(app()); }`.
///
/// Flavors (pick with the builder):
///   - multi_thread (default): N workers with work stealing; tasks move between workers
///     between polls, so what they hold must be thread-safe. The fastest choice for servers.
///   - current_thread: the thread calling `block_on` runs every task; nothing needs to be
///     thread-safe, `spawn_local` is allowed, and `rng_seed` makes the order of ready tasks
///     random but reproducible (deterministic tests). Tasks only run while some thread is in
///     `block_on`.
///   - thread_per_core: N independent current-thread workers, no stealing: a task stays on
///     the worker it was spawned on (`spawn` from a worker stays there; from outside, workers
///     take turns). For sharded, share-nothing designs.
///
/// Shutdown: dropping the runtime (or `shutdown_timeout`) stops the workers after their
/// current poll, destroys every unfinished task's future on the calling thread (their handles
/// then throw af::cancelled_error), and waits for running blocking jobs (at most the timeout).
///
/// Thread safety: `block_on`, `spawn`, `handle` and `metrics` may be called from any thread.
/// Do not call `block_on` or drop the runtime from one of its own tasks.
///
/// From a thread the runtime does not own, `rt.handle().enter()` makes it current there (so
/// `af::rt::spawn`, sleeps and sockets bind to it); see handle::enter. A library that should
/// run its tasks wherever its user says takes an `af::any_spawner` (af/executor/spawner.hpp),
/// which a handle converts to.
#include <chrono>       // shutdown timeout, keep-alive
#include <cstddef>      // std::size_t
#include <cstdint>      // rng seed
#include <exception>    // std::exception_ptr
#include <functional>   // thread start/stop hooks
#include <optional>     // block_on's output slot, try_current
#include <string>       // thread name
#include <type_traits>  // std::is_void_v
#include <utility>      // std::forward, std::exchange

#include "af/executor/join_handle.hpp"
#include "af/executor/spawn.hpp"
#include "af/executor/spawner.hpp"  // a handle is an af::spawner, convertible to any_spawner
#include "af/rt/detail/context.hpp"  // enter_guard's saved context
#include "af/rt/detail/root_slot.hpp"  // block_on's future in task dumps
#include "af/rt/detail/runtime_core.hpp"
#include "af/rt/watchdog.hpp"

namespace af::rt {

class runtime;

/// Which scheduler a runtime uses; see the file comment.
enum class flavor { multi_thread, current_thread, thread_per_core };

/// Which kernel interface the runtime's I/O uses (with enable_io). `automatic` is epoll today:
/// it measured faster than io_uring on every workload (docs/design/0008-reactor.md) and no
/// kernel refuses it. `io_uring` throws at build() when the kernel refuses it or af was built
/// without liburing.
enum class io_backend { automatic, epoll, io_uring };

namespace detail {

// What `block_on` keeps on its stack: the future and, once done, its output or exception.
/// The runtime's tasks (runtime_core::dump) and the futures given to its block_on calls.
std::vector<task_dump> dump_all(runtime_core& rt);

template <class F>
struct block_on_state {
    using output = output_of<F>;
    F future;
    std::optional<std::conditional_t<std::is_void_v<output>, bool, output>> value;
    std::exception_ptr error;
    root_slot slot;  // lists the future in task dumps (root_slot.hpp)

    static bool poll(void* self, context& cx) noexcept {
        auto* s = static_cast<block_on_state*>(self);
        s->slot.begin_poll();
        struct end_poll {
            root_slot& s;
            ~end_poll() { s.end_poll(); }
        } guard{s->slot};
        try {
            auto p = s->future.poll(cx);
            if (p.is_pending()) return false;
            if constexpr (std::is_void_v<output>) {
                s->value.emplace(true);
            } else {
                s->value.emplace(std::move(p).value());
            }
        } catch (...) {
            s->error = std::current_exception();
        }
        return true;
    }

    static void trace(const void* f, af::detail::trace_sink& out) {
        af::detail::trace_future(*static_cast<const F*>(f), out);
    }

    output take() {
        if (error) std::rethrow_exception(error);
        if constexpr (!std::is_void_v<output>) return std::move(*value);
    }
};

template <class F>
executor::spawn_output_t<F> block_on(runtime_core& core, F&& f) {
    using state = block_on_state<executor::spawn_future_t<F>>;
    state s{af::detail::into_future(std::forward<F>(f)), {}, {}, {}};
    s.slot.future = &s.future;
    s.slot.trace = &state::trace;
    s.slot.rt = &core;
    root_registration listed(s.slot);
    core.drive(&s, &state::poll);
    return s.take();
}

}  // namespace detail

class enter_guard;

/// A copyable, thread-safe reference to a runtime: spawn onto it or block on it from any
/// thread. It keeps the runtime's shared state alive, not the runtime: after shutdown, `spawn`
/// returns a handle whose task is already cancelled. It satisfies `af::spawner`, so a library
/// that takes an `af::any_spawner` accepts it (af/executor/spawner.hpp).
class handle {
public:
    /// The runtime the calling thread runs in (a worker, a blocking job, a thread in block_on
    /// or one that entered it). Throws std::logic_error outside one, naming the fix.
    static handle current();
    /// As current(), but empty outside a runtime.
    static std::optional<handle> try_current() noexcept;

    handle(const handle& o) noexcept : core_(o.core_) { core_->retain(); }
    handle(handle&& o) noexcept : core_(std::exchange(o.core_, nullptr)) {}
    handle& operator=(handle o) noexcept {
        std::swap(core_, o.core_);
        return *this;
    }
    ~handle() {
        if (core_) core_->release();
    }

    /// Starts `f` (a future, or a callable returning one) as a task of the runtime.
    template <executor::spawnable F>
    join_handle<executor::spawn_output_t<F>> spawn(F&& f) const {
        return af::detail::spawn_on(core_->spawn_target(), std::forward<F>(f));
    }

    /// Runs `f` to completion on the calling thread; see runtime::block_on.
    template <executor::spawnable F>
    executor::spawn_output_t<F> block_on(F&& f) const {
        return detail::block_on(*core_, std::forward<F>(f));
    }

    /// Makes this runtime the calling thread's current one until the guard is destroyed: there,
    /// `af::rt::spawn`, `handle::current()`, `af::time::sleep` and sockets bind to it, as in
    /// block_on, but nothing is polled: the runtime's workers run spawned tasks (on a
    /// current_thread runtime, only a thread in block_on does). For threads the runtime does not
    /// own: a C library's callback thread, a GUI thread, a test's helper thread.
    ///
    ///     std::thread t([h = rt.handle()] {
    ///         auto g = h.enter();
    ///         auto j = af::rt::spawn(work());   // onto rt
    ///     });
    ///
    /// Guards nest; each restores the context it found. Destroy them on the thread that made
    /// them, innermost first, and never keep one across a co_await (the task may resume on
    /// another thread): otherwise the destructor aborts the process with a message.
    [[nodiscard("the runtime is current only while the guard lives: auto g = h.enter();")]] enter_guard enter()
        const noexcept;

    runtime_metrics metrics() const { return core_->metrics(); }
    std::vector<task_dump> dump_tasks() const { return detail::dump_all(*core_); }

private:
    friend class runtime;
    friend class enter_guard;
    explicit handle(detail::runtime_core* c) noexcept : core_(c) { core_->retain(); }
    // What af::any_spawner spawns onto; found by ADL only.
    friend af::detail::scheduler& spawn_scheduler(const handle& h) noexcept { return h.core_->spawn_target(); }
    detail::runtime_core* core_;
};

/// Keeps a runtime current on the thread that made it; see handle::enter. Not movable: it
/// belongs to the scope (and thread) that made it.
class [[nodiscard("the runtime is current only while the guard lives: auto g = h.enter();")]] enter_guard {
public:
    enter_guard(const enter_guard&) = delete;
    enter_guard& operator=(const enter_guard&) = delete;
    /// Restores the context found at entry; aborts when this is not the calling thread's
    /// innermost guard.
    ~enter_guard();

private:
    friend class handle;
    explicit enter_guard(const handle& h) noexcept;
    handle rt_;  // keeps the driver, reactor and pool in the context alive
    detail::runtime_context saved_;
    const void* outer_;  // the guard this one nests in, restored as innermost
};

inline enter_guard handle::enter() const noexcept { return enter_guard(*this); }

/// Configures and builds a runtime: `af::rt::builder().current_thread().enable_time().build()`.
/// Defaults: multi_thread, one worker per hardware thread, time and I/O off, 512 blocking
/// threads kept alive 10 s when idle. `build()` throws std::invalid_argument for impossible
/// settings (zero workers, zero blocking threads, a seed on a multi-thread runtime).
///
/// Debugging aids (docs/book/runtime.md, "A task that blocks"): the blocking watchdog, on by
/// default when af is built without NDEBUG, and a dump of every task on a signal, off unless
/// `dump_on_signal` or the environment variable AF_DUMP_SIGNAL (SIGQUIT, USR1, 3...) asks.
class builder {
public:
    builder() = default;

    builder& multi_thread() noexcept { return set(flavor::multi_thread); }
    builder& current_thread() noexcept { return set(flavor::current_thread); }
    builder& thread_per_core() noexcept { return set(flavor::thread_per_core); }
    /// Workers of the multi_thread and thread_per_core flavors (default: hardware threads).
    builder& worker_threads(std::size_t n) noexcept {
        workers_ = n;
        workers_set_ = true;
        return *this;
    }
    builder& max_blocking_threads(std::size_t n) noexcept {
        max_blocking_ = n;
        return *this;
    }
    /// How long an idle blocking thread waits for work before exiting.
    builder& thread_keep_alive(std::chrono::nanoseconds d) noexcept {
        keep_alive_ = d;
        return *this;
    }
    builder& enable_time() noexcept {
        time_ = true;
        return *this;
    }
    /// Turns on the I/O reactor (sockets, pipes, signals, processes).
    builder& enable_io() noexcept {
        io_ = true;
        return *this;
    }
    builder& enable_all() noexcept { return enable_time().enable_io(); }
    /// The I/O backend (default automatic). `build()` throws std::system_error when the chosen
    /// one is refused by the kernel (io_uring disabled by policy, for example).
    builder& io_backend(af::rt::io_backend b) noexcept {
        io_kind_ = b;
        return *this;
    }
    /// Start the runtime's clock paused (af::time::pause), as tests of timeouts want.
    builder& start_paused(bool paused = true) noexcept {
        start_paused_ = paused;
        return *this;
    }
    /// Names the runtime's threads (workers and blocking threads); Linux keeps 15 characters.
    builder& thread_name(std::string name) {
        thread_name_ = std::move(name);
        return *this;
    }
    builder& on_thread_start(std::function<void()> f) {
        on_start_ = std::move(f);
        return *this;
    }
    builder& on_thread_stop(std::function<void()> f) {
        on_stop_ = std::move(f);
        return *this;
    }
    /// current_thread only: run ready tasks in a random order drawn from `seed`, the same order
    /// for the same seed and the same program, so that a failing interleaving can be replayed.
    builder& rng_seed(std::uint64_t seed) noexcept {
        seed_ = seed;
        return *this;
    }
    /// Polls a task may make through budgeted leaf futures before it is made to yield (see
    /// af/core/coop.hpp). Default 128.
    builder& task_budget(int n) noexcept {
        budget_ = n;
        return *this;
    }

    /// multi_thread: run a task woken by the running task before the rest of the queue (the
    /// default, good for message passing) or not. For measurements and odd workloads.
    builder& disable_lifo_slot() noexcept {
        lifo_ = false;
        return *this;
    }
    /// How many tasks a worker runs between two looks at the global (injection) queue
    /// (default 31), and between two looks at timers while busy (default 61).
    builder& global_queue_interval(unsigned n) noexcept {
        global_interval_ = n;
        return *this;
    }
    builder& event_interval(unsigned n) noexcept {
        event_interval_ = n;
        return *this;
    }

    /// Reports (once) every poll that holds a worker longer than `threshold`; see
    /// af/rt/watchdog.hpp. One more thread, waking every threshold / 2. Default: on at 100 ms
    /// when af is built without NDEBUG, off otherwise.
    builder& blocking_watchdog(std::chrono::milliseconds threshold) noexcept {
        watchdog_ = threshold;
        return *this;
    }
    builder& disable_blocking_watchdog() noexcept {
        watchdog_ = std::chrono::milliseconds::zero();
        return *this;
    }
    /// Where watchdog reports go (default: to_string(report) on stderr). Called on the
    /// watchdog's thread; it must not block for long, other reports wait for it.
    builder& on_blocking(std::function<void(const blocking_report&)> f) {
        on_blocking_ = std::move(f);
        return *this;
    }
    /// Prints `dump_tasks()` of this runtime to stderr when the process receives `signum`
    /// (`kill -QUIT <pid>` with SIGQUIT, as a JVM does). The handler only writes to a pipe; a
    /// thread of af's reads it and dumps, so the dump works while every worker is blocked. The
    /// signal's previous handler is put back when the last such runtime is gone. Do not also
    /// use the same signal with af::signal. Overrides the AF_DUMP_SIGNAL environment variable.
    builder& dump_on_signal(int signum) noexcept {
        dump_signal_ = signum;
        return *this;
    }
    /// Where signal dumps go (default: stderr), on af's dump thread.
    builder& on_dump(std::function<void(const std::string&)> f) {
        on_dump_ = std::move(f);
        return *this;
    }

    runtime build() const;

private:
    builder& set(flavor f) noexcept {
        flavor_ = f;
        return *this;
    }

    friend class runtime;
    flavor flavor_ = flavor::multi_thread;
    std::size_t workers_ = 0;
    bool workers_set_ = false;
    std::size_t max_blocking_ = 512;
    std::chrono::nanoseconds keep_alive_ = std::chrono::seconds(10);
    bool time_ = false;
    bool io_ = false;
    bool start_paused_ = false;
    std::string thread_name_ = "af-worker";
    std::function<void()> on_start_;
    std::function<void()> on_stop_;
    std::optional<std::uint64_t> seed_;
    int budget_ = 128;
    bool lifo_ = true;
    af::rt::io_backend io_kind_ = af::rt::io_backend::automatic;
    unsigned global_interval_ = 31;
    unsigned event_interval_ = 61;
    std::optional<std::chrono::milliseconds> watchdog_;  // unset: the NDEBUG default; zero: off
    std::function<void(const blocking_report&)> on_blocking_;
    int dump_signal_ = 0;
    std::function<void(const std::string&)> on_dump_;
};

class runtime {
public:
    runtime(runtime&& o) noexcept : core_(std::exchange(o.core_, nullptr)) {}
    runtime& operator=(runtime&& o) noexcept {
        if (this != &o) {
            close();
            core_ = std::exchange(o.core_, nullptr);
        }
        return *this;
    }
    /// Shuts down (see the file comment), waiting for blocking jobs without a limit.
    ~runtime() { close(); }

    /// Runs `f` (a future, or a callable returning one) on the calling thread until it
    /// completes, returning its output or rethrowing its exception. On a current_thread runtime
    /// this thread also runs the spawned tasks meanwhile; on the others, workers run them.
    template <executor::spawnable F>
    executor::spawn_output_t<F> block_on(F&& f) {
        return detail::block_on(*core_, std::forward<F>(f));
    }

    /// Starts `f` as a task of the runtime and returns its handle.
    template <executor::spawnable F>
    join_handle<executor::spawn_output_t<F>> spawn(F&& f) {
        return af::detail::spawn_on(core_->spawn_target(), std::forward<F>(f));
    }

    af::rt::handle handle() const noexcept { return af::rt::handle(core_); }
    runtime_metrics metrics() const { return core_->metrics(); }
    std::vector<task_dump> dump_tasks() const { return detail::dump_all(*core_); }

    /// Shuts down now, waiting at most `d` for running blocking jobs (the threads of those
    /// still running are left to finish on their own). The runtime is empty afterwards.
    void shutdown_timeout(std::chrono::nanoseconds d) noexcept;

private:
    friend class builder;
    explicit runtime(detail::runtime_core* c) noexcept : core_(c) {}
    void close() noexcept;
    detail::runtime_core* core_;
};

/// The one-line `main`: builds a multi-thread runtime with everything enabled, runs `f` on it
/// and returns its output.
template <executor::spawnable F>
executor::spawn_output_t<F> run(F&& f) {
    runtime rt = builder().enable_all().build();
    return rt.block_on(std::forward<F>(f));
}

}  // namespace af::rt
