// SPDX-License-Identifier: MIT
// broadcast: every receiver sees every value, a lagging one learns how many it missed (a
// recv_result that is_lagged(), not an exception).
// watch: receivers see the latest value and wait for changes.
#include <af/channel.hpp>
#include <af/af.hpp>

#include <cassert>
#include <cstdint>
#include <string>

int main() {
    auto [tx, rx1] = af::channel::broadcast::channel<int>(2);  // the ring keeps the last 2 values
    assert(tx.send(1).receiver_count() == 1);
    auto rx2 = tx.subscribe();  // sees values sent from now on
    assert(tx.send(2).receiver_count() == 2 && tx.send(3));

    assert(af::block_on(rx2.recv()).take_value() == 2);
    assert(af::block_on(rx2.recv()).take_value() == 3);
    assert(rx2.try_recv().is_empty());

    af::channel::recv_result<int> r = af::block_on(rx1.recv());
    assert(r.is_lagged() && r.missed() == 1);  // value 1 was overwritten before rx1 read it
    assert(rx1.len() == 2);
    assert(af::block_on(rx1.recv()).take_value() == 2);  // continues from the oldest retained
    auto late = rx1.resubscribe();  // starts at the tail, not at rx1's position
    assert(late.try_recv().is_empty() && rx1.try_recv().take_value() == 3);

    auto [cfg, watcher] = af::channel::watch::channel(std::string("v1"));
    assert(cfg.send("v2") && cfg.send("v3"));
    af::block_on(watcher.changed());  // ready: there is an unseen value
    assert(*watcher.borrow_and_update() == "v3");  // only the latest is kept
    cfg.send_modify([](std::string& v) { v += "-patched"; });  // edit in place, always notifies
    assert(!cfg.send_if_modified([](std::string&) { return false; }));  // nobody is told
    assert(watcher.has_changed() && *watcher.borrow_and_update() == "v3-patched");
    { auto gone = std::move(cfg); }
    bool closed = false;
    try {
        af::block_on(watcher.changed());  // the sender is gone and nothing is unseen
    } catch (const af::closed_error& e) {
        closed = e.code() == af::errc::closed;
    }
    assert(closed);
}
