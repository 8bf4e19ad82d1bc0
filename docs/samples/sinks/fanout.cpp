// SPDX-License-Identifier: MIT
// fanout: every event goes to an audit log and to a channel, and only when both have room.
#include <af/af.hpp>
#include <af/channel.hpp>
#include <af/sink.hpp>

#include <cassert>
#include <string>
#include <vector>

int main() {
    std::vector<std::string> audit;
    auto [tx, rx] = af::channel::mpsc::bounded<std::string>(1);
    auto both = af::sinks::collect_into(audit) | af::sinks::fanout(std::move(tx));

    af::block_on(af::sinks::send(both, std::string("login")));  // the channel is now full

    // Step the next send by hand: it waits for the channel, and the audit log does not get
    // "logout" early.
    af::waker w = af::waker::noop();
    af::context cx(w);
    auto f = af::sinks::send(both, std::string("logout"));
    assert(f.poll(cx).is_pending() && audit.size() == 1);

    assert(af::block_on(rx.recv()) == "login");  // frees the slot
    assert(f.poll(cx).is_ready());
    assert((audit == std::vector<std::string>{"login", "logout"}));
    assert(af::block_on(rx.recv()) == "logout");

    af::block_on(af::sinks::close(both));  // closes both: the log refuses items, rx ends
    assert(af::block_on(rx.recv()) == std::nullopt);
}
