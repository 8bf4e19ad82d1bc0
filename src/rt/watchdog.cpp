// SPDX-License-Identifier: MIT
// The blocking watchdog (issue 21, docs/design/0014-blocking-watchdog.md).
//
// Workers publish which poll they are in (poll_slot in internal.hpp: a counter that is odd
// during a poll, and the task), never a time: reading a clock on every poll would cost more than
// the stores. The watchdog thread wakes every threshold / 2 and notes, per slot, the first time
// it saw the current odd counter. Once the same poll has been seen for the threshold, it reports
// it, once. The duration is a lower bound: the poll started at most one period before it was
// first seen.
#include <cstdio>
#include <sstream>
#include <vector>

#include "af/rt/detail/thread_config.hpp"
#include "internal.hpp"

namespace af::rt {

std::string to_string(const blocking_report& r) {
    using std::chrono::duration_cast;
    using ms = std::chrono::milliseconds;
    std::ostringstream o;
    o << "af: ";
    if (r.task != nullptr) {
        o << "task " << r.task;
    } else {
        o << "the future given to block_on";
    }
    o << " has held worker " << r.worker << " for at least " << duration_cast<ms>(r.duration).count()
      << " ms in one poll (watchdog threshold " << duration_cast<ms>(r.threshold).count()
      << " ms): a blocking call in a task? Move it to af::rt::spawn_blocking. Its await chain cannot be"
         " read while it runs and af records no spawn site; dump_tasks() lists it by this address,"
         " with its worker and how long this poll has run.\n";
    return o.str();
}

}  // namespace af::rt

namespace af::rt::detail {

watchdog::watchdog(std::shared_ptr<poll_slots> slots, std::chrono::nanoseconds threshold,
                   std::function<void(const blocking_report&)> hook)
    : slots_(std::move(slots)), threshold_(threshold), hook_(std::move(hook)) {
    thread_ = std::thread([this] {
        apply_thread_name("af-watchdog");
        {
            std::lock_guard lk(m_);
            started_ = true;
        }
        cv_.notify_all();
        run();
    });
    // Wait until the thread runs, so that its start belongs to build() and not to whatever the
    // program does next: under UBSan a new thread's first virtual call probes memory through a
    // descriptor, and a program that then uses up its descriptors (tests/net/limits_test.cpp)
    // got a false "invalid vptr" when the thread started late.
    std::unique_lock lk(m_);
    cv_.wait(lk, [this] { return started_; });
}

watchdog::~watchdog() {
    {
        std::lock_guard lk(m_);
        stop_ = true;
    }
    cv_.notify_one();
    thread_.join();
}

void watchdog::run() {
    using clock = std::chrono::steady_clock;
    struct seen {
        std::uint64_t seq = 0;  // 0: not in a poll at the last look
        clock::time_point since;
        bool reported = false;
    };
    std::vector<seen> last(slots_->size());
    const std::chrono::nanoseconds period = threshold_ / 2;
    std::unique_lock lk(m_);
    for (;;) {
        if (cv_.wait_for(lk, period, [this] { return stop_; })) return;
        clock::time_point now = clock::now();
        for (std::size_t i = 0; i < last.size(); ++i) {
            poll_slot& s = (*slots_)[i];
            // Acquire on all three: see poll_slot::begin (a seqlock read).
            std::uint64_t s1 = s.seq.load(std::memory_order_acquire);
            const void* task = s.task.load(std::memory_order_acquire);
            std::uint64_t s2 = s.seq.load(std::memory_order_acquire);
            if (s1 % 2 == 0 || s1 != s2) {
                last[i].seq = 0;
                continue;
            }
            if (last[i].seq != s1) {
                last[i] = {s1, now, false};
                s.seen_since_ns.store(std::chrono::duration_cast<std::chrono::nanoseconds>(now.time_since_epoch()).count(),
                                      std::memory_order_relaxed);
                s.seen_seq.store(s1, std::memory_order_release);  // publishes seen_since_ns
                continue;
            }
            if (last[i].reported || now - last[i].since < threshold_) continue;
            last[i].reported = true;
            blocking_report r{i, now - last[i].since, threshold_, task};
            // The hook runs unlocked, so that a slow one does not delay the destructor's stop
            // more than its own call.
            lk.unlock();
            try {
                if (hook_) {
                    hook_(r);
                } else {
                    std::fputs(to_string(r).c_str(), stderr);
                }
            } catch (...) {
                std::fputs("af: the on_blocking hook threw; the exception was dropped\n", stderr);
            }
            lk.lock();
        }
    }
}

}  // namespace af::rt::detail
