// SPDX-License-Identifier: MIT
// Conditional select branches: af::when(cond, f) takes part only while cond holds.
#include <af/af.hpp>
#include <af/channel/mpsc.hpp>
#include <af/future/select.hpp>
#include <af/stream/next.hpp>
#include <af/stream/stream_map.hpp>
#include <af/stream/iter.hpp>

#include <cassert>
#include <string>
#include <vector>

using feed = af::streams::iter_stream<std::vector<int>>;

af::task<std::vector<std::string>> serve() {
    af::streams::stream_map<std::string, feed> subs;  // starts empty: no subscriptions yet
    std::vector<std::string> log;
    int commands = 0;
    for (;;) {
        // An empty map would answer "ended" at once; the branch is off until it has a stream.
        auto won = co_await af::select(af::when(!subs.empty(), subs.next()), af::yield_now());
        if (won.index() == 0) {
            // std::nullopt when the last subscription ended: the branch is off from then on.
            if (auto& kv = std::get<0>(won)) log.push_back(kv->first + " " + std::to_string(kv->second));
        } else if (++commands == 1) {
            subs.insert("news", af::streams::iter(std::vector<int>{1, 2}));  // a SUBSCRIBE
        } else if (subs.empty()) {
            break;
        }
    }
    co_return log;
}

int main() {
    auto log = af::block_on(serve());
    assert((log == std::vector<std::string>{"news 1", "news 2"}));

    // With every branch disabled nothing could ever finish: select throws instead of hanging.
    bool threw = false;
    try {
        af::block_on(af::select(af::when(false, af::ready(1))));
    } catch (const af::all_branches_disabled&) {
        threw = true;
    }
    assert(threw);
}
