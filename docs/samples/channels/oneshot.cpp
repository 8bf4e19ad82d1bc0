// SPDX-License-Identifier: MIT
// oneshot: a reply from another thread; a dropped sender is an af::closed_error at the co_await;
// try_recv reports instead of throwing; a receiver can close early; a void channel is a signal.
#include <af/channel.hpp>
#include <af/af.hpp>

#include <cassert>
#include <thread>

af::task<int> wait_for(af::channel::oneshot::receiver<int> rx) {
    co_return co_await std::move(rx);  // the receiver is the future
}

int main() {
    auto [tx, rx] = af::channel::oneshot::channel<int>();
    std::thread worker([tx = std::move(tx)]() mutable {
        auto r = tx.send(6 * 7);
        assert(r);  // the receiver is still there
    });
    assert(af::block_on(wait_for(std::move(rx))) == 42);
    worker.join();

    auto [tx2, rx2] = af::channel::oneshot::channel<int>();
    assert(rx2.try_recv().is_empty());  // nothing yet, but the sender may still send
    { auto dropped = std::move(tx2); }  // gone without sending
    assert(rx2.try_recv().is_closed());  // a value, not an exception
    bool closed = false;
    try {
        af::block_on(std::move(rx2));
    } catch (const af::closed_error& e) {  // "oneshot sender dropped without sending"
        closed = e.code() == af::errc::closed;
    }
    assert(closed);

    auto [tx3, rx3] = af::channel::oneshot::channel<int>();
    rx3.close();  // not interested any more: the producer can see it and stop
    assert(tx3.is_closed());
    auto back = tx3.send(1);
    assert(back.is_closed() && back.take_value() == 1);  // the value comes back

    auto [done, on_done] = af::channel::oneshot::channel<void>();
    std::thread signaller([done = std::move(done)]() mutable {
        [[maybe_unused]] bool delivered = static_cast<bool>(done.send());  // no value: just "it happened"
        assert(delivered);
    });
    af::block_on(std::move(on_done));
    signaller.join();
}
