// SPDX-License-Identifier: MIT
// A hand-written leaf future, polled by hand to see what "pending" means.
#include <af/af.hpp>

#include <atomic>
#include <cassert>

// Ready after `n` polls. Each time it says pending it wakes its task at once, because nobody
// else will: returning pending without arranging a wake-up would leave the task asleep forever.
class countdown {
public:
    using output = int;  // what co_await gives back

    explicit countdown(int n) : left_(n) {}

    af::poll<int> poll(af::context& cx) {
        ++polls_;
        if (left_ == 0) return polls_;  // ready: report how many polls it took
        --left_;
        cx.waker().wake_by_ref();  // "poll me again": the contract behind every pending
        return af::pending;
    }

private:
    int left_;
    int polls_ = 0;
};
static_assert(af::future<countdown>);

// A waker that only counts its wakes, so that we can watch the protocol.
struct wake_counter final : af::wakeable {
    std::atomic<int> wakes{0};
    void wake() noexcept override { ++wakes; }
};

int main() {
    auto counter = af::make_wakeable<wake_counter>();
    af::waker w = af::waker::from(counter);
    af::context cx(w);

    countdown f(2);
    assert(f.poll(cx).is_pending() && counter->wakes == 1);
    assert(f.poll(cx).is_pending() && counter->wakes == 2);
    af::poll<int> p = f.poll(cx);
    assert(p.is_ready() && *p == 3 && counter->wakes == 2);

    // An executor does exactly this loop for you: poll, and poll again only after a wake.
    assert(af::block_on(countdown(5)) == 6);
}
