// SPDX-License-Identifier: MIT
// Seeded random cancellation of every af::channel (oneshot, mpsc bounded and unbounded,
// broadcast, watch): receivers, waiting senders, permits and closed() futures are stepped by hand
// in a random order and a random subset is destroyed before its first poll, while queued, after
// its wake but before the re-poll, or after completion. Each walk keeps a model of the channel,
// checks the wakes after every step and, at the end, that every value was received exactly once
// or handed back (or, where the docs say so, dropped with its cancelled owner). Thread-pool
// variants cancel with join_handle::abort() and af::abortable.
#include "af/channel/oneshot.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "af/channel/broadcast.hpp"
#include "af/channel/mpsc.hpp"
#include "af/channel/watch.hpp"
#include "af/core/task.hpp"
#include "af/executor/block_on.hpp"
#include "af/executor/thread_pool.hpp"
#include "af/future/abortable.hpp"
#include "af/future/yield_now.hpp"
#include "af/test/wake_counter.hpp"
#include "support/random_cancellation.hpp"

namespace channel_random_cancellation_test {

namespace {

namespace ch = af::channel;
namespace mpsc = af::channel::mpsc;
using af::test::cancel_point;
using af::test::pick;
using af::test::stepped;

template <class V>
void erase_at(V& v, std::size_t i) {
    v.erase(v.begin() + static_cast<std::ptrdiff_t>(i));
}

// ---------------------------------------------------------------------------------------------
// oneshot: many independent pairs, interleaved. Exact model: a polled receiver is woken iff the
// value was sent or the sender dropped; a polled closed() is woken iff the receiver is released.

TEST(random_cancellation, oneshot_loses_no_value_and_no_wake_up) {
    af::test::cancel_points points;
    af::test::for_each_seed(80, [&](std::mt19937& rng, unsigned) {
        using rx_t = ch::oneshot::receiver<int>;
        using closed_t = ch::oneshot::sender<int>::closed_future;
        struct pair_state {
            std::optional<ch::oneshot::sender<int>> tx;
            std::unique_ptr<stepped<rx_t>> rx;
            std::unique_ptr<stepped<closed_t>> closed;
            int value = 0;
            bool sent = false, tx_gone = false, rx_released = false, rx_done = false;
        };
        std::vector<std::unique_ptr<pair_state>> ps;
        std::multiset<int> sent_ok, received, returned, dropped_with_receiver;

        for (int i = 0; i < 30; ++i) {
            auto [tx, rx] = ch::oneshot::channel<int>();
            auto p = std::make_unique<pair_state>();
            p->tx.emplace(std::move(tx));
            p->rx = std::make_unique<stepped<rx_t>>([&] { return std::move(rx); });
            p->value = i;
            ps.push_back(std::move(p));
        }
        auto poll_rx = [&](pair_state& p) {
            try {
                auto r = p.rx->poll();
                if (r.is_pending()) {
                    EXPECT_FALSE(p.sent || p.tx_gone) << "pending after the sender finished";
                    return;
                }
                EXPECT_TRUE(p.sent) << "a value that was never sent";
                EXPECT_EQ(r.value(), p.value);
                received.insert(r.value());
            } catch (const af::closed_error&) {
                EXPECT_TRUE(p.tx_gone && !p.sent) << "closed although a value was sent";
                p.rx_released = true;
            }
            p.rx_done = true;
        };
        auto send = [&](pair_state& p) {
            auto r = p.tx->send(p.value);
            p.tx.reset();
            if (p.rx_released) {
                ASSERT_TRUE(r.is_closed()) << "sent to a released receiver";
                returned.insert(r.take_value());
                p.tx_gone = true;
            } else {
                ASSERT_TRUE(r.is_sent());
                sent_ok.insert(p.value);
                p.sent = true;
            }
        };
        auto drop_rx = [&](pair_state& p) {
            if (p.rx_done) points.note(cancel_point::completed);
            else points.note_pending(*p.rx);
            if (!p.rx_done && p.sent) dropped_with_receiver.insert(p.value);
            p.rx.reset();
            // A receiver that already took its value has let go of the state: nothing to observe.
            if (!p.rx_done) p.rx_released = true;
        };
        auto check = [&](int step) {
            for (auto& p : ps) {
                if (p->rx && !p->rx_done && p->rx->poll_count() > 0) {
                    ASSERT_EQ(p->rx->is_woken(), p->sent || p->tx_gone) << "receiver wake, step " << step;
                }
                if (p->closed && p->closed->poll_count() > 0) {
                    ASSERT_EQ(p->closed->is_woken(), p->rx_released) << "closed() wake, step " << step;
                }
            }
        };

        for (int step = 0; step < 400; ++step) {
            pair_state& p = *ps[pick(rng, ps.size())];
            switch (rng() % 7) {
            case 0:
            case 1:
                if (p.rx && !p.rx_done) poll_rx(p);
                break;
            case 2:
                if (p.tx && rng() % 2) send(p);
                break;
            case 3:
                if (p.tx && rng() % 3 == 0) {
                    p.tx.reset();
                    p.tx_gone = true;
                }
                break;
            case 4:
                if (p.rx && rng() % 3 == 0) drop_rx(p);
                break;
            case 5:  // the sender watches for the receiver going away
                if (!p.closed && p.tx) p.closed = std::make_unique<stepped<closed_t>>([&] { return p.tx->closed(); });
                if (p.closed) {
                    const bool ready = p.closed->poll().is_ready();
                    EXPECT_EQ(ready, p.rx_released);
                    if (ready) {
                        points.note(cancel_point::completed);
                        p.closed.reset();
                    }
                }
                break;
            default:
                if (p.closed) {
                    points.note_pending(*p.closed);
                    p.closed.reset();
                }
            }
            check(step);
            if (::testing::Test::HasFatalFailure()) return;
        }
        // Finish every pair: the sender sends or drops, the receiver completes.
        for (auto& p : ps) {
            if (p->tx) {
                if (rng() % 2) send(*p);
                else {
                    p->tx.reset();
                    p->tx_gone = true;
                }
            }
            check(-1);
            if (p->rx && !p->rx_done) poll_rx(*p);
            if (p->rx) {
                EXPECT_TRUE(p->rx_done) << "a receiver never finished";
            }
            p->closed.reset();
        }
        std::multiset<int> delivered_or_dropped = received;
        delivered_or_dropped.insert(dropped_with_receiver.begin(), dropped_with_receiver.end());
        EXPECT_EQ(delivered_or_dropped, sent_ok) << "each sent value reaches its receiver once, or dies with it";
        for (int v : returned) EXPECT_EQ(sent_ok.count(v), 0u) << "value " << v << " both sent and returned";
    });
    points.expect_all_reached("oneshot");
}

// ---------------------------------------------------------------------------------------------
// mpsc: send and reserve futures, permits, and the receiver's recv() future, all cancelled at
// random; the receiver is closed at a random moment in some seeds. FIFO model of the slots:
// the oldest queued sender is woken as soon as a slot is free for it.

struct mpsc_waiter {
    std::unique_ptr<stepped<mpsc::send_future<int>>> send;
    std::unique_ptr<stepped<mpsc::reserve_future<int>>> reserve;
    int value = 0;
    std::size_t order = 0;
    int polls() const { return static_cast<int>(send ? send->poll_count() : reserve->poll_count()); }
    bool woken() const { return send ? send->is_woken() : reserve->is_woken(); }
};

void mpsc_walk(std::mt19937& rng, std::size_t cap, bool unbounded, af::test::cancel_points& points) {
    auto [tx, rx] = unbounded ? mpsc::unbounded<int>() : mpsc::bounded<int>(cap);
    using recv_t = mpsc::receiver<int>::recv_future;
    std::vector<std::unique_ptr<mpsc_waiter>> ws;
    std::vector<std::pair<std::unique_ptr<mpsc::permit<int>>, int>> permits;
    std::unique_ptr<stepped<recv_t>> rf;
    std::multiset<int> sent_ok, received, returned, cancelled;
    int next = 0;
    std::size_t next_order = 0;
    bool closed = false;

    auto complete = [&](mpsc_waiter& w, bool first) -> bool {  // true when finished
        if (w.send) {
            auto p = w.send->poll();
            if (p.is_pending()) {
                if (first) w.order = next_order++;
                return false;
            }
            if (p.value().is_sent()) {  // after close only with a slot granted before it
                sent_ok.insert(w.value);
            } else {
                EXPECT_TRUE(closed && p.value().is_closed());
                const int back = p.value().take_value();
                EXPECT_EQ(back, w.value) << "the unsent value comes back";
                returned.insert(back);
            }
            points.note(cancel_point::completed);
            return true;
        }
        auto p = w.reserve->poll();
        if (p.is_pending()) {
            if (first) w.order = next_order++;
            return false;
        }
        if (!p.value().has_value()) {
            EXPECT_TRUE(closed);
            returned.insert(w.value);  // never sent: the caller still has it
        } else {
            permits.emplace_back(std::make_unique<mpsc::permit<int>>(std::move(*p.value())), w.value);
        }
        return true;
    };
    auto recv = [&] {
        if (!rf) rf = std::make_unique<stepped<recv_t>>([&] { return rx.recv(); });
        auto p = rf->poll();
        if (p.is_pending()) {
            EXPECT_EQ(sent_ok.size(), received.size()) << "a queued value was not delivered";
            return;
        }
        if (p.value()) {
            received.insert(*p.value());
        } else {
            EXPECT_TRUE(closed) << "the stream ended with a sender alive";
        }
        points.note(cancel_point::completed);
        rf.reset();
    };
    auto check = [&](int step) {
        std::size_t used = sent_ok.size() - received.size() + permits.size();
        const mpsc_waiter* oldest = nullptr;
        for (auto& w : ws) {
            if (w->polls() == 0) continue;
            if (w->woken()) {
                if (!closed) ++used;  // a granted slot, not yet taken by the re-poll
            } else if (!oldest || w->order < oldest->order) {
                oldest = w.get();
            }
        }
        if (!unbounded) {
            ASSERT_LE(used, cap) << "more slots in use than the capacity, step " << step;
        }
        if (oldest) {
            EXPECT_FALSE(closed) << "a waiting sender was not woken by close, step " << step;
            EXPECT_EQ(used, cap) << "a slot is free but the oldest waiting sender was not woken, step " << step;
        }
        if (rf && rf->poll_count() > 0 && sent_ok.size() > received.size()) {
            EXPECT_TRUE(rf->is_woken()) << "a value is queued but the receiver was not woken, step " << step;
        }
    };

    for (int step = 0; step < 400; ++step) {
        switch (rng() % 8) {
        case 0:
        case 1: {
            auto w = std::make_unique<mpsc_waiter>();
            w->value = next++;
            if (rng() % 3) w->send = std::make_unique<stepped<mpsc::send_future<int>>>([&] { return tx.send(w->value); });
            else w->reserve = std::make_unique<stepped<mpsc::reserve_future<int>>>([&] { return tx.reserve(); });
            ws.push_back(std::move(w));
            if (rng() % 4 && complete(*ws.back(), true)) ws.pop_back();
            break;
        }
        case 2:  // cancel a waiter wherever it is
            if (!ws.empty()) {
                const std::size_t i = pick(rng, ws.size());
                auto& w = *ws[i];
                if (w.send) {
                    points.note_pending(*w.send);
                    cancelled.insert(w.value);
                } else {
                    points.note_pending(*w.reserve);
                    returned.insert(w.value);
                }
                erase_at(ws, i);
            }
            break;
        case 3:  // use or drop a permit
            if (!permits.empty()) {
                const std::size_t i = pick(rng, permits.size());
                if (rng() % 2) {
                    permits[i].first->send(permits[i].second);
                    sent_ok.insert(permits[i].second);
                } else {
                    points.note(cancel_point::completed);
                    returned.insert(permits[i].second);
                }
                erase_at(permits, i);
            }
            break;
        case 4:
        case 5:
            recv();
            break;
        case 6:  // cancel the receive future (the receiver itself stays)
            if (rf) {
                points.note_pending(*rf);
                rf.reset();
            }
            break;
        default:
            for (std::size_t i = 0; i < ws.size();) {
                auto& w = *ws[i];
                const bool first = w.polls() == 0;
                if ((first || w.woken()) && complete(w, first)) erase_at(ws, i);
                else ++i;
            }
            if (!closed && step > 250 && rng() % 8 == 0) {
                rx.close();
                closed = true;
            }
        }
        check(step);
        if (::testing::Test::HasFatalFailure()) return;
    }
    // Drain: send or drop the permits, keep receiving and re-polling the woken.
    for (auto& [p, v] : permits) {
        p->send(v);
        sent_ok.insert(v);
    }
    permits.clear();
    for (int round = 0; round < 10000 && !ws.empty(); ++round) {
        recv();
        for (std::size_t i = 0; i < ws.size();) {
            auto& w = *ws[i];
            const bool first = w.polls() == 0;
            if ((first || w.woken()) && complete(w, first)) erase_at(ws, i);
            else ++i;
        }
        for (auto& [p, v] : permits) {
            p->send(v);
            sent_ok.insert(v);
        }
        permits.clear();
    }
    EXPECT_TRUE(ws.empty()) << "a waiting sender was never woken";
    rf.reset();
    af::test::wake_counter wc;
    af::context cx(wc.waker());
    while (sent_ok.size() > received.size()) {
        auto p = rx.poll_next(cx);
        ASSERT_TRUE(p.is_ready() && p.value().has_value()) << "a sent value is missing";
        received.insert(*p.value());
    }
    EXPECT_EQ(received, sent_ok) << "every sent value received exactly once";
    // Every value is accounted for exactly once: received, returned, or died in its cancelled send.
    std::multiset<int> all = received;
    all.insert(returned.begin(), returned.end());
    all.insert(cancelled.begin(), cancelled.end());
    EXPECT_EQ(all.size(), static_cast<std::size_t>(next));
    EXPECT_EQ(std::set<int>(all.begin(), all.end()).size(), static_cast<std::size_t>(next)) << "a value counted twice";
    if (!closed && !unbounded) {  // every slot is free again
        for (std::size_t i = 0; i < cap; ++i) EXPECT_TRUE(tx.try_send(-1).is_sent()) << "slot " << i;
        EXPECT_TRUE(tx.try_send(-1).is_full());
    }
    if (closed) {
        EXPECT_TRUE(tx.try_send(-1).is_closed());
    }
}

TEST(random_cancellation, mpsc_bounded_loses_no_value_slot_or_wake_up) {
    af::test::cancel_points points;
    af::test::for_each_seed(60, [&](std::mt19937& rng, unsigned seed) { mpsc_walk(rng, 1 + seed % 4, false, points); });
    points.expect_all_reached("mpsc::bounded");
}

TEST(random_cancellation, mpsc_unbounded_loses_no_value_or_wake_up) {
    af::test::cancel_points points;
    af::test::for_each_seed(40, [&](std::mt19937& rng, unsigned) { mpsc_walk(rng, 0, true, points); });
    // An unbounded send never waits, so only the receive future can be cancelled while queued.
    points.expect_all_reached("mpsc::unbounded");
}

// ---------------------------------------------------------------------------------------------
// broadcast: receivers subscribe, poll, cancel their recv() future and leave at random. Each
// receiver sees every value sent after it subscribed exactly once, in order, or is told exactly
// how many it missed; a polled recv() is woken iff a value was sent after its poll.

TEST(random_cancellation, broadcast_loses_no_value_and_no_wake_up) {
    af::test::cancel_points points;
    af::test::for_each_seed(60, [&](std::mt19937& rng, unsigned seed) {
        const std::size_t cap = 1 + seed % 4;
        auto [tx0, rx0] = ch::broadcast::channel<int>(cap);
        std::optional<ch::broadcast::sender<int>> tx(std::move(tx0));
        using recv_t = ch::broadcast::receiver<int>::recv_future;
        struct rx_entry {
            explicit rx_entry(ch::broadcast::receiver<int> r, int n) : rx(std::move(r)), expect(n) {}
            ch::broadcast::receiver<int> rx;
            std::unique_ptr<stepped<recv_t>> f;
            int expect;              // the next value (= sequence number) this receiver must see
            int sent_at_poll = 0;    // values sent when its future was last polled
            int got = 0, missed = 0, first = 0;
        };
        int sent = 0;
        std::vector<std::unique_ptr<rx_entry>> rs;
        rs.push_back(std::make_unique<rx_entry>(std::move(rx0), 0));

        auto poll_rx = [&](rx_entry& r) {
            if (!r.f) r.f = std::make_unique<stepped<recv_t>>([&] { return r.rx.recv(); });
            r.sent_at_poll = sent;
            auto p = r.f->poll();
            if (p.is_pending()) {
                EXPECT_EQ(r.expect, sent) << "pending with values unread";
                EXPECT_TRUE(tx.has_value());
                return;
            }
            if (p.value().is_closed()) {
                EXPECT_FALSE(tx.has_value()) << "ended with a sender alive";
                EXPECT_EQ(r.expect, sent);
            } else if (p.value().is_lagged()) {
                const int oldest = sent - static_cast<int>(cap);
                EXPECT_EQ(static_cast<int>(p.value().missed()), oldest - r.expect) << "wrong missed count";
                r.expect = oldest;
                r.missed += static_cast<int>(p.value().missed());
            } else {
                ASSERT_TRUE(p.value().is_received());
                EXPECT_EQ(*p.value(), r.expect) << "out of order, duplicated or skipped silently";
                ++r.expect;
                ++r.got;
            }
            points.note(cancel_point::completed);
            r.f.reset();
        };
        auto check = [&](int step) {
            for (auto& r : rs) {
                if (r->f && r->f->poll_count() > 0) {
                    ASSERT_EQ(r->f->is_woken(), sent != r->sent_at_poll || !tx) << "recv wake, step " << step;
                }
            }
        };

        for (int step = 0; step < 300; ++step) {
            switch (rng() % 7) {
            case 0:
            case 1: {
                auto r = tx->send(sent);
                if (rs.empty()) {
                    ASSERT_TRUE(r.is_closed());
                    EXPECT_EQ(r.take_value(), sent) << "the unsent value comes back";
                } else {
                    ASSERT_TRUE(r.is_sent());
                    ++sent;
                }
                break;
            }
            case 2:
            case 3:
                if (!rs.empty()) poll_rx(*rs[pick(rng, rs.size())]);
                break;
            case 4:
                if (!rs.empty()) {
                    auto& r = *rs[pick(rng, rs.size())];
                    if (!r.f) r.f = std::make_unique<stepped<recv_t>>([&] { return r.rx.recv(); });
                    else {
                        points.note_pending(*r.f);
                        r.f.reset();
                    }
                }
                break;
            case 5:
                if (rs.size() < 5) {
                    rs.push_back(std::make_unique<rx_entry>(tx->subscribe(), sent));
                    rs.back()->first = sent;
                }
                break;
            default:
                if (!rs.empty() && rng() % 3 == 0) {
                    const std::size_t i = pick(rng, rs.size());
                    if (rs[i]->f) points.note_pending(*rs[i]->f);
                    erase_at(rs, i);
                }
            }
            check(step);
            if (::testing::Test::HasFatalFailure()) return;
        }
        tx.reset();  // every waiting receiver is woken, drains what it can, then ends
        check(-1);
        for (auto& r : rs) {
            for (int i = 0; i < sent + 2 && r->expect <= sent; ++i) {
                poll_rx(*r);
                if (r->expect == sent && !r->f) {
                    r->f = std::make_unique<stepped<recv_t>>([&] { return r->rx.recv(); });
                    auto p = r->f->poll();
                    ASSERT_TRUE(p.is_ready() && p.value().is_closed()) << "the stream ends after the last value";
                    break;
                }
            }
            EXPECT_EQ(r->got + r->missed, sent - r->first) << "every value seen once or counted as missed";
        }
    });
    points.expect_all_reached("broadcast");
}

// ---------------------------------------------------------------------------------------------
// watch: receivers (subscribed, cloned, dropped) poll changed() and cancel it at random. A
// changed() is ready iff a version was sent that the receiver has not marked seen; cancelling
// it marks nothing; a polled changed() is woken iff a value was sent after its poll.

TEST(random_cancellation, watch_loses_no_change_and_no_wake_up) {
    af::test::cancel_points points;
    af::test::for_each_seed(60, [&](std::mt19937& rng, unsigned) {
        auto [tx0, rx0] = ch::watch::channel<int>(0);
        std::optional<ch::watch::sender<int>> tx(std::move(tx0));
        using changed_t = ch::watch::receiver<int>::changed_future;
        struct rx_entry {
            rx_entry(ch::watch::receiver<int> r, int s) : rx(std::move(r)), seen(s) {}
            ch::watch::receiver<int> rx;
            std::unique_ptr<stepped<changed_t>> f;
            int seen;  // the version (= value) this receiver marked seen
            int version_at_poll = 0;
        };
        int version = 0;
        std::vector<std::unique_ptr<rx_entry>> rs;
        rs.push_back(std::make_unique<rx_entry>(std::move(rx0), 0));

        auto poll_rx = [&](rx_entry& r) {
            if (!r.f) r.f = std::make_unique<stepped<changed_t>>([&] { return r.rx.changed(); });
            r.version_at_poll = version;
            try {
                const bool ready = r.f->poll().is_ready();
                EXPECT_EQ(ready, r.seen != version) << "changed() ready iff an unseen version exists";
                if (!ready) return;
                EXPECT_EQ(*r.rx.borrow(), version) << "the latest value";
                if (tx) {
                    EXPECT_FALSE(r.rx.has_changed());
                } else {  // everything seen and the sender gone: it could never become true again
                    EXPECT_THROW((void)r.rx.has_changed(), af::closed_error);
                }
                r.seen = version;
            } catch (const af::closed_error&) {
                EXPECT_FALSE(tx.has_value());
                EXPECT_EQ(r.seen, version) << "closed reported before an unseen change";
            }
            points.note(cancel_point::completed);
            r.f.reset();
        };
        auto check = [&](int step) {
            for (auto& r : rs) {
                if (tx || r->seen != version) {
                    EXPECT_EQ(r->rx.has_changed(), r->seen != version);
                } else {
                    EXPECT_THROW((void)r->rx.has_changed(), af::closed_error);
                }
                if (r->f && r->f->poll_count() > 0) {
                    ASSERT_EQ(r->f->is_woken(), version != r->version_at_poll || !tx) << "changed() wake, step " << step;
                }
            }
        };

        for (int step = 0; step < 300; ++step) {
            switch (rng() % 7) {
            case 0:
            case 1: {
                auto r = tx->send(version + 1);
                if (rs.empty()) {
                    ASSERT_TRUE(r.is_closed());
                    EXPECT_EQ(r.take_value(), version + 1) << "the unsent value comes back";
                } else {
                    ASSERT_TRUE(r.is_sent());
                    ++version;
                }
                break;
            }
            case 2:
            case 3:
                if (!rs.empty()) poll_rx(*rs[pick(rng, rs.size())]);
                break;
            case 4:
                if (!rs.empty()) {
                    auto& r = *rs[pick(rng, rs.size())];
                    if (!r.f) r.f = std::make_unique<stepped<changed_t>>([&] { return r.rx.changed(); });
                    else {
                        points.note_pending(*r.f);
                        r.f.reset();
                    }
                }
                break;
            case 5:
                if (rs.size() < 5) {
                    if (!rs.empty() && rng() % 2) {
                        auto& o = *rs[pick(rng, rs.size())];
                        rs.push_back(std::make_unique<rx_entry>(o.rx, o.seen));  // a clone keeps what was seen
                    } else {
                        rs.push_back(std::make_unique<rx_entry>(tx->subscribe(), version));
                    }
                }
                break;
            default:
                if (!rs.empty() && rng() % 3 == 0) {
                    const std::size_t i = pick(rng, rs.size());
                    if (rs[i]->f) points.note_pending(*rs[i]->f);
                    erase_at(rs, i);
                }
            }
            check(step);
            if (::testing::Test::HasFatalFailure()) return;
        }
        tx.reset();
        check(-1);
        for (auto& r : rs) {
            poll_rx(*r);  // the last change if unseen, else closed
            if (r->seen == version && !r->f) {
                r->f = std::make_unique<stepped<changed_t>>([&] { return r->rx.changed(); });
                EXPECT_THROW((void)r->f->poll(), af::closed_error);
            }
        }
    });
    points.expect_all_reached("watch");
}

// ---------------------------------------------------------------------------------------------
// Threads.

af::task<> send_one(mpsc::sender<int> tx, int v, std::vector<std::atomic<bool>>& delivered, int yields) {
    for (int i = 0; i < yields; ++i) co_await af::yield_now();
    auto r = co_await tx.send(v);
    // No suspension between the send completing and this store, so an abort cannot split them.
    if (r.is_sent()) delivered[static_cast<std::size_t>(v)].store(true);
}

af::task<std::vector<int>> receive_all(mpsc::receiver<int> rx) {
    std::vector<int> got;
    while (std::optional<int> v = co_await rx.recv()) got.push_back(*v);
    co_return got;
}

TEST(random_cancellation, mpsc_on_a_thread_pool_delivers_exactly_the_sends_that_completed_despite_aborts) {
    std::size_t total_delivered = 0;
    for (unsigned seed = 1; seed <= 5; ++seed) {
        SCOPED_TRACE("seed " + std::to_string(seed));
        std::mt19937 rng(seed);
        constexpr int n = 200;
        std::vector<std::atomic<bool>> delivered(n);
        std::vector<int> got;
        {
            af::executor::thread_pool pool(3);
            auto [tx, rx] = mpsc::bounded<int>(1 + seed % 3);
            auto receiver = pool.spawn(receive_all(std::move(rx)));
            std::vector<af::join_handle<void>> hs;
            for (int v = 0; v < n; ++v) {
                hs.push_back(pool.spawn(send_one(tx, v, delivered, static_cast<int>(rng() % 3))));
                if (rng() % 3 == 0) hs[pick(rng, hs.size())].abort();
            }
            { auto drop = std::move(tx); }  // the receiver ends once every send task is gone
            for (auto& h : hs) {
                try {
                    af::block_on(std::move(h));
                } catch (const af::cancelled_error&) {
                }
            }
            got = af::block_on(std::move(receiver));
        }
        std::vector<int> expect;
        for (int v = 0; v < n; ++v)
            if (delivered[static_cast<std::size_t>(v)].load()) expect.push_back(v);
        std::sort(got.begin(), got.end());
        EXPECT_EQ(got, expect) << "received exactly the completed sends, each once";
        total_delivered += got.size();
    }
    // The aborts really cancelled some sends, and not all of them.
    EXPECT_GT(total_delivered, 0u);
    EXPECT_LT(total_delivered, 5u * 200u);
}

// Holds a permit across yields before sending through it, so that aborts land on tasks that
// wait in line, tasks granted a slot they have not taken yet, and tasks holding a permit.
af::task<> reserve_one(mpsc::sender<int> tx, int v, std::vector<std::atomic<bool>>& delivered, int yields) {
    std::optional<mpsc::permit<int>> p = co_await tx.reserve();
    if (!p) co_return;
    for (int i = 0; i < yields; ++i) co_await af::yield_now();
    p->send(v);
    delivered[static_cast<std::size_t>(v)].store(true);  // no suspension since the send
}

TEST(random_cancellation, mpsc_permits_on_a_thread_pool_pass_slots_on_despite_aborts_and_all_come_back) {
    std::size_t total_delivered = 0;
    for (unsigned seed = 1; seed <= 5; ++seed) {
        SCOPED_TRACE("seed " + std::to_string(seed));
        std::mt19937 rng(seed);
        constexpr int n = 200;
        const std::size_t cap = 1 + seed % 3;
        std::vector<std::atomic<bool>> delivered(n);
        std::vector<int> got;
        {
            af::executor::thread_pool pool(3);
            auto [tx, rx] = mpsc::bounded<int>(cap);
            mpsc::sender<int> keep = tx;  // checks the free slots at the end
            std::vector<af::join_handle<void>> hs;
            for (int v = 0; v < n; ++v) {
                hs.push_back(pool.spawn(reserve_one(tx, v, delivered, static_cast<int>(rng() % 3))));
                if (rng() % 3 == 0) hs[pick(rng, hs.size())].abort();
            }
            { auto drop = std::move(tx); }
            // Receive on this thread while the pool sends, then until every task is done.
            af::test::wake_counter wc;
            af::context cx(wc.waker());
            std::size_t done = 0;
            while (done < hs.size()) {
                af::poll<std::optional<int>> r = rx.poll_next(cx);
                if (r.is_ready()) {
                    ASSERT_TRUE(r.value().has_value());
                    got.push_back(*r.value());
                }
                done = 0;
                for (auto& h : hs) done += h.is_finished() ? 1 : 0;
            }
            for (auto& h : hs) {
                try {
                    af::block_on(std::move(h));
                } catch (const af::cancelled_error&) {
                }
            }
            for (af::poll<std::optional<int>> r = rx.poll_next(cx); r.is_ready(); r = rx.poll_next(cx)) {
                ASSERT_TRUE(r.value().has_value());  // `keep` is still a sender
                got.push_back(*r.value());
            }
            // Every slot came back: from sends received, permits dropped unused, and slots
            // granted to aborted waiters and passed on.
            for (std::size_t i = 0; i < cap; ++i) EXPECT_TRUE(keep.try_send(-1).is_sent()) << "slot " << i;
            EXPECT_TRUE(keep.try_send(-1).is_full());
        }
        std::vector<int> expect;
        for (int v = 0; v < n; ++v)
            if (delivered[static_cast<std::size_t>(v)].load()) expect.push_back(v);
        std::sort(got.begin(), got.end());
        EXPECT_EQ(got, expect) << "received exactly the completed sends, each once";
        total_delivered += got.size();
    }
    EXPECT_GT(total_delivered, 0u);
    EXPECT_LT(total_delivered, 5u * 200u);
}

af::task<int> await_oneshot(af::abortable_future<ch::oneshot::receiver<int>> f) {
    try {
        std::optional<int> v = co_await std::move(f);
        co_return v ? *v : -2;  // -2: aborted
    } catch (const af::closed_error&) {
        co_return -1;  // the sender dropped without sending
    }
}

TEST(random_cancellation, oneshot_on_a_thread_pool_races_send_drop_and_abort_without_loss) {
    for (unsigned seed = 1; seed <= 5; ++seed) {
        SCOPED_TRACE("seed " + std::to_string(seed));
        std::mt19937 rng(seed);
        af::executor::thread_pool pool(3);
        constexpr int n = 100;
        std::vector<af::join_handle<int>> hs;
        std::vector<af::abort_handle> aborts;
        std::vector<ch::oneshot::sender<int>> txs;
        for (int i = 0; i < n; ++i) {
            auto [tx, rx] = ch::oneshot::channel<int>();
            auto [fut, handle] = af::abortable(std::move(rx));
            hs.push_back(pool.spawn(await_oneshot(std::move(fut))));
            aborts.push_back(std::move(handle));
            txs.push_back(std::move(tx));
        }
        enum class act { send, drop, abort_then_send };
        std::vector<act> acts;
        std::vector<bool> sent_ok(n, false);
        for (int i = 0; i < n; ++i) {
            const act a = static_cast<act>(rng() % 3);
            acts.push_back(a);
            auto tx = std::move(txs[static_cast<std::size_t>(i)]);
            if (a == act::drop) continue;
            if (a == act::abort_then_send) aborts[static_cast<std::size_t>(i)].abort();
            auto r = tx.send(i);
            if (r.is_sent()) sent_ok[static_cast<std::size_t>(i)] = true;
            else EXPECT_EQ(r.take_value(), i) << "the unsent value comes back";
        }
        for (int i = 0; i < n; ++i) {
            const int out = af::block_on(std::move(hs[static_cast<std::size_t>(i)]));
            switch (acts[static_cast<std::size_t>(i)]) {
            case act::send:
                EXPECT_TRUE(sent_ok[static_cast<std::size_t>(i)]);
                EXPECT_EQ(out, i) << "a sent value reaches its receiver";
                break;
            case act::drop:
                EXPECT_EQ(out, -1) << "the receiver sees the sender drop";
                break;
            case act::abort_then_send:
                // Either the abort landed first (the value is dropped with the receiver or handed
                // back) or the value was taken just before: never both, never neither.
                EXPECT_TRUE(out == -2 || (out == i && sent_ok[static_cast<std::size_t>(i)])) << "got " << out;
                break;
            }
        }
    }
}

}  // namespace

}  // namespace channel_random_cancellation_test
