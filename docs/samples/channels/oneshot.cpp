// SPDX-License-Identifier: MIT
// oneshot: a reply from another thread; a dropped sender is an error at the co_await.
#include <af/channel.hpp>
#include <af/af.hpp>

#include <cassert>
#include <thread>

af::task<int> wait_for(af::channel::oneshot_receiver<int> rx) {
    co_return co_await std::move(rx);  // the receiver is the future
}

int main() {
    auto [tx, rx] = af::channel::oneshot<int>();
    std::thread worker([tx = std::move(tx)]() mutable {
        auto r = tx.send(6 * 7);
        assert(r);  // the receiver is still there
    });
    assert(af::block_on(wait_for(std::move(rx))) == 42);
    worker.join();

    auto [tx2, rx2] = af::channel::oneshot<int>();
    { auto dropped = std::move(tx2); }  // gone without sending
    bool closed = false;
    try {
        af::block_on(std::move(rx2));
    } catch (const af::channel::recv_error& e) {
        closed = e.is_closed();
    }
    assert(closed);
}
