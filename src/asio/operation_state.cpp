// SPDX-License-Identifier: MIT
// The shared state of an Asio operation awaited from af (af::asio::use_future).
//
// Two owners: the af future (polled on an af thread, dropped at any time) and Asio's
// completion handler (which lives inside the operation until Asio calls or destroys it).
// Asio completes a cancelled operation later, af futures are gone at once, so the state, the
// cancellation signal the operation registered into and any buffer the caller asked to keep
// (`keep`) live until the last of the two lets go.
//
// Protocol:
//   1. The first poll dispatches start() to the operation's executor (the initiation's
//      associated executor): inline when the polling thread already runs it, otherwise
//      posted. start() runs the initiation under m_ and sets `started`.
//   2. The handler stores its arguments, then complete() sets `complete` (release) and wakes
//      the future; the future acquires `complete` and takes the result. A handler destroyed
//      uncalled (its io_context destroyed) sets `complete|abandoned`, and so does a posted
//      start() destroyed without running.
//   3. Dropping the future before `complete`: request_cancel() sets `cancelled` under m_; when
//      the operation started and is not complete, the future dispatches emit_cancel() to the
//      same executor, which emits cancellation_type::terminal unless the handler ran
//      meanwhile. A start() that finds `cancelled` never initiates.
// Why m_: cancellation_signal::emit and the slot's emplace (done by the initiation) are not
// thread-safe, and on an io_context run by several threads the dispatched start and emit may
// run at once. The completion handler never takes m_, so emit may complete the operation
// inline. What m_ cannot order is emit against the operation's own completion on another
// thread of a multi-threaded io_context: that is Asio's rule (one strand per I/O object), and
// the docs say so.
#include "af/asio/detail/operation_state.hpp"

namespace af::asio::detail {
namespace {
// The state whose initiation runs on this thread: a handler destroyed by a throwing initiation
// must not publish `abandoned` before start() has stored the exception (the future would read
// error_ while it is written).
thread_local operation_state* starting = nullptr;
}  // namespace

bool operation_state::request_cancel() noexcept {
    std::lock_guard lk(m_);
    // Relaxed: m_ orders us against start() and emit_cancel(); complete_bit is only a hint
    // here (emit_cancel checks it again on the executor).
    unsigned prev = flags_.fetch_or(cancelled_bit, std::memory_order_relaxed);
    return (prev & started_bit) != 0 && (prev & complete_bit) == 0;
}

void operation_state::start() noexcept {
    std::lock_guard lk(m_);
    // Relaxed: cancelled_bit is written under m_.
    if (flags_.load(std::memory_order_relaxed) & cancelled_bit) {
        drop_start();
        finish(abandoned_bit);
        return;
    }
    flags_.fetch_or(started_bit, std::memory_order_relaxed);
    operation_state* outer = starting;
    starting = this;
    abandoned_in_start_ = false;
    try {
        do_start();
    } catch (...) {
        // The future reports the initiation's exception; the handler it destroyed only
        // recorded abandoned_in_start_.
        error_ = std::current_exception();
    }
    starting = outer;
    if (error_) {
        finish(0);
    } else if (abandoned_in_start_) {
        finish(abandoned_bit);
    }
}

void operation_state::fail(std::exception_ptr e) noexcept {
    error_ = std::move(e);
    finish(0);
}

void operation_state::start_abandoned() noexcept {
    drop_start();
    finish(abandoned_bit);
}

void operation_state::emit_cancel() noexcept {
    std::lock_guard lk(m_);
    // Acquire: if the handler already ran, the operation is gone; do not touch its slot.
    if (flags_.load(std::memory_order_acquire) & complete_bit) return;
    signal_.emit(boost::asio::cancellation_type::terminal);
}

void operation_state::complete() noexcept { finish(0); }

void operation_state::abandon() noexcept {
    if (starting == this) {
        abandoned_in_start_ = true;  // start() publishes it once the initiation returned
        return;
    }
    finish(abandoned_bit);
}

void operation_state::finish(unsigned bits) noexcept {
    kept_.reset();  // the operation no longer writes into what the caller kept alive
    // Release: publishes the result (or error_) to the future's acquire in is_complete().
    // A second finish (a throwing initiation that also destroyed the handler) keeps the first
    // bits and wakes again, which is harmless.
    flags_.fetch_or(complete_bit | bits, std::memory_order_release);
    waker_.wake();
}

}  // namespace af::asio::detail
