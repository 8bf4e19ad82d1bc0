// SPDX-License-Identifier: MIT
#pragma once
/// \file
/// Seven waker designs behind one small interface, so the benchmarks (waker_bench.cpp) and the
/// instruction-count driver (waker_instr.cpp) run the exact same code for each. See
/// docs/design/0001-waker.md for what is compared and why.
///
/// A design `D<Action>` provides:
///   handle                       the thing a future stores to be woken later
///   task* create()               a wake target with one reference held by the caller
///   void destroy(task*)          gives that reference back
///   handle make_handle(task&)    a new handle (one more reference)
///   handle clone(const handle&)  copy (one more reference)
///   void wake(handle&)           consuming wake; the caller then destroys the empty shell
///   void wake_by_ref(const handle&)
///   thread_safe                  false when a handle must never cross threads
/// `Action::fire(node&)` is what "waking" does to the target: bump a counter (micro operations),
/// push onto a run queue (single-thread cycle) or hand over to another thread (cross-thread).
/// Every design gets the same Action, inlined, so the only difference left is the waker.
///
/// Every task derives from `node`, which counts live tasks: a benchmark checks that the target
/// is still alive before the end (no over-release) and gone after (no leaked reference).
#include <atomic>      // reference counts, the cross-thread hand-off
#include <coroutine>   // the bare coroutine_handle design
#include <cstddef>     // std::size_t, std::byte
#include <cstdint>     // std::uint64_t
#include <exception>   // std::terminate
#include <functional>  // the std::function design
#include <memory>      // the std::shared_ptr design
#include <new>         // placement new, std::launder
#include <type_traits> // std::conditional_t
#include <utility>     // std::move, std::exchange

#include "af/core/wakeable.hpp"
#include "af/core/waker.hpp"

namespace af::bench {

/// Keeps `v` in memory and makes its contents unknown to the optimizer afterwards, so a handle
/// built from a known vtable is called through it like one that came out of a context.
template <class T>
inline void escape(T& v) noexcept {
    asm volatile("" : : "r"(&v) : "memory");
}

inline std::atomic<long> live_tasks{0};

/// The cold, out-of-line end of a reference count, as an executor writes it. Out of line also
/// because an inlined `delete` adds a null test (GCC 12) to every release of the hot path.
template <class T>
[[gnu::noinline, gnu::cold]] void free_task(T* t) noexcept {
    delete t;
}

struct node {
    node() noexcept { live_tasks.fetch_add(1, std::memory_order_relaxed); }
    node(const node&) = delete;
    node& operator=(const node&) = delete;
    ~node() { live_tasks.fetch_sub(1, std::memory_order_relaxed); }
    // Written by whichever thread wakes; read by the benchmark after a hand-off that orders it.
    std::uint64_t wakes = 0;
};

// ---- what a wake does -------------------------------------------------------------------------

/// A single-thread FIFO of type-erased task pointers; the run queue of every cycle benchmark.
class ring {
public:
    void push(void* p) noexcept { buf_[tail_++ & mask] = p; }
    void* pop() noexcept { return head_ == tail_ ? nullptr : buf_[head_++ & mask]; }
    bool empty() const noexcept { return head_ == tail_; }

private:
    static constexpr std::size_t mask = 63;
    void* buf_[mask + 1] = {};
    std::size_t head_ = 0;
    std::size_t tail_ = 0;
};
inline ring run_queue;

/// The cross-thread "run queue": one slot the executor thread sleeps on.
inline std::atomic<void*> handoff{nullptr};

struct count_action {
    static void fire(node& n) noexcept { ++n.wakes; }
};
struct queue_action {
    static void fire(node& n) noexcept {
        ++n.wakes;
        run_queue.push(&n);
    }
};
struct handoff_action {
    static void fire(node& n) noexcept {
        ++n.wakes;
        // Release: the executor that takes the task sees the count and everything before the wake.
        handoff.store(&n, std::memory_order_release);
        handoff.notify_one();
    }
};

// ---- 1 and 7: af::waker over a hand-written vtable (atomic, and non-atomic) --------------------

template <class Action, bool Atomic>
struct af_raw {
    static constexpr bool thread_safe = Atomic;
    using handle = af::waker;
    using count = std::conditional_t<Atomic, std::atomic<std::size_t>, std::size_t>;

    struct task : node {
        count refs{1};
    };

    static void retain(task* t) noexcept {
        if constexpr (Atomic) {
            // Relaxed: a new reference is made from an existing one, which already orders us.
            t->refs.fetch_add(1, std::memory_order_relaxed);
        } else {
            ++t->refs;
        }
    }
    static void release(task* t) noexcept {
        if constexpr (Atomic) {
            // AcqRel: the last owner must see every write made through the other references.
            if (t->refs.fetch_sub(1, std::memory_order_acq_rel) == 1) free_task(t);
        } else {
            if (--t->refs == 0) free_task(t);
        }
    }

    static af::raw_waker clone_fn(void* p) noexcept {
        retain(static_cast<task*>(p));
        return {p, &vtable};
    }
    static void wake_fn(void* p) noexcept {
        auto* t = static_cast<task*>(p);
        Action::fire(*t);
        release(t);
    }
    static void wake_by_ref_fn(void* p) noexcept { Action::fire(*static_cast<task*>(p)); }
    static void drop_fn(void* p) noexcept { release(static_cast<task*>(p)); }
    static constexpr af::raw_waker_vtable vtable{&clone_fn, &wake_fn, &wake_by_ref_fn, &drop_fn};

    static task* create() { return new task; }
    static void destroy(task* t) noexcept { release(t); }
    static handle make_handle(task& t) noexcept {
        retain(&t);
        return af::waker::from_raw({&t, &vtable});
    }
    static handle clone(const handle& h) { return h; }
    static void wake(handle& h) { std::move(h).wake(); }
    static void wake_by_ref(const handle& h) { h.wake_by_ref(); }
};

template <class Action>
using af_vtable = af_raw<Action, true>;
template <class Action>
using af_local = af_raw<Action, false>;

// ---- 2: af::waker via af::wakeable (vtable, then one virtual call) -----------------------------

template <class Action>
struct af_wakeable {
    static constexpr bool thread_safe = true;
    using handle = af::waker;

    struct task final : af::wakeable, node {
        void wake() noexcept override { Action::fire(*this); }
    };

    static task* create() { return new task; }
    static void destroy(task* t) noexcept { t->release(); }
    static handle make_handle(task& t) noexcept { return af::waker::from(t); }
    static handle clone(const handle& h) { return h; }
    static void wake(handle& h) { std::move(h).wake(); }
    static void wake_by_ref(const handle& h) { h.wake_by_ref(); }
};

// ---- 3: pointer to an abstract base with virtual clone/wake/drop -------------------------------

struct virtual_waker {
    virtual virtual_waker* clone() noexcept = 0;
    virtual void wake() noexcept = 0;  // consumes the reference
    virtual void wake_by_ref() noexcept = 0;
    virtual void drop() noexcept = 0;

protected:
    ~virtual_waker() = default;
};

/// One word; null after a consuming wake, so destroying the shell is a test, not a call.
class virtual_handle {
public:
    explicit virtual_handle(virtual_waker* p) noexcept : p_(p) {}
    virtual_handle(const virtual_handle& o) noexcept : p_(o.p_->clone()) {}
    virtual_handle(virtual_handle&& o) noexcept : p_(std::exchange(o.p_, nullptr)) {}
    virtual_handle& operator=(const virtual_handle&) = delete;
    ~virtual_handle() {
        if (p_ != nullptr) p_->drop();
    }
    void wake() && noexcept { std::exchange(p_, nullptr)->wake(); }
    void wake_by_ref() const noexcept { p_->wake_by_ref(); }

private:
    virtual_waker* p_;
};

template <class Action>
struct virtual_iface {
    static constexpr bool thread_safe = true;
    using handle = virtual_handle;

    struct task final : virtual_waker, node {
        std::atomic<std::size_t> refs{1};
        virtual_waker* clone() noexcept override {
            // Relaxed: see af_raw::retain.
            refs.fetch_add(1, std::memory_order_relaxed);
            return this;
        }
        void wake() noexcept override {
            Action::fire(*this);
            drop();
        }
        void wake_by_ref() noexcept override { Action::fire(*this); }
        void drop() noexcept override {
            // AcqRel: see af_raw::release.
            if (refs.fetch_sub(1, std::memory_order_acq_rel) == 1) free_task(this);
        }
    };

    static task* create() { return new task; }
    static void destroy(task* t) noexcept { t->drop(); }
    static handle make_handle(task& t) noexcept { return handle(t.clone()); }
    static handle clone(const handle& h) { return h; }
    static void wake(handle& h) { std::move(h).wake(); }
    static void wake_by_ref(const handle& h) { h.wake_by_ref(); }
};

// ---- 4: std::function<void()> holding an owning (intrusive) pointer to the task ----------------

template <class Action>
struct std_function {
    static constexpr bool thread_safe = true;
    using handle = std::function<void()>;

    struct task : node {
        std::atomic<std::size_t> refs{1};
    };
    static void release(task* t) noexcept {
        // AcqRel: see af_raw::release.
        if (t->refs.fetch_sub(1, std::memory_order_acq_rel) == 1) free_task(t);
    }

    /// The callable. It owns a reference, so it is not trivially copyable and libstdc++'s
    /// std::function keeps it on the heap: every copy allocates. A raw pointer would fit in
    /// place but would not keep the task alive, which a waker must.
    class owner {
    public:
        explicit owner(task* t) noexcept : t_(t) {}  // adopts a reference
        owner(const owner& o) noexcept : t_(o.t_) {
            // Relaxed: see af_raw::retain.
            t_->refs.fetch_add(1, std::memory_order_relaxed);
        }
        owner& operator=(const owner&) = delete;
        ~owner() { release(t_); }
        void operator()() const noexcept { Action::fire(*t_); }

    private:
        task* t_;
    };

    static task* create() { return new task; }
    static void destroy(task* t) noexcept { release(t); }
    static handle make_handle(task& t) {
        t.refs.fetch_add(1, std::memory_order_relaxed);  // Relaxed: see af_raw::retain.
        return handle(owner(&t));
    }
    static handle clone(const handle& h) { return h; }
    static void wake(handle& h) { h(); }  // the reference goes with the shell
    static void wake_by_ref(const handle& h) { h(); }
};

// ---- 5: std::shared_ptr to a type-erased target with a virtual wake ----------------------------

struct shared_target {
    virtual void wake() noexcept = 0;

protected:
    ~shared_target() = default;
};

template <class Action>
struct shared_ptr_waker {
    static constexpr bool thread_safe = true;
    using handle = std::shared_ptr<shared_target>;

    struct task final : shared_target, node {
        void wake() noexcept override { Action::fire(*this); }
    };

    /// The caller's reference is a shared_ptr parked here, so the interface stays `task*`
    /// (one target at a time, which is all a benchmark needs).
    static task* create() {
        keep() = std::make_shared<task>();
        return keep().get();
    }
    static void destroy(task*) noexcept { keep().reset(); }
    static handle make_handle(task&) noexcept { return keep(); }
    static handle clone(const handle& h) { return h; }
    static void wake(handle& h) { h->wake(); }  // the reference goes with the shell
    static void wake_by_ref(const handle& h) { h->wake(); }

private:
    static std::shared_ptr<task>& keep() noexcept {
        static std::shared_ptr<task> k;
        return k;
    }
};

// ---- 6: a bare std::coroutine_handle<>: wake means resume; no reference count ------------------

/// A minimal eager-suspended coroutine type; the frame is destroyed by its owner.
struct bare_coroutine {
    struct promise_type {
        bare_coroutine get_return_object() noexcept {
            return {std::coroutine_handle<promise_type>::from_promise(*this)};
        }
        std::suspend_always initial_suspend() const noexcept { return {}; }
        std::suspend_always final_suspend() const noexcept { return {}; }
        void return_void() const noexcept {}
        void unhandled_exception() const noexcept { std::terminate(); }
    };
    std::coroutine_handle<promise_type> h;
};

/// Each resume counts one wake and suspends again: what "waking" a cppcoro-style awaiter does.
inline bare_coroutine count_resumes(node& n) {
    for (;;) {
        ++n.wakes;
        co_await std::suspend_always{};
    }
}

template <class Action>
struct coroutine_handle_waker {
    static constexpr bool thread_safe = true;  // only if the frame outlives every handle
    using handle = std::coroutine_handle<>;

    struct task : node {
        std::coroutine_handle<> frame;
    };

    static task* create() {
        auto* t = new task;
        t->frame = count_resumes(*t).h;
        return t;
    }
    static void destroy(task* t) noexcept {
        t->frame.destroy();
        delete t;
    }
    static handle make_handle(task& t) noexcept { return t.frame; }
    static handle clone(const handle& h) noexcept { return h; }
    static void wake(handle& h) { h.resume(); }
    static void wake_by_ref(const handle& h) { h.resume(); }
};

template <template <class> class D>
inline constexpr bool is_coroutine_design = false;
template <>
inline constexpr bool is_coroutine_design<coroutine_handle_waker> = true;

// ---- the measured operations -----------------------------------------------------------------

inline constexpr std::size_t batch = 256;

/// Raw storage for a batch of handles (no optional flags, no default construction).
template <class H>
class slots {
public:
    H& operator[](std::size_t i) noexcept { return *std::launder(reinterpret_cast<H*>(buf_ + i * sizeof(H))); }
    /// Constructs the result of `make()` in place (guaranteed elision: no move of a temporary).
    template <class Make>
    void emplace(std::size_t i, Make&& make) {
        ::new (static_cast<void*>(buf_ + i * sizeof(H))) H(make());
    }
    void destroy(std::size_t i) noexcept { (*this)[i].~H(); }

private:
    alignas(H) std::byte buf_[batch * sizeof(H)];
};

enum class op { clone, drop, wake, wake_by_ref, clone_drop, clone_move };

inline const char* op_name(op o) noexcept {
    switch (o) {
        case op::clone: return "clone";
        case op::drop: return "drop";
        case op::wake: return "wake";
        case op::wake_by_ref: return "wake_by_ref";
        case op::clone_drop: return "clone_drop";
        case op::clone_move: return "clone_move";
    }
    return "?";
}

/// One micro-operation session: `step` runs `batch` operations, timing only the operation
/// itself with `timer.start()`/`timer.stop()` (set-up and tear-down of the batch stay outside).
template <template <class> class D, op O>
class op_session {
    using design = D<count_action>;
    using handle = typename design::handle;

public:
    op_session() : task_(design::create()), src_(design::make_handle(*task_)) { escape(src_); }
    op_session(const op_session&) = delete;
    op_session& operator=(const op_session&) = delete;

    template <class Timer>
    void step(Timer& timer) {
        if constexpr (O == op::clone) {
            timer.start();
            for (std::size_t i = 0; i < batch; ++i) slots_.emplace(i, [this] { return design::clone(src_); });
            timer.stop();
            for (std::size_t i = 0; i < batch; ++i) slots_.destroy(i);
        } else if constexpr (O == op::clone_move) {
            // Clone into a temporary, then move it into place: what returning a waker by value
            // or `optional::emplace(std::move(w))` does.
            timer.start();
            for (std::size_t i = 0; i < batch; ++i) {
                slots_.emplace(i, [this] {
                    handle tmp = design::clone(src_);
                    return handle(std::move(tmp));
                });
            }
            timer.stop();
            for (std::size_t i = 0; i < batch; ++i) slots_.destroy(i);
        } else if constexpr (O == op::drop) {
            fill();
            timer.start();
            for (std::size_t i = 0; i < batch; ++i) slots_.destroy(i);
            timer.stop();
        } else if constexpr (O == op::wake) {
            fill();
            timer.start();
            for (std::size_t i = 0; i < batch; ++i) {
                design::wake(slots_[i]);
                slots_.destroy(i);
            }
            timer.stop();
            expected_ += batch;
        } else if constexpr (O == op::wake_by_ref) {
            timer.start();
            for (std::size_t i = 0; i < batch; ++i) design::wake_by_ref(src_);
            timer.stop();
            expected_ += batch;
        } else {
            timer.start();
            for (std::size_t i = 0; i < batch; ++i) {
                handle h = design::clone(src_);
                escape(h);
            }
            timer.stop();
        }
    }

    /// Null when every wake arrived and the reference count balanced; else what went wrong.
    const char* finish() {
        const char* err = nullptr;
        if (task_->wakes != expected_) err = "wake count mismatch: a wake was lost or doubled";
        if (live_tasks.load() != others_ + 1) err = "task died early: a reference was released twice";
        { [[maybe_unused]] handle gone = std::move(src_); }
        design::destroy(task_);
        if (live_tasks.load() != others_) err = "task leaked: a reference was never released";
        return err;
    }

private:
    void fill() {
        for (std::size_t i = 0; i < batch; ++i) slots_.emplace(i, [this] { return design::clone(src_); });
    }

    // Live tasks other than ours (zero unless an earlier, failed run leaked one).
    long others_ = live_tasks.load();
    typename design::task* task_;
    handle src_;
    slots<handle> slots_;
    std::uint64_t expected_ = 0;
};

// ---- the wake -> re-poll cycle on a single-threaded run queue ---------------------------------

/// How the yielding task gets itself polled again.
enum class yield_kind {
    by_ref,      // cx.waker().wake_by_ref(), as af::yield_now does
    clone_wake,  // clone the waker (register it), then a consuming wake, as a channel would
};

/// The task body, called through a function pointer (executors erase the task type).
template <class Design, yield_kind K>
bool yield_poll(node&, const typename Design::handle& cx) {
    if constexpr (K == yield_kind::by_ref) {
        Design::wake_by_ref(cx);
    } else {
        typename Design::handle registered = Design::clone(cx);
        Design::wake(registered);
    }
    return false;  // pending forever: the benchmark decides how many polls
}

/// One task that yields on every poll; the executor loop pops it and polls it again.
template <template <class> class D, yield_kind K>
class cycle_session {
    using design = D<queue_action>;
    using handle = typename design::handle;
    using poll_fn = bool (*)(node&, const handle&);

public:
    cycle_session() : task_(design::create()), waker_(design::make_handle(*task_)) {
        escape(poll_);
        run_queue.push(static_cast<node*>(task_));
    }
    cycle_session(const cycle_session&) = delete;
    cycle_session& operator=(const cycle_session&) = delete;

    /// One wake -> re-poll round; false when the run queue is empty (a wake was lost).
    bool step() {
        void* p = run_queue.pop();
        if (p == nullptr) return false;
        poll_(*static_cast<node*>(p), waker_);
        ++polls_;
        return true;
    }

    const char* finish() {
        const char* err = nullptr;
        if (task_->wakes != polls_) err = "wake count mismatch: a wake was lost or doubled";
        while (!run_queue.empty()) (void)run_queue.pop();
        if (live_tasks.load() != others_ + 1) err = "task died early: a reference was released twice";
        { [[maybe_unused]] handle gone = std::move(waker_); }
        design::destroy(task_);
        if (live_tasks.load() != others_) err = "task leaked: a reference was never released";
        return err;
    }

private:
    long others_ = live_tasks.load();  // see op_session
    typename design::task* task_;
    handle waker_;
    poll_fn poll_ = &yield_poll<design, K>;
    std::uint64_t polls_ = 0;
};

/// The coroutine version: the awaiter pushes the handle itself; the loop resumes it.
struct queue_yield {
    node& n;
    bool await_ready() const noexcept { return false; }
    void await_suspend(std::coroutine_handle<> h) const noexcept {
        std::coroutine_handle<> registered = h;  // the "clone"
        escape(registered);
        ++n.wakes;
        run_queue.push(registered.address());
    }
    void await_resume() const noexcept {}
};

inline bare_coroutine yield_forever(node& n) {
    for (;;) co_await queue_yield{n};
}

template <yield_kind K>
class cycle_session<coroutine_handle_waker, K> {
public:
    cycle_session() : others_(live_tasks.load()), task_(new node), frame_(yield_forever(*task_).h) {
        run_queue.push(frame_.address());
    }
    cycle_session(const cycle_session&) = delete;
    cycle_session& operator=(const cycle_session&) = delete;

    bool step() {
        void* p = run_queue.pop();
        if (p == nullptr) return false;
        std::coroutine_handle<>::from_address(p).resume();
        ++polls_;
        return true;
    }

    const char* finish() {
        const char* err = nullptr;
        if (task_->wakes != polls_) err = "wake count mismatch: a wake was lost or doubled";
        while (!run_queue.empty()) (void)run_queue.pop();
        frame_.destroy();
        delete task_;
        if (live_tasks.load() != others_) err = "task leaked";
        return err;
    }

private:
    long others_;
    node* task_;
    std::coroutine_handle<> frame_;
    std::uint64_t polls_ = 0;
};

}  // namespace af::bench
