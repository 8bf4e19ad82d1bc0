// SPDX-License-Identifier: MIT
// Seeded random cancellation of every af::sync primitive (semaphore, mutex, rwlock, notify,
// barrier, once_cell): many waiting futures are stepped by hand in a random order and a random
// subset is destroyed before its first poll, while queued, after its wake but before the
// re-poll, or after completion. Each walk checks a model of the primitive after every step
// (FIFO hand-off, exact wakes, permits accounted) and at the end that nothing leaked. Thread-pool
// variants abort tasks at random with join_handle::abort() and af::abortable.
#include "af/sync/semaphore.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "af/core/task.hpp"
#include "af/executor/block_on.hpp"
#include "af/executor/thread_pool.hpp"
#include "af/future/abortable.hpp"
#include "af/future/yield_now.hpp"
#include "af/sync/barrier.hpp"
#include "af/sync/mutex.hpp"
#include "af/sync/notify.hpp"
#include "af/sync/once_cell.hpp"
#include "af/sync/rwlock.hpp"
#include "af/test/manual_future.hpp"
#include "af/test/wake_counter.hpp"
#include "support/random_cancellation.hpp"

namespace sync_random_cancellation_test {

namespace {

using af::test::cancel_point;
using af::test::pick;
using af::test::stepped;

// ---------------------------------------------------------------------------------------------
// Semaphore-based locks (semaphore, acquire_owned, mutex, rwlock) share one walk: each waiter
// needs some permits out of `total`; the queue is FIFO with partial assignment to the head.

struct lock_entry {
    virtual ~lock_entry() = default;
    virtual bool poll() = 0;  // true once the guard/permit is held by the entry
    virtual bool woken() const = 0;
    virtual int polls() const = 0;
    std::size_t needed = 0;
    std::size_t order = 0;  // position in the FIFO, given by the first pending poll
    bool done = false;
};

template <class F>
struct lock_entry_of final : lock_entry {
    template <class Make>
    lock_entry_of(std::size_t n, Make&& make) : s(std::forward<Make>(make)) { needed = n; }
    bool poll() override {
        auto p = s.poll();
        if (p.is_pending()) return false;
        guard.emplace(std::move(p).value());
        s.reset();
        done = true;
        return true;
    }
    bool woken() const override { return s.is_woken(); }
    int polls() const override { return static_cast<int>(s.poll_count()); }
    stepped<F> s;
    std::optional<af::output_of<F>> guard;
};

template <class F, class Make>
std::unique_ptr<lock_entry> make_entry(std::size_t needed, Make&& make) {
    return std::make_unique<lock_entry_of<F>>(needed, std::forward<Make>(make));
}

// `make(rng)` returns a fresh, unpolled entry. `available` (may be empty) reads the primitive's
// free permits, checked whenever nobody is queued.
template <class Make>
void lock_walk(std::mt19937& rng, std::size_t total, Make make, const std::function<std::size_t()>& available,
               af::test::cancel_points& points, int steps = 300) {
    std::vector<std::unique_ptr<lock_entry>> es;
    std::size_t next_order = 0;

    auto first_or_re_poll = [&](lock_entry& e) {
        const bool first = e.polls() == 0;
        const bool ready = e.poll();
        if (!ready && first) e.order = next_order++;
        return ready;
    };
    auto cancel = [&](std::size_t i) {
        lock_entry& e = *es[i];
        points.note(e.done ? cancel_point::completed
                    : e.polls() == 0 ? cancel_point::unpolled
                    : e.woken()      ? cancel_point::woken
                                     : cancel_point::queued);
        es.erase(es.begin() + static_cast<std::ptrdiff_t>(i));
    };
    auto check = [&](int step) {
        std::size_t held = 0;  // completed guards plus woken waiters (their permits are assigned)
        const lock_entry* oldest = nullptr;
        for (auto& e : es) {
            if (e->done || (e->polls() > 0 && e->woken())) held += e->needed;
            else if (e->polls() > 0 && (!oldest || e->order < oldest->order)) oldest = e.get();
        }
        ASSERT_LE(held, total) << "more permits handed out than exist, step " << step;
        // FIFO without lost wake-ups: the head of the queue is woken as soon as enough permits
        // are free for it, whatever was cancelled before.
        if (oldest) {
            EXPECT_LT(total - held, oldest->needed)
                << "the oldest waiter needs " << oldest->needed << " of " << total - held
                << " free permits but was not woken, step " << step;
        } else if (available) {
            EXPECT_EQ(available(), total - held) << "permits lost or duplicated, step " << step;
        }
    };

    for (int step = 0; step < steps; ++step) {
        switch (rng() % 6) {
        case 0:
        case 1: {  // a new waiter, polled now or left for later
            es.push_back(make(rng));
            if (rng() % 4 != 0) first_or_re_poll(*es.back());
            break;
        }
        case 2:  // cancel anything: unpolled, queued, woken or holding its guard
            if (!es.empty()) cancel(pick(rng, es.size()));
            break;
        case 3:  // release a held guard
            for (std::size_t i = 0; i < es.size(); ++i) {
                if (es[i]->done && rng() % 2) {
                    cancel(i);
                    break;
                }
            }
            break;
        case 4: {  // a spurious poll of a queued, unwoken waiter stays pending
            std::vector<std::size_t> queued;
            for (std::size_t i = 0; i < es.size(); ++i)
                if (!es[i]->done && es[i]->polls() > 0 && !es[i]->woken()) queued.push_back(i);
            if (!queued.empty()) {
                ASSERT_FALSE(es[queued[pick(rng, queued.size())]]->poll()) << "ready without a wake";
            }
            break;
        }
        default:  // re-poll the woken (they must be ready) and maybe first-poll the unpolled
            for (auto& e : es) {
                if (e->done) continue;
                if (e->polls() > 0 && e->woken()) ASSERT_TRUE(e->poll()) << "woken but not ready, step " << step;
                else if (e->polls() == 0 && rng() % 2) first_or_re_poll(*e);
            }
        }
        check(step);
        if (::testing::Test::HasFatalFailure()) return;
    }
    // Drop the rest in random order: everything comes back.
    while (!es.empty()) {
        cancel(pick(rng, es.size()));
        check(steps);
        if (::testing::Test::HasFatalFailure()) return;
    }
    if (available) {
        EXPECT_EQ(available(), total);
    }
}

TEST(random_cancellation, semaphore_loses_no_permit_and_no_wake_up) {
    af::test::cancel_points points;
    af::test::for_each_seed(60, [&](std::mt19937& rng, unsigned seed) {
        const std::size_t total = 3 + seed % 5;
        auto sem = std::make_shared<af::sync::semaphore>(total);
        auto make = [&](std::mt19937& r) {
            const std::size_t n = 1 + r() % total;
            if (r() % 3 == 0)
                return make_entry<af::sync::acquire_owned_future>(n, [&] { return af::sync::acquire_owned(sem, n); });
            return make_entry<af::sync::semaphore::acquire_future>(n, [&] { return sem->acquire(n); });
        };
        lock_walk(rng, total, make, [&] { return sem->available_permits(); }, points);
        auto all = sem->try_acquire(total);
        EXPECT_TRUE(all.has_value()) << "every permit is free again";
    });
    points.expect_all_reached("semaphore");
}

TEST(random_cancellation, mutex_loses_no_lock_and_no_wake_up) {
    af::test::cancel_points points;
    af::test::for_each_seed(60, [&](std::mt19937& rng, unsigned) {
        af::sync::mutex<int> m(0);
        using fut = af::sync::mutex<int>::lock_future;
        auto make = [&](std::mt19937&) { return make_entry<fut>(1, [&] { return m.lock(); }); };
        lock_walk(rng, 1, make, {}, points);
        EXPECT_TRUE(m.try_lock().has_value()) << "the mutex is lockable again";
    });
    points.expect_all_reached("mutex");
}

TEST(random_cancellation, rwlock_loses_no_lock_and_no_wake_up) {
    af::test::cancel_points points;
    af::test::for_each_seed(60, [&](std::mt19937& rng, unsigned) {
        using lock = af::sync::rwlock<int>;
        lock l(0);
        auto make = [&](std::mt19937& r) {
            if (r() % 3 == 0) return make_entry<lock::write_future>(lock::max_readers, [&] { return l.write(); });
            return make_entry<lock::read_future>(1, [&] { return l.read(); });
        };
        lock_walk(rng, lock::max_readers, make, {}, points);
        EXPECT_TRUE(l.try_write().has_value()) << "the rwlock is write-lockable again";
    });
    points.expect_all_reached("rwlock");
}

// ---------------------------------------------------------------------------------------------
// notify: an exact model. notify_one wakes the oldest queued waiter or stores one permit; a
// waiter chosen by notify_one and cancelled before its re-poll hands the wake-up on;
// notify_waiters wakes every queued waiter and completes every future created before it.

TEST(random_cancellation, notify_loses_no_notification_and_no_wake_up) {
    af::test::cancel_points points;
    af::test::for_each_seed(80, [&](std::mt19937& rng, unsigned) {
        af::sync::notify n;
        enum class st { unpolled, queued, woken_one, woken_all };
        struct entry {
            explicit entry(af::sync::notify& nt, std::uint64_t g) : s([&] { return nt.notified(); }), gen(g) {}
            stepped<af::sync::notify::notified_future> s;
            std::uint64_t gen;
            st state = st::unpolled;
            std::size_t order = 0;
        };
        std::vector<std::unique_ptr<entry>> es;
        std::uint64_t gen = 0;
        bool permit = false;
        std::size_t next_order = 0;

        auto oldest_queued = [&]() -> entry* {
            entry* o = nullptr;
            for (auto& e : es)
                if (e->state == st::queued && (!o || e->order < o->order)) o = e.get();
            return o;
        };
        auto model_notify_one = [&] {
            if (entry* o = oldest_queued()) o->state = st::woken_one;
            else permit = true;
        };
        auto poll_entry = [&](std::size_t i) {
            entry& e = *es[i];
            const st before = e.state;
            const bool ready = e.s.poll().is_ready();
            bool expect_ready = false;
            if (before == st::unpolled) {
                if (gen != e.gen) {
                    expect_ready = true;
                } else if (permit) {
                    permit = false;
                    expect_ready = true;
                } else {
                    e.state = st::queued;
                    e.order = next_order++;
                }
            } else {
                expect_ready = before != st::queued;
            }
            EXPECT_EQ(ready, expect_ready) << "poll of a waiter in state " << static_cast<int>(before);
            if (ready) {
                points.note(cancel_point::completed);  // a completed notified() is simply dropped
                es.erase(es.begin() + static_cast<std::ptrdiff_t>(i));
            }
        };

        for (int step = 0; step < 300; ++step) {
            switch (rng() % 7) {
            case 0:
            case 1:
                es.push_back(std::make_unique<entry>(n, gen));
                if (rng() % 3) poll_entry(es.size() - 1);
                break;
            case 2:
                if (!es.empty()) {
                    const std::size_t i = pick(rng, es.size());
                    entry& e = *es[i];
                    points.note_pending(e.s);
                    const st was = e.state;
                    es.erase(es.begin() + static_cast<std::ptrdiff_t>(i));
                    if (was == st::woken_one) model_notify_one();  // handed on
                }
                break;
            case 3:
                n.notify_one();
                model_notify_one();
                break;
            case 4:
                if (rng() % 4 == 0) {
                    n.notify_waiters();
                    ++gen;
                    for (auto& e : es)
                        if (e->state == st::queued) e->state = st::woken_all;
                }
                break;
            default:  // poll a random waiter, woken or not
                if (!es.empty()) poll_entry(pick(rng, es.size()));
            }
            // Exact wakes: every waiter the model says was woken has been, and no other.
            for (auto& e : es) {
                const bool should = e->state == st::woken_one || e->state == st::woken_all;
                ASSERT_EQ(e->s.poll_count() > 0 && e->s.is_woken(), should) << "step " << step << ", state " << static_cast<int>(e->state);
            }
        }
        while (!es.empty()) {
            const std::size_t i = pick(rng, es.size());
            const st was = es[i]->state;
            points.note_pending(es[i]->s);
            es.erase(es.begin() + static_cast<std::ptrdiff_t>(i));
            if (was == st::woken_one) model_notify_one();
        }
        // The stored permit (if the model has one) survived every cancellation, and only one.
        af::test::wake_counter wc;
        af::context cx(wc.waker());
        auto a = n.notified();
        EXPECT_EQ(a.poll(cx).is_ready(), permit);
        auto b = n.notified();
        EXPECT_TRUE(b.poll(cx).is_pending());
    });
    points.expect_all_reached("notify");
}

// ---------------------------------------------------------------------------------------------
// barrier: an exact model. The n-th arrival leads (true) and releases the n-1 queued ones
// (false); a queued waiter that is cancelled no longer counts as arrived.

TEST(random_cancellation, barrier_counts_no_cancelled_arrival_and_loses_no_release) {
    af::test::cancel_points points;
    af::test::for_each_seed(80, [&](std::mt19937& rng, unsigned seed) {
        const std::size_t size = 2 + seed % 4;
        af::sync::barrier b(size);
        enum class st { unpolled, queued, released };
        struct entry {
            explicit entry(af::sync::barrier& br) : s([&] { return br.wait(); }) {}
            stepped<af::sync::barrier::wait_future> s;
            st state = st::unpolled;
        };
        std::vector<std::unique_ptr<entry>> es;
        std::size_t arrived = 0;  // queued waiters in the current generation
        int leaders = 0, followers = 0, generations = 0;

        auto poll_entry = [&](std::size_t i) {
            entry& e = *es[i];
            const st before = e.state;
            auto p = e.s.poll();
            if (before == st::unpolled) {
                if (arrived + 1 == size) {
                    ASSERT_TRUE(p.is_ready());
                    EXPECT_TRUE(p.value()) << "the last arrival leads";
                    ++leaders;
                    ++generations;
                    arrived = 0;
                    for (auto& o : es)
                        if (o->state == st::queued) o->state = st::released;
                } else {
                    ASSERT_TRUE(p.is_pending());
                    e.state = st::queued;
                    ++arrived;
                    return;
                }
            } else if (before == st::queued) {
                ASSERT_TRUE(p.is_pending()) << "released without a full barrier";
                return;
            } else {
                ASSERT_TRUE(p.is_ready());
                EXPECT_FALSE(p.value()) << "only one leader per generation";
                ++followers;
            }
            points.note(cancel_point::completed);
            es.erase(es.begin() + static_cast<std::ptrdiff_t>(i));
        };
        auto cancel = [&](std::size_t i) {
            points.note_pending(es[i]->s);
            if (es[i]->state == st::queued) --arrived;
            es.erase(es.begin() + static_cast<std::ptrdiff_t>(i));
        };

        for (int step = 0; step < 300; ++step) {
            switch (rng() % 5) {
            case 0:
            case 1:
                es.push_back(std::make_unique<entry>(b));
                if (rng() % 3) poll_entry(es.size() - 1);
                break;
            case 2:
                if (!es.empty()) cancel(pick(rng, es.size()));
                break;
            default:
                if (!es.empty()) poll_entry(pick(rng, es.size()));
            }
            if (::testing::Test::HasFatalFailure()) return;
            for (auto& e : es)
                ASSERT_EQ(e->s.poll_count() > 0 && e->s.is_woken(), e->state == st::released) << "step " << step;
        }
        EXPECT_EQ(leaders, generations);
        EXPECT_LE(followers, generations * static_cast<int>(size - 1));
        while (!es.empty()) cancel(pick(rng, es.size()));
        // Cancelled arrivals were all taken back: exactly `size` fresh waiters trip it again.
        std::vector<std::unique_ptr<entry>> fresh;
        for (std::size_t i = 0; i < size; ++i) {
            fresh.push_back(std::make_unique<entry>(b));
            EXPECT_EQ(fresh.back()->s.poll().is_ready(), i + 1 == size) << "arrival " << i;
        }
        for (std::size_t i = 0; i + 1 < size; ++i) {
            EXPECT_TRUE(fresh[i]->s.is_woken());
            EXPECT_TRUE(fresh[i]->s.poll().is_ready());
        }
    });
    points.expect_all_reached("barrier");
}

// ---------------------------------------------------------------------------------------------
// once_cell: get_or_init tasks race; each initializer is a manual future completed at random,
// and tasks are cancelled at random, including the one running the initializer.

struct counted {
    explicit counted(int x) : v(x) { ++constructions; }
    int v;
    static inline std::atomic<int> constructions{0};
};

TEST(random_cancellation, once_cell_initializes_exactly_once_and_loses_no_wake_up) {
    af::test::cancel_points points;
    af::test::for_each_seed(60, [&](std::mt19937& rng, unsigned) {
        counted::constructions = 0;
        af::sync::once_cell<counted> cell;
        std::vector<std::unique_ptr<af::test::manual_future<int>>> inits;
        int f_calls_after_init = 0;
        auto f = [&] {
            if (cell.initialized()) ++f_calls_after_init;
            inits.push_back(std::make_unique<af::test::manual_future<int>>());
            return inits.back()->get();
        };
        using task_t = af::task<std::reference_wrapper<counted>>;
        struct entry {
            explicit entry(const std::function<task_t()>& m) : s(m) {}
            stepped<task_t> s;
        };
        std::vector<std::unique_ptr<entry>> es;
        std::optional<int> first_value;
        int next_value = 100;

        auto alive_inits = [&] {
            int a = 0;
            for (auto& m : inits) a += m->future_alive();
            return a;
        };
        auto poll_entry = [&](std::size_t i) {
            auto p = es[i]->s.poll();
            if (p.is_pending()) return;
            ASSERT_TRUE(cell.initialized());
            EXPECT_EQ(&p.value().get(), cell.get()) << "every caller gets the one value";
            points.note(cancel_point::completed);
            es.erase(es.begin() + static_cast<std::ptrdiff_t>(i));
        };
        auto finish_an_initializer = [&] {
            for (auto& m : inits) {
                if (m->future_alive() && !m->has_waiter()) continue;  // not yet awaited
                if (m->future_alive()) {
                    m->set(next_value++);
                    return;
                }
            }
        };

        for (int step = 0; step < 200; ++step) {
            switch (rng() % 6) {
            case 0:
            case 1:
                es.push_back(std::make_unique<entry>([&] { return cell.get_or_init(f); }));
                if (rng() % 3) poll_entry(es.size() - 1);
                break;
            case 2:
                if (!es.empty()) {
                    const std::size_t i = pick(rng, es.size());
                    points.note_pending(es[i]->s);
                    es.erase(es.begin() + static_cast<std::ptrdiff_t>(i));
                }
                break;
            case 3:
                if (rng() % 2) finish_an_initializer();
                break;
            default:  // re-poll the woken, maybe one spurious poll
                for (std::size_t i = 0; i < es.size();) {
                    const std::size_t before = es.size();
                    if (es[i]->s.poll_count() == 0 || es[i]->s.is_woken() || rng() % 8 == 0) poll_entry(i);
                    if (es.size() == before) ++i;
                }
            }
            if (::testing::Test::HasFatalFailure()) return;
            ASSERT_LE(alive_inits(), 1) << "two initializers at once, step " << step;
            if (cell.initialized()) {  // set once, never changed afterwards
                if (!first_value) first_value = cell.get()->v;
                EXPECT_EQ(cell.get()->v, *first_value);
            }
            // No lost wake-up: without a running initializer, some polled waiter is woken
            // (the next in line to initialize, or all of them once the value is set).
            bool waiting = false, someone_woken = false;
            for (auto& e : es) {
                if (e->s.poll_count() == 0) continue;
                waiting = true;
                someone_woken |= e->s.is_woken();
            }
            if (waiting && alive_inits() == 0) {
                EXPECT_TRUE(someone_woken) << "stalled, step " << step;
            }
        }
        // Drive every survivor to completion; if all were cancelled, one more caller still can.
        if (es.empty()) es.push_back(std::make_unique<entry>([&] { return cell.get_or_init(f); }));
        for (int round = 0; round < 1000 && !es.empty(); ++round) {
            finish_an_initializer();
            for (std::size_t i = 0; i < es.size();) {
                const std::size_t before = es.size();
                if (es[i]->s.poll_count() == 0 || es[i]->s.is_woken()) poll_entry(i);
                if (es.size() == before) ++i;
            }
            if (::testing::Test::HasFatalFailure()) return;
        }
        EXPECT_TRUE(es.empty()) << "a caller was never woken";
        ASSERT_TRUE(cell.initialized());
        EXPECT_EQ(counted::constructions.load(), 1) << "initialized exactly once";
        EXPECT_EQ(f_calls_after_init, 0);
        EXPECT_EQ(alive_inits(), 0);
    });
    points.expect_all_reached("once_cell");
}

// ---------------------------------------------------------------------------------------------
// Threads: tasks on a thread_pool, aborted at random while they wait or hold.

// Counts a task inside a critical section; a destructor, so an abort at a suspension point
// (which destroys the frame there) still leaves the section.
class inside_guard {
public:
    explicit inside_guard(std::atomic<int>& n) noexcept : n_(&n), before_(n.fetch_add(1)) {}
    inside_guard(const inside_guard&) = delete;
    inside_guard& operator=(const inside_guard&) = delete;
    ~inside_guard() { n_->fetch_sub(1); }
    int before() const noexcept { return before_; }

private:
    std::atomic<int>* n_;
    int before_;
};

af::task<> locker(af::sync::mutex<long>& m, std::atomic<int>& inside, std::atomic<long>& entries, int yields) {
    auto g = co_await m.lock();
    inside_guard in(inside);
    EXPECT_EQ(in.before(), 0) << "two holders of the mutex";
    ++*g;
    entries.fetch_add(1);
    for (int i = 0; i < yields; ++i) co_await af::yield_now();
}

af::task<> rw_user(af::sync::rwlock<long>& l, std::atomic<int>& writers, std::atomic<int>& readers, bool write) {
    if (write) {
        auto g = co_await l.write();
        inside_guard in(writers);
        EXPECT_EQ(in.before(), 0) << "two writers";
        EXPECT_EQ(readers.load(), 0) << "a writer beside readers";
        ++*g;
        co_await af::yield_now();
    } else {
        auto g = co_await l.read();
        inside_guard in(readers);
        EXPECT_EQ(writers.load(), 0) << "a reader beside a writer";
        co_await af::yield_now();
    }
}

template <class T>
void join_all(std::vector<af::join_handle<T>>& hs) {
    for (auto& h : hs) {
        try {
            af::block_on(std::move(h));
        } catch (const af::cancelled_error&) {
        }
    }
}

TEST(random_cancellation, mutex_and_rwlock_on_a_thread_pool_survive_random_aborts) {
    for (unsigned seed = 1; seed <= 8; ++seed) {
        SCOPED_TRACE("seed " + std::to_string(seed));
        std::mt19937 rng(seed);
        af::sync::mutex<long> m(0);
        af::sync::rwlock<long> l(0);
        std::atomic<int> inside{0}, writers{0}, readers{0};
        std::atomic<long> entries{0};
        {
            af::executor::thread_pool pool(3);
            std::vector<af::join_handle<void>> hs;
            for (int i = 0; i < 150; ++i) {
                if (rng() % 2) hs.push_back(pool.spawn(locker(m, inside, entries, static_cast<int>(rng() % 3))));
                else hs.push_back(pool.spawn(rw_user(l, writers, readers, rng() % 4 == 0)));
                if (rng() % 3 == 0) hs[pick(rng, hs.size())].abort();
            }
            join_all(hs);
        }
        auto g = m.try_lock();
        ASSERT_TRUE(g.has_value()) << "the mutex is free after every abort";
        EXPECT_EQ(**g, entries.load()) << "every critical section ran alone";
        EXPECT_TRUE(l.try_write().has_value()) << "the rwlock is free after every abort";
    }
}

af::task<int> init_later(std::atomic<int>& runs, int yields) {
    runs.fetch_add(1);
    for (int i = 0; i < yields; ++i) co_await af::yield_now();
    co_return 7;
}

af::task<int> read_cell(af::sync::once_cell<counted>& cell, std::atomic<int>& runs, int yields) {
    counted& c = co_await cell.get_or_init([&runs, yields] { return init_later(runs, yields); });
    co_return c.v;
}

TEST(random_cancellation, once_cell_on_a_thread_pool_initializes_once_despite_aborted_initializers) {
    for (unsigned seed = 1; seed <= 5; ++seed) {
        SCOPED_TRACE("seed " + std::to_string(seed));
        std::mt19937 rng(seed);
        counted::constructions = 0;
        af::sync::once_cell<counted> cell;
        std::atomic<int> runs{0};
        {
            af::executor::thread_pool pool(3);
            std::vector<af::join_handle<int>> hs;
            for (int i = 0; i < 40; ++i) {
                hs.push_back(pool.spawn(read_cell(cell, runs, static_cast<int>(rng() % 4))));
                if (rng() % 2) hs[pick(rng, hs.size())].abort();
            }
            for (auto& h : hs) {
                try {
                    EXPECT_EQ(af::block_on(std::move(h)), 7);
                } catch (const af::cancelled_error&) {
                }
            }
        }
        // Whatever was aborted, one more caller finds the value or initializes it.
        EXPECT_EQ(af::block_on(read_cell(cell, runs, 0)), 7);
        EXPECT_EQ(counted::constructions.load(), 1);
        EXPECT_GE(runs.load(), 1);
    }
}

af::task<> wait_notified(af::sync::notify& n) { co_await n.notified(); }

template <class F>
af::task<bool> count_survivor(F f, std::atomic<int>& done) {
    const bool ok = co_await std::move(f);
    if (ok) done.fetch_add(1);
    co_return ok;
}

TEST(random_cancellation, notify_on_a_thread_pool_wakes_every_survivor_despite_abortable_waiters) {
    for (unsigned seed = 1; seed <= 5; ++seed) {
        SCOPED_TRACE("seed " + std::to_string(seed));
        std::mt19937 rng(seed);
        af::sync::notify n;
        std::atomic<int> finished{0};
        std::vector<af::abort_handle> aborts;
        std::vector<af::join_handle<bool>> hs;
        {
            af::executor::thread_pool pool(3);
            for (int i = 0; i < 40; ++i) {
                auto [fut, handle] = af::abortable(wait_notified(n));
                hs.push_back(pool.spawn(count_survivor(std::move(fut), finished)));
                aborts.push_back(std::move(handle));
            }
            std::vector<bool> aborted(aborts.size(), false);
            for (std::size_t i = 0; i < aborts.size(); ++i) {
                if (rng() % 2) {
                    aborts[i].abort();
                    aborted[i] = true;
                }
                if (rng() % 3 == 0) n.notify_one();
            }
            // Keep notifying one at a time: each survivor must eventually be woken; a lost
            // hand-off from an aborted, already chosen waiter would leave one hanging.
            const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
            int outcomes = 0;
            for (std::size_t i = 0; i < hs.size(); ++i) {
                while (!hs[i].is_finished() && std::chrono::steady_clock::now() < deadline) {
                    n.notify_one();
                    std::this_thread::yield();
                }
                ASSERT_TRUE(hs[i].is_finished()) << "waiter " << i << " never woke";
                const bool ok = af::block_on(std::move(hs[i]));
                if (!aborted[i]) {
                    EXPECT_TRUE(ok) << "waiter " << i << " was not aborted";
                }
                outcomes += ok;
            }
            EXPECT_EQ(outcomes, finished.load());
        }
    }
}

}  // namespace

}  // namespace sync_random_cancellation_test
