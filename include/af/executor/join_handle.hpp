// SPDX-License-Identifier: MIT
#pragma once
/// \file
/// `af::join_handle<T>`: the future of a spawned task's output.
///
/// Every `spawn` (on `af::executor::local_pool`, `af::executor::thread_pool` or a `spawner`)
/// returns one. Await it (or `block_on` it) to get what the task returned; an exception the task
/// threw is rethrown there. You do not need a channel to get a task's result back: the handle
/// is that channel.
///
///     af::executor::thread_pool pool(2);
///     af::join_handle<int> h = pool.spawn(add_later(20, 22));
///     int v = af::block_on(std::move(h));   // 42
///
/// Dropping a handle detaches the task: it keeps running and its output is discarded (an
/// exception it throws goes to af::executor::set_unhandled_exception_handler). To stop the task
/// instead, call `abort()`.
#include <exception>  // std::exception, std::rethrow_exception
#include <stdexcept>  // std::logic_error: awaited twice, or empty
#include <type_traits>  // std::is_void_v
#include <utility>    // std::exchange

#include "af/core/error.hpp"  // af::cancelled_error
#include "af/core/future.hpp"
#include "af/executor/detail/spawned_task.hpp"

namespace af {

// Not [[nodiscard]]: discarding a handle is the documented way to detach a task (the task is
// already running; unlike a lazy future, nothing is lost by ignoring it).
template <class T>
class join_handle {
public:
    using output = T;

    /// An empty handle (`is_finished()` is true; awaiting it throws `std::logic_error`).
    join_handle() noexcept = default;
    /// Adopts the handle's reference to `t`; used by executors.
    explicit join_handle(detail::task_cell<T>* t) noexcept : cell_(t) {}
    join_handle(join_handle&& o) noexcept
        : cell_(std::exchange(o.cell_, nullptr)), taken_(std::exchange(o.taken_, false)) {}
    join_handle& operator=(join_handle&& o) noexcept {
        if (this != &o) {
            detach();
            cell_ = std::exchange(o.cell_, nullptr);
            taken_ = std::exchange(o.taken_, false);
        }
        return *this;
    }
    ~join_handle() { detach(); }

    /// Ready with the task's output once it finished. Rethrows the task's exception, or throws
    /// `af::cancelled_error` if it was aborted or its executor shut down first.
    /// Errors: `std::logic_error` if the handle already returned (or threw) the task's result, or
    /// is empty; in every build, not only with assertions on.
    ///
    /// Cancellation: dropping the awaiting future drops the handle, which detaches the task (it
    /// keeps running; its output is lost).
    /// Resumes on: the thread that completes the task wakes the awaiting task; that task resumes
    /// wherever its own executor polls it.
    /// Thread safety: may be polled on any thread, whatever thread runs the task.
    af::poll<T> poll(context& cx) {
        // Not an assert: with NDEBUG a second poll would move the output out again (a moved-from
        // value, or an error slot already emptied), so every build throws instead.
        if (cell_ == nullptr) {
            throw std::logic_error(
                "af::join_handle awaited while empty: it was default-constructed, moved from or "
                "detached, so it has no task");
        }
        if (taken_) {
            throw std::logic_error(
                "af::join_handle awaited after it already returned its output: a task's output "
                "can be taken only once");
        }
        if (!cell_->is_complete()) {
            cell_->join_waker().register_waker(cx.waker());
            // Re-check after registering: a completion between the two is seen here or wakes us.
            if (!cell_->is_complete()) return pending;
        }
        if constexpr (std::is_void_v<T>) {
            take();
            return {};
        } else {
            return af::poll<T>(std::in_place, take());
        }
    }

    /// Asks the task to stop: the executor destroys its future at its next suspension point
    /// (at once if it is waiting; after the current poll if it is running) without polling it
    /// again. A task that completes during that poll keeps its output. Awaiting the handle then
    /// throws `af::cancelled_error`.
    /// Thread safety: any thread, also while another thread polls this handle (but not while
    /// the handle is moved, detached or destroyed).
    void abort() const noexcept {
        if (cell_) cell_->abort();
    }

    /// True once the task completed, failed or was cancelled (also for an empty handle).
    /// Thread safety: as `abort()`.
    bool is_finished() const noexcept { return cell_ == nullptr || cell_->is_complete(); }

    /// Lets the task run on without anyone waiting for it; the handle becomes empty. An exception
    /// the task throws is reported to af::executor::set_unhandled_exception_handler.
    void detach() noexcept {
        detail::task_cell<T>* c = std::exchange(cell_, nullptr);
        if (c == nullptr) return;
        if (std::exchange(taken_, false)) {
            c->release();  // the output was read: nothing left to report
        } else {
            c->detach();
        }
    }

private:
    T take() {
        // The reference stays until the handle goes, so abort() and is_finished() on another
        // thread never see the pointer change under them.
        taken_ = true;
        if (cell_->is_cancelled()) throw cancelled_error();
        if (std::exception_ptr e = cell_->take_error()) std::rethrow_exception(e);
        return cell_->take_output();
    }

    detail::task_cell<T>* cell_ = nullptr;
    bool taken_ = false;
};

}  // namespace af
