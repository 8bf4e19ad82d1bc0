// SPDX-License-Identifier: MIT
// stream_map: many keyed streams read as one, e.g. the channels a client subscribed to.
#include <af/af.hpp>
#include <af/channel/broadcast.hpp>
#include <af/stream/stream_map.hpp>

#include <cassert>
#include <string>
#include <vector>

namespace bc = af::channel::broadcast;

af::task<std::vector<std::string>> subscriber(bc::receiver<std::string> news, bc::receiver<std::string> sport) {
    af::streams::stream_map<std::string, bc::receiver<std::string>> subs;
    subs.insert("news", std::move(news));
    subs.insert("sport", std::move(sport));
    std::vector<std::string> got;
    // Items are (key, item); a broadcast receiver's items are recv_results (a value or a lag).
    while (auto kv = co_await subs.next()) {
        auto& [channel, r] = *kv;
        if (!r.is_received()) continue;  // lagged: some messages were lost to this subscriber
        std::string msg = r.take_value();
        got.push_back(channel + ": " + msg);
        if (msg == "bye") subs.remove(channel);  // UNSUBSCRIBE, from inside the loop
    }
    co_return got;  // the map is empty: every channel was removed or closed
}

int main() {
    auto [news_tx, news_rx] = bc::channel<std::string>(8);
    auto [sport_tx, sport_rx] = bc::channel<std::string>(8);
    (void)news_tx.send("rain");
    (void)sport_tx.send("goal");
    (void)sport_tx.send("bye");
    (void)news_tx.send("bye");
    (void)sport_tx.send("never seen: sport was unsubscribed");
    auto got = af::block_on(subscriber(std::move(news_rx), std::move(sport_rx)));
    assert(got.size() == 4);
    // Each channel's messages stay in order; the map serves the channels in turn.
    assert((got == std::vector<std::string>{"news: rain", "sport: goal", "news: bye", "sport: bye"}));
}
