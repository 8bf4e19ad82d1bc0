// SPDX-License-Identifier: MIT
// af::channel::oneshot: value delivery, drop or close of either side observed by the other,
// closed(), try_recv's recv_result, the void channel, waker replacement on re-poll, value lifetimes (each value destroyed exactly once, counted with
// moved-from copies), and races between the two ends on two threads (thousands of rounds; run
// under TSan and ASan in CI).
#include "af/channel/oneshot.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <stdexcept>
#include <thread>
#include <type_traits>
#include <utility>

#include "af/core/error.hpp"
#include "af/core/task.hpp"
#include "af/executor/block_on.hpp"
#include "af/test/drop_counter.hpp"
#include "af/test/wake_counter.hpp"

namespace channel_oneshot_test {

namespace {

static_assert(af::future<af::channel::oneshot::receiver<int>>);
static_assert(af::future<af::channel::oneshot::sender<int>::closed_future>);

// The pre-ADR-0015 names compile, with a deprecation warning, as the new types.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
static_assert(std::is_same_v<af::channel::oneshot_sender<int>, af::channel::oneshot::sender<int>>);
static_assert(std::is_same_v<af::channel::oneshot_receiver<int>, af::channel::oneshot::receiver<int>>);
#pragma GCC diagnostic pop

TEST(oneshot, receiver_is_pending_then_woken_then_ready_with_the_value) {
    auto [tx, rx] = af::channel::oneshot::channel<std::string>();
    af::test::wake_counter wc;
    af::context cx(wc.waker());
    EXPECT_TRUE(rx.poll(cx).is_pending());
    EXPECT_EQ(wc.count(), 0u);
    EXPECT_TRUE(tx.send("hi"));
    EXPECT_EQ(wc.count(), 1u);
    EXPECT_EQ(rx.poll(cx).value(), "hi");
    EXPECT_EQ(wc.clones_alive(), 0u);
}

TEST(oneshot, value_sent_before_the_first_poll_is_ready_at_once) {
    auto [tx, rx] = af::channel::oneshot::channel<int>();
    EXPECT_TRUE(tx.send(7));
    EXPECT_EQ(af::block_on(std::move(rx)), 7);
}

TEST(oneshot, dropping_the_sender_unsent_wakes_the_receiver_which_throws_closed) {
    auto [tx, rx] = af::channel::oneshot::channel<int>();
    af::test::wake_counter wc;
    af::context cx(wc.waker());
    EXPECT_TRUE(rx.poll(cx).is_pending());
    { auto gone = std::move(tx); }
    EXPECT_EQ(wc.count(), 1u);
    try {
        (void)rx.poll(cx);
        FAIL() << "expected af::closed_error";
    } catch (const af::closed_error& e) {
        EXPECT_EQ(e.code(), af::errc::closed);
        EXPECT_STREQ(e.what(), "oneshot sender dropped without sending");
    }
    EXPECT_EQ(wc.clones_alive(), 0u);
}

TEST(oneshot, send_to_a_dropped_receiver_hands_the_value_back) {
    auto [tx, rx] = af::channel::oneshot::channel<std::unique_ptr<int>>();
    EXPECT_FALSE(tx.is_closed());
    { auto gone = std::move(rx); }
    EXPECT_TRUE(tx.is_closed());
    auto r = tx.send(std::make_unique<int>(5));
    EXPECT_FALSE(r);
    EXPECT_TRUE(r.is_closed());
    EXPECT_EQ(*r.take_value(), 5);
}

TEST(oneshot, closed_future_completes_when_the_receiver_drops) {
    auto [tx, rx] = af::channel::oneshot::channel<int>();
    auto closed = tx.closed();
    af::test::wake_counter wc;
    af::context cx(wc.waker());
    EXPECT_TRUE(closed.poll(cx).is_pending());
    EXPECT_TRUE(closed.poll(cx).is_pending());  // re-poll with the same waker does not re-clone
    EXPECT_EQ(wc.count(), 0u);
    { auto gone = std::move(rx); }
    EXPECT_EQ(wc.count(), 1u);
    EXPECT_TRUE(closed.poll(cx).is_ready());
}

TEST(oneshot, dropping_the_receiver_destroys_a_sent_but_unread_value) {
    af::test::drop_counter drops;
    auto [tx, rx] = af::channel::oneshot::channel<af::test::drop_counter::guard>();
    EXPECT_TRUE(tx.send(drops.make()));
    EXPECT_EQ(drops.count(), 0);
    { auto gone = std::move(rx); }
    EXPECT_EQ(drops.count(), 1);
}

TEST(oneshot, try_recv_is_empty_then_has_the_value) {
    auto [tx, rx] = af::channel::oneshot::channel<int>();
    EXPECT_TRUE(rx.try_recv().is_empty());
    EXPECT_TRUE(tx.send(3));
    auto r = rx.try_recv();
    ASSERT_TRUE(r.is_received());
    EXPECT_EQ(r.take_value(), 3);
}

TEST(oneshot, try_recv_is_closed_once_the_sender_is_gone_and_does_not_throw) {
    auto [tx, rx] = af::channel::oneshot::channel<int>();
    { auto gone = std::move(tx); }
    EXPECT_TRUE(rx.try_recv().is_closed());
    EXPECT_TRUE(rx.try_recv().is_closed());  // asking again changes nothing
    EXPECT_THROW((void)af::block_on(std::move(rx)), af::closed_error);
}

// Not an assert: this must hold with -DNDEBUG too (it used to dereference a null block).
TEST(oneshot, try_recv_after_the_value_was_taken_is_closed) {
    auto [tx, rx] = af::channel::oneshot::channel<int>();
    EXPECT_TRUE(tx.send(1));
    EXPECT_EQ(rx.try_recv().take_value(), 1);
    EXPECT_TRUE(rx.try_recv().is_closed());
    EXPECT_TRUE(rx.try_recv().is_closed());
}

TEST(oneshot, try_recv_after_the_receiver_completed_is_closed_and_a_second_poll_is_a_logic_error) {
    auto [tx, rx] = af::channel::oneshot::channel<int>();
    EXPECT_TRUE(tx.send(1));
    af::test::wake_counter wc;
    af::context cx(wc.waker());
    EXPECT_EQ(rx.poll(cx).value(), 1);
    EXPECT_TRUE(rx.try_recv().is_closed());
    EXPECT_THROW((void)rx.poll(cx), std::logic_error);
}

TEST(oneshot, a_second_send_is_a_logic_error) {
    auto [tx, rx] = af::channel::oneshot::channel<int>();
    EXPECT_TRUE(tx.send(1));
    EXPECT_THROW((void)tx.send(2), std::logic_error);
    EXPECT_TRUE(tx.is_closed());
}

// --- close() ------------------------------------------------------------------------------------

TEST(oneshot, close_makes_the_send_fail_and_hand_the_value_back) {
    auto [tx, rx] = af::channel::oneshot::channel<std::unique_ptr<int>>();
    EXPECT_FALSE(tx.is_closed());
    rx.close();
    EXPECT_TRUE(tx.is_closed());
    auto r = tx.send(std::make_unique<int>(6));
    ASSERT_TRUE(r.is_closed());
    EXPECT_EQ(*r.take_value(), 6);
    EXPECT_TRUE(rx.try_recv().is_closed());
}

TEST(oneshot, close_wakes_and_completes_the_closed_future_once) {
    auto [tx, rx] = af::channel::oneshot::channel<int>();
    auto closed = tx.closed();
    af::test::wake_counter wc;
    af::context cx(wc.waker());
    EXPECT_TRUE(closed.poll(cx).is_pending());
    rx.close();
    EXPECT_EQ(wc.count(), 1u);
    EXPECT_TRUE(closed.poll(cx).is_ready());
    rx.close();  // idempotent
    { auto gone = std::move(rx); }
    EXPECT_EQ(wc.count(), 1u) << "the drop after a close wakes nobody again";
}

TEST(oneshot, a_value_sent_before_close_can_still_be_received) {
    auto [tx, rx] = af::channel::oneshot::channel<std::string>();
    EXPECT_TRUE(tx.send("kept"));
    rx.close();
    EXPECT_EQ(af::block_on(std::move(rx)), "kept");
}

TEST(oneshot, awaiting_a_closed_receiver_with_no_value_throws_closed_at_once) {
    auto [tx, rx] = af::channel::oneshot::channel<int>();
    af::test::wake_counter wc;
    af::context cx(wc.waker());
    EXPECT_TRUE(rx.poll(cx).is_pending());
    EXPECT_EQ(wc.clones_alive(), 1u);
    rx.close();
    EXPECT_EQ(wc.clones_alive(), 0u) << "a closed receiver never waits again: its waker is released";
    try {
        (void)rx.poll(cx);
        FAIL() << "expected af::closed_error";
    } catch (const af::closed_error& e) {
        EXPECT_STREQ(e.what(), "oneshot receiver closed before a send");
    }
    EXPECT_TRUE(tx.is_closed());
    EXPECT_FALSE(tx.send(1));
}

TEST(oneshot, closing_a_receiver_that_already_completed_does_nothing) {
    auto [tx, rx] = af::channel::oneshot::channel<int>();
    EXPECT_TRUE(tx.send(2));
    EXPECT_EQ(rx.try_recv().take_value(), 2);
    rx.close();
    EXPECT_TRUE(rx.try_recv().is_closed());
}

// --- cancellation -------------------------------------------------------------------------------

TEST(oneshot, dropping_a_pending_receiver_releases_its_waker_while_the_sender_lives) {
    auto [tx, rx] = af::channel::oneshot::channel<int>();
    af::test::wake_counter wc;
    {
        auto r = std::move(rx);
        af::context cx(wc.waker());
        EXPECT_TRUE(r.poll(cx).is_pending());
        EXPECT_EQ(wc.clones_alive(), 1u);
    }
    EXPECT_EQ(wc.clones_alive(), 0u);
    EXPECT_TRUE(tx.is_closed());
    EXPECT_FALSE(tx.send(1));
    EXPECT_EQ(wc.count(), 0u);
}

TEST(oneshot, dropping_a_pending_closed_future_loses_nothing_and_its_waker_goes_with_the_channel) {
    auto [tx, rx] = af::channel::oneshot::channel<int>();
    af::test::wake_counter wc;
    {
        auto closed = tx.closed();
        af::context cx(wc.waker());
        EXPECT_TRUE(closed.poll(cx).is_pending());
    }
    EXPECT_TRUE(tx.send(3));
    EXPECT_EQ(af::block_on(std::move(rx)), 3);
    EXPECT_EQ(wc.clones_alive(), 0u);
}

TEST(oneshot, closed_of_a_spent_sender_is_ready_at_once) {
    auto [tx, rx] = af::channel::oneshot::channel<int>();
    EXPECT_TRUE(tx.send(1));
    af::test::wake_counter wc;
    af::context cx(wc.waker());
    auto closed = tx.closed();
    EXPECT_TRUE(closed.poll(cx).is_ready());
}

// --- void ---------------------------------------------------------------------------------------

static_assert(af::future<af::channel::oneshot::receiver<void>>);
static_assert(std::is_same_v<af::channel::oneshot::receiver<void>::output, void>);

TEST(oneshot, a_void_channel_signals_once) {
    auto [tx, rx] = af::channel::oneshot::channel<void>();
    af::test::wake_counter wc;
    af::context cx(wc.waker());
    EXPECT_TRUE(rx.poll(cx).is_pending());
    EXPECT_TRUE(rx.try_recv().is_empty());
    EXPECT_TRUE(tx.send());
    EXPECT_EQ(wc.count(), 1u);
    EXPECT_TRUE(rx.poll(cx).is_ready());
    EXPECT_TRUE(rx.try_recv().is_closed());
}

TEST(oneshot, a_void_channel_reports_a_dropped_sender_and_a_gone_receiver) {
    {
        auto [tx, rx] = af::channel::oneshot::channel<void>();
        { auto gone = std::move(tx); }
        EXPECT_THROW(af::block_on(std::move(rx)), af::closed_error);
    }
    {
        auto [tx, rx] = af::channel::oneshot::channel<void>();
        rx.close();
        af::channel::send_result<void> r = tx.send();
        EXPECT_FALSE(r);
        EXPECT_TRUE(r.is_closed());
    }
    {
        auto [tx, rx] = af::channel::oneshot::channel<void>();
        EXPECT_TRUE(tx.send());
        EXPECT_TRUE(rx.try_recv().is_received());
    }
}

TEST(oneshot, a_void_signal_crosses_threads) {
    for (int i = 0; i < 200; ++i) {
        auto [tx, rx] = af::channel::oneshot::channel<void>();
        std::thread t([tx = std::move(tx)]() mutable { EXPECT_TRUE(tx.send()); });
        EXPECT_NO_THROW(af::block_on(std::move(rx)));
        t.join();
    }
}

TEST(oneshot, co_await_of_the_receiver_in_a_task_gets_the_value_from_another_thread) {
    for (int i = 0; i < 200; ++i) {
        auto [tx, rx] = af::channel::oneshot::channel<int>();
        std::thread t([tx = std::move(tx), i]() mutable { EXPECT_TRUE(tx.send(i)); });
        auto consume = [](af::channel::oneshot::receiver<int> r) -> af::task<int> { co_return co_await std::move(r); };
        EXPECT_EQ(af::block_on(consume(std::move(rx))), i);
        t.join();
    }
}

TEST(oneshot, both_sides_dropped_concurrently_from_two_threads_is_clean) {
    for (int i = 0; i < 200; ++i) {
        auto [tx, rx] = af::channel::oneshot::channel<std::string>();
        std::thread t([tx = std::move(tx)]() mutable { (void)tx.send("x"); });
        { auto gone = std::move(rx); }
        t.join();
    }
}

// --- waker replacement --------------------------------------------------------------------------

TEST(oneshot, receiver_re_polled_with_a_new_waker_is_woken_on_the_new_one_only) {
    auto [tx, rx] = af::channel::oneshot::channel<int>();
    af::test::wake_counter first, second;
    af::context cx1(first.waker()), cx2(second.waker());
    EXPECT_TRUE(rx.poll(cx1).is_pending());
    EXPECT_TRUE(rx.poll(cx2).is_pending());  // the task moved: the stored waker is replaced
    EXPECT_EQ(first.clones_alive(), 0u) << "the old waker is released when replaced";
    EXPECT_TRUE(tx.send(4));
    EXPECT_EQ(first.count(), 0u);
    EXPECT_EQ(second.count(), 1u);
    EXPECT_EQ(rx.poll(cx2).value(), 4);
    EXPECT_EQ(second.clones_alive(), 0u);
}

TEST(oneshot, receiver_re_polled_with_the_same_waker_keeps_one_clone) {
    auto [tx, rx] = af::channel::oneshot::channel<int>();
    af::test::wake_counter wc;
    af::context cx(wc.waker());
    EXPECT_TRUE(rx.poll(cx).is_pending());
    EXPECT_TRUE(rx.poll(cx).is_pending());
    EXPECT_EQ(wc.clones_alive(), 1u);
    { auto gone = std::move(tx); }
    EXPECT_EQ(wc.count(), 1u);
    EXPECT_THROW((void)rx.poll(cx), af::closed_error);
    EXPECT_EQ(wc.clones_alive(), 0u);
}

TEST(oneshot, closed_future_re_polled_with_a_new_waker_is_woken_on_the_new_one_only) {
    auto [tx, rx] = af::channel::oneshot::channel<int>();
    auto closed = tx.closed();
    af::test::wake_counter first, second;
    af::context cx1(first.waker()), cx2(second.waker());
    EXPECT_TRUE(closed.poll(cx1).is_pending());
    EXPECT_TRUE(closed.poll(cx2).is_pending());
    { auto gone = std::move(rx); }
    EXPECT_EQ(first.count(), 0u);
    EXPECT_EQ(second.count(), 1u);
    EXPECT_TRUE(closed.poll(cx2).is_ready());
    EXPECT_TRUE(tx.is_closed());
}

TEST(oneshot, closed_future_outlives_the_sender_and_its_send) {
    auto [tx, rx] = af::channel::oneshot::channel<int>();
    auto closed = tx.closed();
    af::test::wake_counter wc;
    af::context cx(wc.waker());
    EXPECT_TRUE(closed.poll(cx).is_pending());
    EXPECT_TRUE(tx.send(1));
    { auto spent = std::move(tx); }
    EXPECT_TRUE(closed.poll(cx).is_pending());
    { auto gone = std::move(rx); }  // drops the unread value
    EXPECT_EQ(wc.count(), 1u);
    EXPECT_TRUE(closed.poll(cx).is_ready());
}

TEST(oneshot, receiver_failing_closed_completes_the_closed_future) {
    auto [tx, rx] = af::channel::oneshot::channel<int>();
    auto closed = tx.closed();
    af::test::wake_counter wc;
    af::context cx(wc.waker());
    EXPECT_TRUE(closed.poll(cx).is_pending());
    { auto gone = std::move(tx); }
    EXPECT_THROW((void)rx.poll(cx), af::closed_error);
    EXPECT_TRUE(closed.poll(cx).is_ready());
}

// --- value lifetimes ----------------------------------------------------------------------------

// Counts every object made (moves included) and every destructor run, and traps a destructor
// run twice on one object.
struct lifetimes {
    std::atomic<int> made{0};
    std::atomic<int> destroyed{0};
};

class tracked {
public:
    tracked(lifetimes& l, int v) : l_(&l), v_(v) { l_->made.fetch_add(1); }
    tracked(tracked&& o) noexcept : l_(o.l_), v_(o.v_) { l_->made.fetch_add(1); }
    tracked& operator=(tracked&&) = delete;
    ~tracked() {
        EXPECT_EQ(magic_, live) << "destroyed twice";
        magic_ = dead;
        l_->destroyed.fetch_add(1);
    }
    int value() const { return v_; }

private:
    static constexpr std::uint32_t live = 0x600dcafe, dead = 0xdeadbeef;
    lifetimes* l_;
    int v_;
    std::uint32_t magic_ = live;
};

TEST(oneshot, every_value_is_destroyed_exactly_once_on_each_path) {
    lifetimes l;
    {  // received
        auto [tx, rx] = af::channel::oneshot::channel<tracked>();
        EXPECT_TRUE(tx.send(tracked(l, 1)));
        EXPECT_EQ(af::block_on(std::move(rx)).value(), 1);
    }
    {  // try_recv
        auto [tx, rx] = af::channel::oneshot::channel<tracked>();
        EXPECT_TRUE(tx.send(tracked(l, 2)));
        EXPECT_EQ(rx.try_recv().take_value().value(), 2);
    }
    {  // dropped unread with the receiver, while a closed() future keeps the block
        auto [tx, rx] = af::channel::oneshot::channel<tracked>();
        auto closed = tx.closed();
        EXPECT_TRUE(tx.send(tracked(l, 3)));
        const int before = l.destroyed.load();
        { auto gone = std::move(rx); }
        EXPECT_EQ(l.destroyed.load(), before + 1) << "destroyed with the receiver, not with the block";
    }
    {  // handed back
        auto [tx, rx] = af::channel::oneshot::channel<tracked>();
        { auto gone = std::move(rx); }
        auto r = tx.send(tracked(l, 4));
        EXPECT_EQ(r.take_value().value(), 4);
    }
    {  // never sent
        auto [tx, rx] = af::channel::oneshot::channel<tracked>();
    }
    EXPECT_EQ(l.made.load(), l.destroyed.load());
}

// --- the narrow windows, stepped deterministically ----------------------------------------------
// User code that runs inside the channel's protocol (cloning the new waker, moving the value in)
// lets a test act for "the other thread" at exactly the worst moment.

// A waker whose clone runs a hook once (then counts wakes like wake_counter).
struct hook_waker {
    std::function<void()> on_clone;
    int wakes = 0;

    af::waker waker() { return af::waker::from_raw(af::raw_waker{this, &vtable}); }

    static af::raw_waker clone(void* d) {
        auto* h = static_cast<hook_waker*>(d);
        if (auto f = std::exchange(h->on_clone, nullptr)) f();
        return af::raw_waker{d, &vtable};
    }
    static void wake(void* d) { ++static_cast<hook_waker*>(d)->wakes; }
    static void drop(void*) {}
    static constexpr af::raw_waker_vtable vtable{&clone, &wake, &wake, &drop};
};

TEST(oneshot, sender_finishing_while_the_receiver_installs_its_new_waker_is_seen_by_that_poll) {
    for (const bool sends : {false, true}) {
        auto ch = af::channel::oneshot::channel<int>();
        auto& tx = ch.first;
        auto& rx = ch.second;
        af::test::wake_counter first;
        af::context cx1(first.waker());
        EXPECT_TRUE(rx.poll(cx1).is_pending());
        hook_waker second;
        second.on_clone = [&, sends] {  // between taking the slot back and publishing it again
            if (sends) {
                EXPECT_TRUE(tx.send(5));
            } else {
                auto gone = std::move(tx);
            }
        };
        auto w = second.waker();
        af::context cx2(w);
        if (sends) {
            EXPECT_EQ(rx.poll(cx2).value(), 5);
        } else {
            EXPECT_THROW((void)rx.poll(cx2), af::closed_error);
        }
        EXPECT_EQ(first.count(), 0u) << "the sender saw no published waker";
        EXPECT_EQ(second.wakes, 0);
    }
}

TEST(oneshot, receiver_dropping_while_a_closed_future_installs_its_new_waker_is_seen_by_that_poll) {
    auto ch = af::channel::oneshot::channel<int>();
    auto closed = ch.first.closed();
    af::test::wake_counter first;
    af::context cx1(first.waker());
    EXPECT_TRUE(closed.poll(cx1).is_pending());
    auto rx_slot = std::make_optional(std::move(ch.second));
    hook_waker second;
    second.on_clone = [&] { rx_slot.reset(); };
    auto w = second.waker();
    af::context cx2(w);
    EXPECT_TRUE(closed.poll(cx2).is_ready());
    EXPECT_EQ(first.count(), 0u);
    EXPECT_EQ(second.wakes, 0);
}

// A value whose move constructor runs a hook once: the send moves it into the channel between
// checking for the receiver and publishing.
struct hooked_value {
    hooked_value(std::function<void()>* hook, tracked t) : hook_(hook), t_(std::move(t)) {}
    hooked_value(hooked_value&& o) : hook_(o.hook_), t_(std::move(o.t_)) {
        if (auto f = std::exchange(*hook_, nullptr)) f();
    }
    std::function<void()>* hook_;
    tracked t_;
};

TEST(oneshot, receiver_dropping_while_the_value_moves_in_gets_the_value_handed_back) {
    lifetimes l;
    {
        auto [tx, rx] = af::channel::oneshot::channel<hooked_value>();
        std::optional<af::channel::oneshot::receiver<hooked_value>> rx_slot(std::move(rx));
        std::function<void()> hook = [&] { rx_slot.reset(); };
        auto r = tx.send(hooked_value(&hook, tracked(l, 9)));
        ASSERT_TRUE(r.is_closed());
        EXPECT_EQ(r.take_value().t_.value(), 9);
        EXPECT_TRUE(tx.is_closed());
    }
    EXPECT_EQ(l.made.load(), l.destroyed.load());
}

// --- races on two threads -----------------------------------------------------------------------

// Spins `n` steps: staggers the two sides by a different few nanoseconds each round, so that
// the rounds cover the narrow windows between one side's load and its read-modify-write.
void stagger(int n) {
    std::atomic<int> sink{0};
    for (int k = 0; k < n; ++k) sink.fetch_add(1);
}

// Waits until `cond` holds: spins first (so the two sides meet while both are running), then
// yields (so a busy machine still makes progress).
template <class Cond>
void await_true(Cond cond) {
    for (int k = 0; !cond(); ++k) {
        if (k > 1000) std::this_thread::yield();
    }
}

// Runs `a` and `b` on two threads released together, `rounds` times. One helper thread for
// all rounds: starting a thread per round would dominate the time under the sanitizers.
template <class Setup>
void race(int rounds, Setup setup) {
    std::function<void()> a;
    std::atomic<int> turn{0};     // 2i+1: round i's `a` is set; 2i+2: it has run
    std::atomic<int> arrived{0};  // both sides count in; round i starts at 2i+2
    std::thread helper([&] {
        for (int i = 0; i < rounds; ++i) {
            await_true([&] { return turn.load() == 2 * i + 1; });
            arrived.fetch_add(1);
            await_true([&] { return arrived.load() >= 2 * i + 2; });
            stagger(i * 7 % 61);
            a();
            a = nullptr;
            turn.store(2 * i + 2);
        }
    });
    for (int i = 0; i < rounds; ++i) {
        auto [first, second] = setup(i);
        a = std::move(first);
        turn.store(2 * i + 1);
        arrived.fetch_add(1);
        await_true([&] { return arrived.load() >= 2 * i + 2; });
        stagger(i * 13 % 67);
        second();
        await_true([&] { return turn.load() == 2 * i + 2; });
    }
    helper.join();
}

constexpr int rounds = 4000;

TEST(oneshot, send_racing_the_receiver_drop_delivers_or_hands_back_and_destroys_once) {
    lifetimes l;
    std::atomic<int> sent{0}, handed_back{0};
    race(rounds, [&](int i) {
        auto ch = af::channel::oneshot::channel<tracked>();
        auto tx = std::make_shared<af::channel::oneshot::sender<tracked>>(std::move(ch.first));
        auto rx = std::make_shared<std::optional<af::channel::oneshot::receiver<tracked>>>(std::move(ch.second));
        auto send = [&, tx, i] {
            auto r = tx->send(tracked(l, i));
            if (r) sent.fetch_add(1);
            else {
                EXPECT_EQ(r.take_value().value(), i);
                handed_back.fetch_add(1);
            }
        };
        auto drop = [rx] { rx->reset(); };
        return std::pair{std::function<void()>(send), std::function<void()>(drop)};
    });
    EXPECT_EQ(sent.load() + handed_back.load(), rounds);
    EXPECT_EQ(l.made.load(), l.destroyed.load());
}

TEST(oneshot, sender_finishing_while_the_receiver_changes_its_waker_wakes_the_last_one) {
    for (const bool sends : {false, true}) {
        race(rounds, [&](int i) {
            auto ch = af::channel::oneshot::channel<std::string>();
            auto tx = std::make_shared<std::optional<af::channel::oneshot::sender<std::string>>>(std::move(ch.first));
            auto rx = std::make_shared<af::channel::oneshot::receiver<std::string>>(std::move(ch.second));
            auto first = std::make_shared<af::test::wake_counter>();
            af::context cx1(first->waker());
            EXPECT_TRUE(rx->poll(cx1).is_pending());
            auto finish = [tx, sends, i] {
                if (sends) {
                    EXPECT_TRUE((*tx)->send(std::to_string(i)));
                }
                tx->reset();
            };
            auto repoll = [rx, first, sends, i] {
                af::test::wake_counter second;
                af::context cx2(second.waker());
                auto check_ready = [&](af::poll<std::string> p) { EXPECT_EQ(p.value(), std::to_string(i)); };
                try {
                    auto p = rx->poll(cx2);
                    if (p.is_ready()) {
                        EXPECT_TRUE(sends);
                        check_ready(std::move(p));
                        return;
                    }
                    // Pending: the new waker was published before the sender finished, so the
                    // sender must wake it, and not the replaced one.
                    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
                    while (second.count() == 0 && std::chrono::steady_clock::now() < deadline) std::this_thread::yield();
                    ASSERT_EQ(second.count(), 1u) << "lost wake-up";
                    EXPECT_EQ(first->count(), 0u);
                    check_ready(rx->poll(cx2));
                    EXPECT_TRUE(sends);
                } catch (const af::closed_error& e) {
                    EXPECT_EQ(e.code(), af::errc::closed);
                    EXPECT_FALSE(sends);
                }
            };
            return std::pair{std::function<void()>(finish), std::function<void()>(repoll)};
        });
    }
}

TEST(oneshot, closed_future_re_polled_while_the_receiver_drops_wakes_the_last_waker) {
    race(rounds, [&](int) {
        auto ch = af::channel::oneshot::channel<int>();
        auto tx = std::make_shared<af::channel::oneshot::sender<int>>(std::move(ch.first));
        auto rx = std::make_shared<std::optional<af::channel::oneshot::receiver<int>>>(std::move(ch.second));
        auto closed = std::make_shared<af::channel::oneshot::sender<int>::closed_future>(tx->closed());
        auto first = std::make_shared<af::test::wake_counter>();
        af::context cx1(first->waker());
        EXPECT_TRUE(closed->poll(cx1).is_pending());
        auto drop = [rx] { rx->reset(); };
        auto repoll = [tx, closed, first] {
            af::test::wake_counter second;
            af::context cx2(second.waker());
            if (closed->poll(cx2).is_ready()) {
                EXPECT_TRUE(tx->is_closed());
                return;
            }
            const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
            while (second.count() == 0 && std::chrono::steady_clock::now() < deadline) std::this_thread::yield();
            ASSERT_EQ(second.count(), 1u) << "lost wake-up";
            EXPECT_EQ(first->count(), 0u);
            EXPECT_TRUE(closed->poll(cx2).is_ready());
            EXPECT_TRUE(tx->is_closed());
        };
        return std::pair{std::function<void()>(drop), std::function<void()>(repoll)};
    });
}

TEST(oneshot, send_racing_the_receivers_poll_on_another_thread_delivers_each_value_once) {
    lifetimes l;
    std::atomic<int> received{0};
    race(rounds, [&](int i) {
        auto ch = af::channel::oneshot::channel<tracked>();
        auto tx = std::make_shared<af::channel::oneshot::sender<tracked>>(std::move(ch.first));
        auto rx = std::make_shared<af::channel::oneshot::receiver<tracked>>(std::move(ch.second));
        auto send = [&, tx, i] { EXPECT_TRUE(tx->send(tracked(l, i))); };
        auto recv = [&, rx, i] {
            EXPECT_EQ(af::block_on(std::move(*rx)).value(), i);
            received.fetch_add(1);
        };
        return std::pair{std::function<void()>(send), std::function<void()>(recv)};
    });
    EXPECT_EQ(received.load(), rounds);
    EXPECT_EQ(l.made.load(), l.destroyed.load());
}

TEST(oneshot, close_racing_a_send_on_another_thread_delivers_or_hands_back_never_both) {
    lifetimes l;
    std::atomic<int> received{0}, handed_back{0};
    race(rounds, [&](int i) {
        auto ch = af::channel::oneshot::channel<tracked>();
        auto tx = std::make_shared<af::channel::oneshot::sender<tracked>>(std::move(ch.first));
        auto rx = std::make_shared<af::channel::oneshot::receiver<tracked>>(std::move(ch.second));
        auto closed = std::make_shared<af::channel::oneshot::sender<tracked>::closed_future>(tx->closed());
        auto send = [&, tx, i] {
            auto r = tx->send(tracked(l, i));
            if (!r) {
                EXPECT_EQ(r.take_value().value(), i);
                handed_back.fetch_add(1);
            }
        };
        auto close = [&, rx, closed, i] {
            rx->close();
            af::test::wake_counter wc;
            af::context cx(wc.waker());
            EXPECT_TRUE(closed->poll(cx).is_ready());
            // Either the send came first (its value is here) or it fails: the close decided.
            auto r = rx->try_recv();
            if (r) {
                EXPECT_EQ(r.take_value().value(), i);
                received.fetch_add(1);
            } else {
                EXPECT_TRUE(r.is_closed());
            }
        };
        return std::pair{std::function<void()>(send), std::function<void()>(close)};
    });
    EXPECT_EQ(received.load() + handed_back.load(), rounds);
    EXPECT_EQ(l.made.load(), l.destroyed.load());
}

}  // namespace

}  // namespace channel_oneshot_test
