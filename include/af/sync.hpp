// SPDX-License-Identifier: MIT
#pragma once
/// \file
/// Async locks and signals (namespace `af::sync`). Waiting suspends the task, never the
/// thread; every waiting operation is cancelled by dropping its future without losing a
/// permit or a wake-up. Not part of `af/af.hpp`: include this header (or one of its parts).
///
/// - `semaphore`: counted permits, FIFO, `acquire(n)`; owned permits via `acquire_owned`.
/// - `mutex<T>`: exclusive access to a value, FIFO-fair.
/// - `rwlock<T>`: shared readers or one writer, writer-preferring.
/// - `notify`: wake one waiter (or store a permit) or all waiters.
/// - `barrier`: wait for `n` tasks; one of them is told it is the leader.
/// - `once_cell<T>`: a value initialized once by an async function.
///
/// Book: "Synchronization" (docs/book/synchronization.md).
#include "af/sync/semaphore.hpp"  // semaphore, permits, acquire_owned, closed_error
#include "af/sync/mutex.hpp"      // mutex<T>, mutex_guard<T>
#include "af/sync/rwlock.hpp"     // rwlock<T> and its guards
#include "af/sync/notify.hpp"     // notify
#include "af/sync/barrier.hpp"    // barrier
#include "af/sync/once_cell.hpp"  // once_cell<T>
