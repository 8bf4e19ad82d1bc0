// SPDX-License-Identifier: MIT
// The state machine of a spawned task (see include/af/executor/detail/spawned_task.hpp for the
// bits, transitions and the reason of every memory order), its waker vtable, and the hook for
// exceptions of detached tasks.
#include "af/executor/detail/spawned_task.hpp"

#include <atomic>
#include <cstdio>
#include <exception>

#include "af/executor/spawn.hpp"

namespace af::detail {
namespace {

raw_waker task_waker_clone(void* p) noexcept {
    static_cast<task_header*>(p)->retain();
    return {p, &task_waker_vtable};
}
void task_waker_wake(void* p) noexcept {
    // Wake then release rather than handing the waker's reference to the queue: the reference
    // keeps the scheduler alive while schedule() runs (see scheduler::schedule).
    auto* t = static_cast<task_header*>(p);
    t->wake_by_ref();
    t->release();
}
void task_waker_wake_by_ref(void* p) noexcept { static_cast<task_header*>(p)->wake_by_ref(); }
void task_waker_drop(void* p) noexcept { static_cast<task_header*>(p)->release(); }

std::atomic<af::executor::unhandled_exception_handler> unhandled_handler{nullptr};

void default_unhandled_handler(std::exception_ptr e) noexcept {
    try {
        std::rethrow_exception(std::move(e));
    } catch (const std::exception& ex) {
        std::fprintf(stderr, "af: exception in detached task: %s\n", ex.what());
    } catch (...) {
        std::fprintf(stderr, "af: exception in detached task: unknown exception\n");
    }
}

}  // namespace

const raw_waker_vtable task_waker_vtable{&task_waker_clone, &task_waker_wake, &task_waker_wake_by_ref,
                                         &task_waker_drop};

void report_detached_exception(std::exception_ptr e) noexcept {
    // Acquire: pairs with the release in set_unhandled_exception_handler (the handler's own
    // setup is visible before it is called).
    af::executor::unhandled_exception_handler h = unhandled_handler.load(std::memory_order_acquire);
    if (h != nullptr) {
        h(std::move(e));
    } else {
        default_unhandled_handler(std::move(e));
    }
}

void task_header::wake_by_ref() noexcept {
    unsigned s = state_.load(std::memory_order_relaxed);
    for (;;) {
        if (s & complete) return;
        unsigned next = (s & running) ? (s | notified) : (s | scheduled);
        // Release on success (even when next == s): see the header comment, "wake".
        if (state_.compare_exchange_weak(s, next, std::memory_order_release, std::memory_order_relaxed)) break;
    }
    if ((s & (scheduled | running)) == 0) {
        // We moved it from idle to scheduled: the queue needs a run reference.
        retain();
        scheduler_->schedule(this);
    }
}

void task_header::run() noexcept {
    unsigned s = state_.load(std::memory_order_relaxed);
    for (;;) {
        if (s & complete) {  // cancelled by a shutdown while queued: nothing to run
            release();
            return;
        }
        // Acquire: see the previous poll's and the wakers' writes (header comment, "worker pop").
        if (state_.compare_exchange_weak(s, (s & ~scheduled) | running, std::memory_order_acquire,
                                         std::memory_order_relaxed)) {
            break;
        }
    }
    if (s & aborting) {
        finish(true);
        return;
    }

    // Borrowed waker: our run reference keeps the task alive, so no retain/release per poll.
    waker w = waker::from_raw({this, &task_waker_vtable});
    bool done;
    {
        context cx(w);
        done = vtable_->poll(this, cx);
    }
    (void)std::move(w).into_raw();
    if (done) {
        finish(false);
        return;
    }

    s = state_.load(std::memory_order_relaxed);
    unsigned next;
    for (;;) {
        if (s & aborting) {
            finish(true);
            return;
        }
        next = (s & notified) ? ((s & ~(running | notified)) | scheduled) : (s & ~running);
        // AcqRel: header comment, "end of poll".
        if (state_.compare_exchange_weak(s, next, std::memory_order_acq_rel, std::memory_order_relaxed)) break;
    }
    if (next & scheduled) {
        scheduler_->schedule(this);  // our run reference becomes the queue's
    } else {
        release();
    }
}

bool task_header::try_lock_for_inspection() noexcept {
    unsigned s = state_.load(std::memory_order_relaxed);
    if (s & (scheduled | running | complete)) return false;
    // Acquire: as a worker pop, so the last poll's writes to the frames are visible.
    return state_.compare_exchange_strong(s, s | running, std::memory_order_acquire, std::memory_order_relaxed);
}

void task_header::unlock_after_inspection() noexcept {
    unsigned s = state_.load(std::memory_order_relaxed);
    unsigned next;
    for (;;) {
        // A wake (notified) or an abort during the inspection: queue the task so that a worker
        // polls or cancels it; otherwise back to idle.
        next = (s & (notified | aborting)) ? ((s & ~(running | notified)) | scheduled) : (s & ~running);
        // AcqRel: as the end of a poll.
        if (state_.compare_exchange_weak(s, next, std::memory_order_acq_rel, std::memory_order_relaxed)) break;
    }
    if (next & scheduled) {
        retain();  // the run reference the queue takes
        scheduler_->schedule(this);
    }
}

void task_header::finish(bool cancel) noexcept {
    if (cancel) vtable_->drop_future(this);
    // Leave the owner's list before completing: whoever sees the completion (the join handle)
    // must not still count this task among the live ones (af::rt::metrics, dump_tasks). We hold
    // `running`, so no shutdown drain can be cancelling it meanwhile.
    scheduler_->disown(this);
    unsigned s = state_.load(std::memory_order_relaxed);
    unsigned next;
    do {
        next = (s & ~(scheduled | running | notified)) | complete | (cancel ? cancelled : 0u);
        // AcqRel: header comment, "completion".
    } while (!state_.compare_exchange_weak(s, next, std::memory_order_acq_rel, std::memory_order_relaxed));
    notify_handle(s, cancel);
    release();  // the owner's reference
    release();  // the run reference
}

void task_header::shut_down() noexcept {
    // Acquire: the last poll (on a worker now joined) is visible before we destroy the future.
    unsigned s = state_.load(std::memory_order_acquire);
    if ((s & complete) == 0) {
        vtable_->drop_future(this);
        unsigned next;
        do {
            next = (s & ~(scheduled | running | notified)) | complete | cancelled;
            // AcqRel: header comment, "completion".
        } while (!state_.compare_exchange_weak(s, next, std::memory_order_acq_rel, std::memory_order_relaxed));
        notify_handle(s, true);
    }
    release();  // the owner's reference
}

void task_header::notify_handle(unsigned prev, bool cancel) noexcept {
    if (prev & detached) {
        // The handle left before completion: we are the only reader of the error.
        if (!cancel && current_stage() == stage::error) report_detached_exception(take_error());
    } else {
        join_waker_.wake();
    }
}

void task_header::abort() noexcept {
    unsigned s = state_.load(std::memory_order_relaxed);
    unsigned next;
    do {
        if (s & (complete | aborting)) return;
        next = s | aborting;
        // An idle task is in no queue and may never be woken: enqueue it so the executor drops it.
        if ((s & (scheduled | running)) == 0) next |= scheduled;
        // Release: header comment, "abort".
    } while (!state_.compare_exchange_weak(s, next, std::memory_order_release, std::memory_order_relaxed));
    if ((s & (scheduled | running)) == 0) {
        retain();
        scheduler_->schedule(this);
    }
}

void task_header::detach() noexcept {
    // AcqRel: header comment, "detach".
    unsigned s = state_.fetch_or(detached, std::memory_order_acq_rel);
    // Completed before we left and nobody read the error: we are its only reader now.
    if ((s & complete) && !(s & cancelled) && current_stage() == stage::error) report_detached_exception(take_error());
    release();
}

}  // namespace af::detail

namespace af::executor {

unhandled_exception_handler set_unhandled_exception_handler(unhandled_exception_handler h) noexcept {
    // AcqRel: release publishes the handler's setup to reporters; acquire for the old one.
    return detail::unhandled_handler.exchange(h, std::memory_order_acq_rel);
}

}  // namespace af::executor
