// SPDX-License-Identifier: MIT
// The runtime's shared parts: builder, runtime and handle, the driver, services (time and
// blocking pool, and the debugging aids: watchdog and signal dumps), thread start-up, metrics
// and task dumps.
#include "af/rt/runtime.hpp"

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <sstream>
#include <string_view>
#include <system_error>
#include <stdexcept>
#include <thread>

#include "af/core/coop.hpp"
#include "af/core/detail/task_trace.hpp"
#include "af/executor/block_on.hpp"
#include "af/rt/detail/blocking_pool.hpp"
#include "af/rt/detail/thread_config.hpp"
#include "af/rt/spawn.hpp"
#include "af/time/detail/driver.hpp"
#include "current_thread.hpp"
#include "internal.hpp"

namespace af::rt::detail {

// --- driver ---------------------------------------------------------------------------------

driver::driver(af::time::detail::time_driver* time, reactor* io) noexcept : time_(time), io_(io) {
    if (time_ != nullptr) {
        time_->set_on_earlier_deadline([](void* self) { static_cast<driver*>(self)->unpark(); }, this);
    }
}

void driver::unpark() noexcept {
    // Through the kernel only when the driving thread sleeps or is about to (ADR 0026).
    if (wake_.notify()) wake_sleeper();
}

void driver::wake_sleeper() noexcept {
    if (io_ != nullptr) {
        io_->unpark();
        return;
    }
    {
        std::lock_guard lk(m_);
        notified_ = true;
    }
    cv_.notify_one();
}

void driver::poll_events() {
    if (io_ != nullptr) io_->park(0);
    if (time_ == nullptr) return;
    std::optional<af::time::instant> d = time_->next_deadline();
    if (d && *d <= time_->now()) time_->fire_due();
}

namespace {
// Milliseconds to wait for `d` (rounded up so we never wake just before it), -1 for none.
int timeout_ms(std::optional<std::chrono::nanoseconds> d) {
    if (!d) return -1;
    if (*d <= std::chrono::nanoseconds::zero()) return 0;
    auto ms = std::chrono::ceil<std::chrono::milliseconds>(*d).count();
    return ms > 24 * 3600 * 1000 ? 24 * 3600 * 1000 : static_cast<int>(ms);
}
}  // namespace

void driver::park(bool may_auto_advance) {
    if (!wake_.begin_park()) {
        // Woken since the last look (by a task of this thread, or a wake that came while we
        // ran): new work, so no sleep, and a paused clock does not move under it.
        if (time_ != nullptr) time_->fire_due();
        return;
    }
    struct end_park {
        driver_wake& w;
        ~end_park() { w.end_park(); }
    } ended{wake_};
    if (time_ != nullptr && time_->is_paused()) {
        std::optional<af::time::instant> d = time_->next_deadline();
        if (may_auto_advance && d) {
            // Ready I/O counts as progress: do not move the clock under it.
            if (io_ != nullptr && io_->park(0)) return;
            af::time::instant now = time_->now();
            time_->advance(d->duration_since(now));  // fires the timers now due
            return;
        }
        if (io_ != nullptr) {
            io_->park(-1);
            return;
        }
        std::unique_lock lk(m_);
        cv_.wait(lk, [&] { return notified_; });
        notified_ = false;
        return;
    }
    // The deadline is on the driver's clock, which runs at steady_clock's pace but may be
    // offset from it (after pause/resume): wait for the distance, not until the instant.
    std::optional<std::chrono::nanoseconds> wait;
    if (time_ != nullptr) {
        if (std::optional<af::time::instant> d = time_->next_deadline()) wait = d->duration_since(time_->now());
    }
    if (io_ != nullptr) {
        io_->park(timeout_ms(wait));
    } else {
        std::unique_lock lk(m_);
        if (wait) {
            cv_.wait_for(lk, std::min<std::chrono::nanoseconds>(*wait, std::chrono::hours(24)), [&] { return notified_; });
        } else {
            cv_.wait(lk, [&] { return notified_; });
        }
        notified_ = false;
    }
    if (time_ != nullptr) time_->fire_due();
}

#ifdef AF_NO_IO_URING
reactor* make_uring_reactor() {
    throw std::system_error(ENOSYS, std::generic_category(),
                            "af::rt: this af was built without the io_uring backend (liburing not found)");
}
#endif

reactor* make_reactor(io_backend kind) {
    switch (kind) {
    case io_backend::epoll: return make_epoll_reactor();
    case io_backend::io_uring: return make_uring_reactor();
    // epoll measured faster than io_uring on every workload (docs/design/0008-reactor.md); it is
    // also never refused, so automatic needs no fallback.
    case io_backend::automatic: return make_epoll_reactor();
    }
    return make_epoll_reactor();
}

reactor& require_reactor(const char* what) {
    reactor* r = current().io;
    if (r == nullptr) {
        if (current().rt == nullptr) throw_outside_runtime(what);
        throw std::logic_error(std::string(what) + " needs a runtime built with enable_io()");
    }
    return *r;
}

// --- services --------------------------------------------------------------------------------

services::services(const config& c, runtime_core* rt) {
    if (c.time) {
        time = std::make_unique<af::time::detail::time_driver>();
        if (c.start_paused) time->pause();
    }
    if (c.io) io.reset(make_reactor(c.io_kind));
    thread_config tc{c.thread_name, c.on_start, c.on_stop};
    blocking = std::make_unique<blocking_pool>(c.max_blocking, c.keep_alive, std::move(tc),
                                               runtime_context{rt, time.get(), nullptr, io.get()});
    // What handle::enter installs; the same as every flavor's block_on (context() below).
    rt->set_entry_context(context(rt));
    // Last, so that a throw above leaves nothing running.
    if (c.watch) watch = std::make_unique<watchdog>(c.watch, c.watch_threshold, c.on_blocking);
    if (c.dump_signal != 0) {
        register_dump(c.dump_signal, rt, c.on_dump);
        dumped = rt;
    }
}

services::~services() { stop_debugging(); }

void services::stop_debugging() noexcept {
    watch.reset();
    if (dumped != nullptr) unregister_dump(std::exchange(dumped, nullptr));
}

void services::shutdown(std::chrono::nanoseconds timeout) noexcept {
    // Before the runtime goes: a signal dump must not read a runtime being freed. (Shutdown
    // comes after the workers stopped, so the watchdog has nothing left to see.)
    stop_debugging();
    try {
        blocking->shutdown(timeout);
    } catch (...) {
        // shutdown only throws when called from a pool thread, which the runtime rules out.
    }
}

bool blocking_busy(const blocking_pool* p) noexcept { return p != nullptr && p->in_flight() > 0; }

void fill_common_metrics(runtime_metrics& m, af::time::detail::time_driver* time, blocking_pool* blocking) {
    if (time != nullptr) m.timers_pending = time->pending();
    if (blocking != nullptr) {
        m.blocking_threads = blocking->threads();
        m.blocking_idle_threads = blocking->idle_threads();
        m.blocking_queue_depth = blocking->queued();
    }
}

std::thread start_thread(const config& c, std::function<void()> body) {
    return std::thread([name = c.thread_name, on_start = c.on_start, on_stop = c.on_stop, body = std::move(body)] {
        apply_thread_name(name);
        if (on_start) on_start();
        body();
        if (on_stop) on_stop();
    });
}

void block_on_caller(void* f, bool (*poll)(void*, context&) noexcept, int budget) {
    af::detail::block_on_nesting nesting;
    waker w = af::detail::current_thread_waker();
    context cx(w);
    for (;;) {
        {
            coop::budget_scope b(budget);
            if (poll(f, cx)) return;
        }
        af::detail::park_current_thread();
    }
}

// --- dumps ----------------------------------------------------------------------------------

// GCC names a coroutine's body after its frame type ("void ns::f(ns::f(int)::_Z...Frame*)");
// the text before the first '(' and after the return type is the name users wrote.
// Clang's "(anonymous namespace)::f(int)" has a parenthesis and a space before the name: hide
// them while looking for the parameter list.
static std::string short_function_name(const char* f) {
    std::string s(f);
    static constexpr std::string_view anon = "(anonymous namespace)";
    for (std::size_t i; (i = s.find(anon)) != std::string::npos;) s.replace(i, anon.size(), "{anonymous}");
    std::size_t paren = s.find('(');
    if (paren == std::string::npos) return s;
    std::size_t space = s.rfind(' ', paren);
    std::size_t start = space == std::string::npos ? 0 : space + 1;
    return s.substr(start, paren - start) + "(...)";
}

static std::vector<await_site> sites_of(const af::detail::trace_node& n) {
    std::vector<await_site> chain;
    for (const af::detail::await_point& p : n.frames) {
        std::string fn = p.function ? short_function_name(p.function) : "";
        // A spawned lambda runs inside af::co_invoke, whose one await is noise.
        if (fn == "af::co_invoke(...)") continue;
        chain.push_back({p.file ? p.file : "?", p.line, std::move(fn)});
    }
    return chain;
}

static std::vector<task_dump_branch> branches_of(const af::detail::trace_node& n) {
    std::vector<task_dump_branch> out;
    for (const af::detail::trace_node& b : n.branches) {
        out.push_back({b.index, sites_of(b), std::string(b.leaf), branches_of(b)});
    }
    return out;
}

static void fill_from_trace(task_dump& d, const af::detail::task_trace& tr) {
    d.chain = sites_of(tr);
    d.leaf = std::string(tr.leaf);
    d.branches = branches_of(tr);
}

void dump_task(task_header* t, std::vector<task_dump>& out) {
    task_dump d;
    d.id = t;
    unsigned s = t->state_bits();
    if (s & task_header::complete) return;  // finishing: no longer interesting
    if (s & task_header::running) {
        d.state = task_dump::task_state::running;
    } else if (s & task_header::scheduled) {
        d.state = task_dump::task_state::scheduled;
    } else {
        d.state = task_dump::task_state::idle;
        if (t->try_lock_for_inspection()) {
            af::detail::task_trace tr;
            t->trace(tr);
            t->unlock_after_inspection();
            fill_from_trace(d, tr);
        } else {
            // It was woken between the two looks: report it as queued, without frames.
            d.state = task_dump::task_state::scheduled;
        }
    }
    out.push_back(std::move(d));
}

void add_running_info(std::vector<task_dump>& out, poll_slots* slots) {
    if (slots == nullptr) return;
    const auto now = std::chrono::duration_cast<std::chrono::nanoseconds>(
        std::chrono::steady_clock::now().time_since_epoch());
    for (task_dump& d : out) {
        if (d.state != task_dump::task_state::running) continue;
        for (std::size_t i = 0; i < slots->size(); ++i) {
            poll_slot& s = (*slots)[i];
            // The watchdog's seqlock read (watchdog.cpp), plus its first sighting of the poll.
            std::uint64_t s1 = s.seq.load(std::memory_order_acquire);
            const void* task = s.task.load(std::memory_order_acquire);
            std::uint64_t seen = s.seen_seq.load(std::memory_order_acquire);
            std::int64_t since = s.seen_since_ns.load(std::memory_order_relaxed);
            std::uint64_t s2 = s.seq.load(std::memory_order_acquire);
            if (s1 % 2 == 0 || s1 != s2 || task != d.id) continue;
            d.worker = i;
            // A poll seen by the watchdog after its last look at `since` reads as 0 ms: a lower bound.
            if (seen == s1 && now.count() > since) d.running_for = std::chrono::nanoseconds(now.count() - since);
            break;
        }
    }
}

// --- the futures given to block_on (root_slot.hpp) ---

namespace {
std::mutex roots_m;
root_slot* roots_head = nullptr;  // every runtime's, few at a time: one list is enough
}  // namespace

void root_slot::begin_poll() noexcept {
    for (;;) {
        std::uint8_t expected = idle;
        // Acquire: a dump's trace (reads of the future) happened before its release store.
        if (state.compare_exchange_weak(expected, polling, std::memory_order_acquire, std::memory_order_relaxed)) return;
        std::this_thread::yield();  // a dump is reading the future: a few microseconds
    }
}

root_registration::root_registration(root_slot& s) : s_(s) {
    std::lock_guard lk(roots_m);
    s.next = roots_head;
    if (roots_head != nullptr) roots_head->prev = &s;
    roots_head = &s;
}

root_registration::~root_registration() {
    std::lock_guard lk(roots_m);
    if (s_.prev != nullptr) {
        s_.prev->next = s_.next;
    } else {
        roots_head = s_.next;
    }
    if (s_.next != nullptr) s_.next->prev = s_.prev;
}

std::vector<task_dump> dump_all(runtime_core& rt) {
    std::vector<task_dump> out = rt.dump();
    std::lock_guard lk(roots_m);
    for (root_slot* s = roots_head; s != nullptr; s = s->next) {
        if (s->rt != &rt) continue;
        task_dump d;
        d.is_root = true;
        std::uint8_t expected = root_slot::idle;
        // Acquire: the poller's last poll (its release store of idle) happened before the trace.
        if (s->state.compare_exchange_strong(expected, root_slot::inspecting, std::memory_order_acquire,
                                             std::memory_order_relaxed)) {
            af::detail::task_trace tr;
            s->trace(s->future, tr);
            s->state.store(root_slot::idle, std::memory_order_release);
            fill_from_trace(d, tr);
        } else {
            d.state = task_dump::task_state::running;  // being polled by its block_on thread
        }
        out.insert(out.begin(), std::move(d));
    }
    return out;
}

runtime_core& require_runtime(const char* what) {
    runtime_core* rt = current().rt;
    if (rt == nullptr) throw_outside_runtime(what);
    return *rt;
}

af::detail::scheduler& require_local_scheduler() {
    runtime_core& rt = require_runtime("af::rt::spawn_local");
    af::detail::scheduler* s = rt.local_target();
    if (s == nullptr) {
        throw std::logic_error(
            "af::rt::spawn_local needs a current_thread or thread_per_core runtime, called from its own thread");
    }
    return *s;
}

}  // namespace af::rt::detail

namespace af::rt {

runtime builder::build() const {
    detail::config c;
    c.kind = flavor_;
    if (workers_set_ && workers_ == 0) throw std::invalid_argument("af::rt::builder: worker_threads must be at least 1");
    c.workers = workers_set_ ? workers_ : std::max(1u, std::thread::hardware_concurrency());
    if (workers_ > 0xfffe) throw std::invalid_argument("af::rt::builder: worker_threads must be below 65535");
    if (max_blocking_ == 0) throw std::invalid_argument("af::rt::builder: max_blocking_threads must be at least 1");
    if (seed_ && flavor_ != flavor::current_thread) {
        throw std::invalid_argument("af::rt::builder: rng_seed needs the current_thread flavor");
    }
    if (start_paused_ && !time_) throw std::invalid_argument("af::rt::builder: start_paused needs enable_time");
    if (budget_ <= 0) throw std::invalid_argument("af::rt::builder: task_budget must be positive");
    c.max_blocking = max_blocking_;
    c.keep_alive = keep_alive_;
    c.time = time_;
    c.io = io_;
    c.start_paused = start_paused_;
    c.thread_name = thread_name_;
    c.on_start = on_start_;
    c.on_stop = on_stop_;
    c.seed = seed_;
    c.budget = budget_;
    if (global_interval_ == 0 || event_interval_ == 0) {
        throw std::invalid_argument("af::rt::builder: global_queue_interval and event_interval must be positive");
    }
    c.global_interval = global_interval_;
    c.event_interval = event_interval_;
    c.lifo = lifo_;
    c.io_kind = io_kind_;
#ifdef NDEBUG
    std::chrono::milliseconds threshold = watchdog_.value_or(std::chrono::milliseconds::zero());
#else
    std::chrono::milliseconds threshold = watchdog_.value_or(std::chrono::milliseconds(100));
#endif
    if (threshold < std::chrono::milliseconds::zero()) {
        throw std::invalid_argument("af::rt::builder: blocking_watchdog needs a positive threshold");
    }
    if (threshold > std::chrono::milliseconds::zero()) {
        // One slot per thread that polls tasks: the workers, or current_thread's driving thread.
        c.watch = std::make_shared<detail::poll_slots>(flavor_ == flavor::current_thread ? 1 : c.workers);
        c.watch_threshold = threshold;
        c.on_blocking = on_blocking_;
    }
    c.dump_signal = dump_signal_;
    if (c.dump_signal == 0) {
        if (const char* env = std::getenv("AF_DUMP_SIGNAL"); env != nullptr && *env != '\0') {
            c.dump_signal = detail::parse_signal(env);
            if (c.dump_signal == 0) {
                std::fprintf(stderr, "af: AF_DUMP_SIGNAL=%s is not a signal (try SIGQUIT, USR1 or 3); ignored\n", env);
            }
        }
    }
    c.on_dump = on_dump_;
    switch (flavor_) {
    case flavor::current_thread: return runtime(detail::make_current_thread(std::move(c)));
    case flavor::multi_thread: return runtime(detail::make_multi_thread(std::move(c)));
    case flavor::thread_per_core: return runtime(detail::make_thread_per_core(std::move(c)));
    }
    throw std::invalid_argument("af::rt::builder: unknown flavor");
}

void runtime::close() noexcept {
    if (core_ == nullptr) return;
    core_->shutdown(std::chrono::nanoseconds::max());
    std::exchange(core_, nullptr)->release();
}

void runtime::shutdown_timeout(std::chrono::nanoseconds d) noexcept {
    if (core_ == nullptr) return;
    core_->shutdown(d);
    std::exchange(core_, nullptr)->release();
}

handle handle::current() { return handle(&detail::require_runtime("af::rt::handle::current")); }

std::optional<handle> handle::try_current() noexcept {
    detail::runtime_core* rt = detail::current().rt;
    if (rt == nullptr) return std::nullopt;
    return handle(rt);
}

enter_guard::enter_guard(const handle& h) noexcept
    : rt_(h), saved_(detail::current()), outer_(detail::innermost_enter_guard()) {
    detail::current() = rt_.core_->entry_context();
    detail::innermost_enter_guard() = this;
}

enter_guard::~enter_guard() {
    // Restoring out of order would leave the thread in a runtime it already left (or one
    // being dropped); a guard in a coroutine frame kept across a co_await ends up here.
    if (detail::innermost_enter_guard() != this) {
        std::fputs("af: a handle::enter guard was destroyed out of order or on another thread; destroy guards on "
                   "the thread that made them, innermost first, and do not keep one across a co_await\n",
                   stderr);
        std::abort();
    }
    detail::current() = saved_;
    detail::innermost_enter_guard() = outer_;
}

runtime_metrics metrics() { return detail::require_runtime("af::rt::metrics").metrics(); }

std::vector<task_dump> dump_tasks() { return detail::dump_all(detail::require_runtime("af::rt::dump_tasks")); }

static void print_chain(std::ostringstream& o, const std::string& indent, const std::vector<await_site>& chain,
                        const std::string& leaf, const std::vector<task_dump_branch>& branches) {
    for (const await_site& a : chain) {
        o << indent << "at " << a.file << ':' << a.line;
        if (!a.function.empty()) o << " in " << a.function;
        o << '\n';
    }
    if (!leaf.empty()) o << indent << "waiting on " << leaf << (branches.empty() ? "\n" : ":\n");
    for (const task_dump_branch& b : branches) {
        o << indent << "  branch " << b.index << '\n';
        print_chain(o, indent + "    ", b.chain, b.leaf, b.branches);
    }
}

std::string to_string(const task_dump& t) {
    std::ostringstream o;
    if (t.is_root) {
        o << "block_on future ";
    } else {
        o << "task " << t.id << ' ';
    }
    switch (t.state) {
    case task_dump::task_state::idle: o << "idle"; break;
    case task_dump::task_state::scheduled: o << "scheduled"; break;
    case task_dump::task_state::running:
        o << "running on worker " << t.worker;
        if (t.running_for.count() > 0) {
            o << " for at least " << std::chrono::duration_cast<std::chrono::milliseconds>(t.running_for).count() << " ms";
        }
        break;
    }
    o << '\n';
    print_chain(o, "  ", t.chain, t.leaf, t.branches);
    return o.str();
}

}  // namespace af::rt
