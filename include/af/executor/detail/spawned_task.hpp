// SPDX-License-Identifier: MIT
#pragma once
// The shared object behind a spawned task: one heap allocation holding the future (later its
// output or exception), the state word, the reference count, the join handle's waker slot and
// the scheduler hook. Executors (local_pool, thread_pool) and af::join_handle are thin layers
// over it.
//
// Stage. The future, the output and the exception never coexist, so they share one slot
// (`spawned_task::storage_`); the stage says which one it holds: future -> output | error |
// empty (cancelled, or a void output) -> empty (taken). Its two bits live in the state word
// (`stage_bits`), so that the header needs no byte of its own: every stage change is a relaxed
// fetch_or (the encoding makes each transition only set bits), and every read is ordered by the
// state word anyway: the holder of `running` (or shutdown) ends the future and stores the result
// before the completion CAS (release), so the join handle, or the detacher/completer that
// reports an unread exception, sees the stage after acquiring `complete`; the last reference,
// which frees, acquires every other holder's writes. Keeping the results in one slot, the stage
// in the state word and a 32-bit reference count beside it is what makes a spawned af::task<T>
// with a word-sized T a 72-byte block (tests/executor/spawned_task_test.cpp checks the size).
//
// Waker. A task's waker is a raw waker whose data pointer is the task itself; clone adds a
// reference, drop removes one, so waking never allocates. The worker polls with a *borrowed*
// waker (no reference taken): its own run reference keeps the task alive for the poll.
//
// References. Counted separately from the state word:
//   - the join handle's (until it is detached, dropped, or has taken the output);
//   - the owner's: the executor lists every live task so that shutdown can destroy pending
//     futures; released when the task completes or is cancelled;
//   - the run reference: held by a run queue entry, then by the worker polling it;
//   - one per waker clone.
// The future is always destroyed while the owner reference is held, so the last release only
// frees memory (and the output, when nobody took it).
//
// State word bits:
//   scheduled  in a run queue (a run reference exists); a wake does nothing more
//   running    a worker is polling (or cancelling): the future belongs to it
//   notified   woken while running: the worker re-queues the task after its poll
//   complete   the future is gone; output, error or cancellation is final (terminal)
//   cancelled  completed without output (aborted, or the executor shut down)
//   aborting   abort() was called: the next time the executor holds the task it drops the
//              future instead of polling it
//   detached   the join handle is gone: nobody will read the output
//
// Transitions (each one compare-and-swap loop, so a bit pattern is never seen half-updated):
//   spawn          -> scheduled (the queue holds the run reference)
//   wake           idle -> scheduled, enqueue | running -> running|notified |
//                  scheduled, notified or complete: unchanged
//   worker pops    scheduled -> running; if aborting: cancel instead of polling
//   poll pending   running -> idle | running|notified -> scheduled, re-enqueue |
//                  aborting: cancel
//   poll ready     running -> complete (output stored first)
//   cancel         (the holder of `running`, or shutdown once no worker runs) drop the future,
//                  -> complete|cancelled
//   abort          sets aborting; an idle task is also set scheduled and enqueued so that the
//                  executor drops it on its own thread
//   detach         sets detached; whoever of the completer and the detacher comes second sees
//                  both complete and detached and reports an unread exception
// `scheduled` is set only by the transition that enqueues, and cleared only by the worker that
// dequeued, so a task is in at most one queue at a time; `running` is set only from
// `scheduled`, so two threads never poll it at once. A wake that lands during a poll sets
// `notified`, which the worker sees in its end-of-poll CAS: no wake is lost, and a storm of
// wakes during one poll costs one re-poll.
//
// Memory orders (state word):
//   - wake: release on success. A wake must publish the waker's writes to the poll it causes.
//     It writes even when the bits do not change (scheduled/notified already set): a
//     successful CAS is a read-modify-write, so it joins the release sequence that the
//     worker's acquire below reads from.
//   - worker pop (scheduled -> running): acquire. Sees the previous poll's writes to the
//     future (that poll ended with a release) and every waker's writes.
//   - end of poll, completion, cancellation: acq_rel. Release publishes the future's state
//     (next poller) and the output (join handle); acquire sees a concurrent detach or abort.
//   - join handle reads `complete` with acquire, pairing with the completion's release, so the
//     output slot and error are visible.
//   - detach: acq_rel. Acquire: when complete, see the stored error; release: the completer
//     that sees `detached` may read the error without racing the handle.
//   - abort: release. Its own effect is only the bits; release keeps it in the release sequence
//     the worker acquires from, like a wake.
// Reference count: increments relaxed (a new reference is made from an existing one);
// decrements acq_rel (the last one must see every other holder's writes before freeing).
#include <cstddef>    // std::size_t, std::byte
#include <cstdint>    // std::uint32_t
#include <exception>  // std::exception_ptr
#include <new>        // placement new and std::launder of the stage slot
#include <type_traits>  // std::is_void_v, std::conditional_t
#include <utility>    // std::move, std::exchange

#include "af/core/atomic_waker.hpp"
#include "af/core/detail/frame_allocator.hpp"
#include "af/core/detail/trace.hpp"
#include "af/core/future.hpp"
#include "af/detail/sync.hpp"  // state word, reference counts (model-checked: tests/model)

namespace af::detail {

constexpr std::size_t max_size(std::size_t a, std::size_t b, std::size_t c) noexcept {
    std::size_t m = a > b ? a : b;
    return m > c ? m : c;
}


class task_header;

/// The executor side of a task: where wakes enqueue it. Reference-counted: every task holds a
/// reference, so a waker that outlives its executor still calls into a live (closed) object.
class scheduler {
public:
    scheduler(const scheduler&) = delete;
    scheduler& operator=(const scheduler&) = delete;

    /// Takes over one run reference of `t`, whose `scheduled` bit the caller just set. A closed
    /// scheduler releases it instead. The caller holds another reference to `t` (or is the
    /// executor), which keeps this scheduler alive until the call returns.
    virtual void schedule(task_header* t) noexcept = 0;
    /// A new task with three references (handle, owner, run): list it as owned and enqueue it,
    /// or, when closed, cancel it at once.
    virtual void adopt(task_header* t) noexcept = 0;
    /// `t` completed or was cancelled by its worker: remove it from the owned list. The caller
    /// then releases the owner reference.
    virtual void disown(task_header* t) noexcept = 0;

    void retain() noexcept {
        // Relaxed: a new reference is made from an existing one, which already orders us.
        refs_.fetch_add(1, std::memory_order_relaxed);
    }
    void release() noexcept {
        // AcqRel: the last release must see every write made through the other references.
        if (refs_.fetch_sub(1, std::memory_order_acq_rel) == 1) delete this;
    }

protected:
    scheduler() noexcept = default;
    virtual ~scheduler() = default;

private:
    sync::atomic<std::size_t> refs_{1};
};

/// The type-erased operations of `spawned_task<F>`.
struct task_vtable {
    // Polls the future once. True when it finished: future destroyed, output or error stored.
    bool (*poll)(task_header* t, context& cx) noexcept;
    // Destroys the future without polling it (cancellation).
    void (*drop_future)(task_header* t) noexcept;
    // The stage slot: where the output or the exception lives once the future is gone.
    void* (*slot)(task_header* t) noexcept;
    // Deletes the whole object.
    void (*destroy)(task_header* t) noexcept;
    // Appends what the future waits on (af/core/detail/trace.hpp); nothing once it is gone.
    // Only while no thread polls, cancels or completes the task.
    void (*trace)(const task_header* t, trace_sink& out);
};

class task_header {
public:
    static constexpr unsigned scheduled = 1u << 0;
    static constexpr unsigned running = 1u << 1;
    static constexpr unsigned notified = 1u << 2;
    static constexpr unsigned complete = 1u << 3;
    static constexpr unsigned cancelled = 1u << 4;
    static constexpr unsigned aborting = 1u << 5;
    static constexpr unsigned detached = 1u << 6;

    task_header(const task_header&) = delete;
    task_header& operator=(const task_header&) = delete;

    // --- waker side (any thread) ---
    void wake_by_ref() noexcept;
    void retain() noexcept {
        // Relaxed: see the header comment (reference count).
        refs_.fetch_add(1, std::memory_order_relaxed);
    }
    void release() noexcept {
        // AcqRel: see the header comment (reference count).
        if (refs_.fetch_sub(1, std::memory_order_acq_rel) == 1) vtable_->destroy(this);
    }

    // --- executor side ---
    /// Polls the task (or cancels it if aborted). The caller hands over one run reference.
    void run() noexcept;
    /// Executor shutdown, once no worker can run this task: drops the future if still there and
    /// completes the task as cancelled, then releases the owner reference.
    void shut_down() noexcept;

    // --- join handle side (any thread) ---
    void abort() noexcept;
    /// The handle is gone without having taken the output; releases the handle reference.
    void detach() noexcept;
    bool is_complete() const noexcept {
        // Acquire: pairs with the completion's release so the output is visible.
        return (state_.load(std::memory_order_acquire) & complete) != 0;
    }
    /// Only after `is_complete()` returned true.
    bool is_cancelled() const noexcept {
        // Relaxed: `cancelled` is set together with `complete`, which the caller acquired.
        return (state_.load(std::memory_order_relaxed) & cancelled) != 0;
    }
    /// Only after `is_complete()` returned true; null when the task did not throw.
    std::exception_ptr take_error() noexcept {
        if (current_stage() != stage::error) return nullptr;
        auto* e = std::launder(static_cast<std::exception_ptr*>(vtable_->slot(this)));
        std::exception_ptr r = std::move(*e);
        e->~exception_ptr();
        set_stage(stage::empty);
        return r;
    }
    atomic_waker& join_waker() noexcept { return join_waker_; }

    // --- diagnostics (af::rt::dump_tasks) ---
    /// Appends the chain of await sites the future is suspended at and the leaf it waits on
    /// (af/core/detail/trace.hpp); nothing once the future is gone. The caller guarantees that
    /// no thread polls, cancels or completes the task meanwhile, and that it has acquired the
    /// state word after the last poll released it (so the frames it reads are up to date).
    void trace(trace_sink& out) const { vtable_->trace(this, out); }

    /// Diagnostics (af::rt::dump_tasks): takes `running` from an idle task so that no worker
    /// polls it while its frames are read. False when it is queued, running or complete.
    bool try_lock_for_inspection() noexcept;
    /// Gives back what try_lock_for_inspection took; a wake or abort that arrived meanwhile
    /// queues the task, exactly as at the end of a poll.
    void unlock_after_inspection() noexcept;

    // For tests and diagnostics.
    unsigned state_bits() const noexcept { return state_.load(std::memory_order_acquire) & ~stage_mask; }
    std::size_t use_count() const noexcept { return refs_.load(std::memory_order_relaxed); }

    // Owned-list links, touched only by the owning scheduler (under its lock, or on the one
    // thread that owns the list: see local_pool.cpp).
    task_header* owned_prev = nullptr;
    task_header* owned_next = nullptr;

protected:
    // Each transition only sets bits: future (0) -> output (1) | error (2) | empty (3) -> empty.
    enum class stage : unsigned { future = 0, output = 1, error = 2, empty = 3 };
    static constexpr unsigned stage_shift = 8;
    static constexpr unsigned stage_mask = 3u << stage_shift;

    void* slot() noexcept { return vtable_->slot(this); }

    stage current_stage() const noexcept {
        // Relaxed: callers have acquired the state word already, or hold `running` (file comment).
        return static_cast<stage>((state_.load(std::memory_order_relaxed) & stage_mask) >> stage_shift);
    }
    void set_stage(stage st) noexcept {
        // Relaxed: published by the completion CAS that follows, or by the last release.
        state_.fetch_or(static_cast<unsigned>(st) << stage_shift, std::memory_order_relaxed);
    }

    // Starts scheduled with three references: handle, owner, run queue.
    task_header(const task_vtable* vt, scheduler* s) noexcept : vtable_(vt), scheduler_(s) { s->retain(); }
    ~task_header() { scheduler_->release(); }

private:
    void finish(bool cancel) noexcept;
    void notify_handle(unsigned prev, bool cancel) noexcept;

    sync::atomic<unsigned> state_{scheduled};  // stage bits start as `future` (0)
    sync::atomic<std::uint32_t> refs_{3};
    const task_vtable* vtable_;
    scheduler* scheduler_;
    atomic_waker join_waker_;
};

/// The waker vtable of a task; the data pointer is the `task_header`.
extern const raw_waker_vtable task_waker_vtable;

/// Reports an exception of a task whose handle was detached (see
/// af::executor::set_unhandled_exception_handler).
void report_detached_exception(std::exception_ptr e) noexcept;

/// The part of a task the join handle knows about: the output's type.
template <class T>
class task_cell : public task_header {
public:
    /// Only after `is_complete()` returned true and without error or cancellation; once.
    T take_output() {
        T* p = std::launder(static_cast<T*>(this->slot()));
        T v = std::move(*p);
        p->~T();
        this->set_stage(task_header::stage::empty);
        return v;
    }

protected:
    using task_header::task_header;
};

template <>
class task_cell<void> : public task_header {
public:
    void take_output() noexcept {}

protected:
    using task_header::task_header;
};

/// The task for future `F`, in one allocation.
template <class F>
class spawned_task final : public task_cell<output_of<F>> {
    using output = output_of<F>;
    using stage = typename task_header::stage;

public:
    spawned_task(F&& f, scheduler* s) : task_cell<output>(&vtable, s) { ::new (storage_) F(std::move(f)); }
    ~spawned_task() {
        switch (this->current_stage()) {
        case stage::future: future().~F(); break;
        case stage::output:
            if constexpr (!std::is_void_v<output>) std::launder(reinterpret_cast<output*>(storage_))->~output();
            break;
        case stage::error: std::launder(reinterpret_cast<std::exception_ptr*>(storage_))->~exception_ptr(); break;
        case stage::empty: break;
        }
    }

    // Tasks come from the same per-thread recycling cache as coroutine frames: spawning short
    // tasks in a loop then reuses memory instead of calling malloc each time.
    static void* operator new(std::size_t size) {
        static_assert(alignof(spawned_task) <= frame_align, "af: over-aligned futures cannot be spawned");
        return recycling_allocate(size);
    }
    static void operator delete(void* p, std::size_t size) noexcept { recycling_deallocate(p, size); }

private:
    F& future() noexcept { return *std::launder(reinterpret_cast<F*>(storage_)); }
    const F& future() const noexcept { return *std::launder(reinterpret_cast<const F*>(storage_)); }

    static bool poll_future(task_header* t, context& cx) noexcept {
        auto* self = static_cast<spawned_task*>(t);
        bool future_alive = true;
        try {
            af::poll<output> p = self->future().poll(cx);
            if (p.is_pending()) return false;
            // The output moves from `p` into the slot the future leaves. The stage stays
            // `future` until the slot holds the output: stage changes only set bits, so it moves
            // once, to where it ends.
            future_alive = false;
            self->future().~F();
            if constexpr (!std::is_void_v<output>) {
                ::new (self->storage_) output(std::move(p).value());
                self->set_stage(stage::output);
            } else {
                self->set_stage(stage::empty);
            }
        } catch (...) {
            if (future_alive) self->future().~F();  // poll itself threw
            ::new (self->storage_) std::exception_ptr(std::current_exception());
            self->set_stage(stage::error);
        }
        return true;
    }
    static void drop_future(task_header* t) noexcept {
        auto* self = static_cast<spawned_task*>(t);
        if (self->current_stage() == stage::future) {
            self->set_stage(stage::empty);
            self->future().~F();
        }
    }
    static void* slot_of(task_header* t) noexcept { return static_cast<spawned_task*>(t)->storage_; }
    static void destroy(task_header* t) noexcept { delete static_cast<spawned_task*>(t); }
    static void trace_of(const task_header* t, trace_sink& out) {
        auto* self = static_cast<const spawned_task*>(t);
        if (self->current_stage() == stage::future) trace_future(self->future(), out);
    }

    static constexpr task_vtable vtable{&poll_future, &drop_future, &slot_of, &destroy, &trace_of};

    using stored = std::conditional_t<std::is_void_v<output>, std::byte, output>;
    alignas(F) alignas(stored) alignas(std::exception_ptr)
        std::byte storage_[max_size(sizeof(F), sizeof(stored), sizeof(std::exception_ptr))];
};

/// Intrusive list of the tasks an executor owns. Not synchronised: the owner locks.
class owned_list {
public:
    void push(task_header* t) noexcept {
        t->owned_prev = nullptr;
        t->owned_next = head_;
        if (head_) head_->owned_prev = t;
        head_ = t;
    }
    void remove(task_header* t) noexcept {
        if (t->owned_prev) t->owned_prev->owned_next = t->owned_next;
        else head_ = t->owned_next;
        if (t->owned_next) t->owned_next->owned_prev = t->owned_prev;
        t->owned_prev = t->owned_next = nullptr;
    }
    bool empty() const noexcept { return head_ == nullptr; }
    /// Empties the list; the tasks stay chained through `owned_next`.
    task_header* take_all() noexcept { return std::exchange(head_, nullptr); }

private:
    task_header* head_ = nullptr;
};

}  // namespace af::detail
