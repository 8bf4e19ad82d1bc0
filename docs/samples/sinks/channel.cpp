// SPDX-License-Identifier: MIT
// An mpsc sender is a sink: `with` adapts its item type, `send_all` drains a stream into it,
// `close` lets the receiver end, and a gone receiver is an af::closed_error.
#include <af/af.hpp>
#include <af/channel.hpp>
#include <af/sink.hpp>
#include <af/stream.hpp>

#include <cassert>
#include <string>
#include <thread>
#include <vector>

int main() {
    auto [tx, rx] = af::channel::mpsc::bounded<std::string>(2);
    std::thread producer([tx = std::move(tx)]() mutable {
        auto out =
            std::move(tx) | af::sinks::with([](int n) { return "item " + std::to_string(n); });
        std::vector<int> numbers{1, 2, 3, 4, 5};
        // Waits whenever two items are queued: the channel's backpressure paces the stream.
        af::block_on(af::sinks::send_all(out, af::streams::iter(numbers)));
        af::block_on(af::sinks::close(out));  // the only sender: the receiver can end
    });
    std::vector<std::string> got;
    while (std::optional<std::string> s = af::block_on(rx.recv())) got.push_back(*s);
    producer.join();
    assert(got.size() == 5 && got.front() == "item 1" && got.back() == "item 5");

    // Nobody listens any more: the sink says so with an exception.
    auto [tx2, rx2] = af::channel::mpsc::bounded<int>(1);
    { auto gone = std::move(rx2); }
    bool failed = false;
    try {
        af::block_on(af::sinks::send(tx2, 1));
    } catch (const af::closed_error&) {
        failed = true;
    }
    assert(failed);
}
