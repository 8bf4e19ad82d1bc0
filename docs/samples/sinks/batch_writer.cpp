// SPDX-License-Identifier: MIT
// A sink written by hand: lines are batched and written out in one go on flush, or when the
// batch is full and room is needed for the next one.
#include <af/af.hpp>
#include <af/sink.hpp>

#include <cassert>
#include <string>
#include <vector>

class batch_writer {
public:
    batch_writer(std::string& wire, std::size_t max) : wire_(&wire), max_(max) {}

    af::poll<void> poll_ready(af::context& cx) {
        if (batch_.size() < max_) return {};
        return poll_flush(cx);  // make room by writing the batch out
    }
    void start_send(std::string line) { batch_.push_back(std::move(line)); }
    af::poll<void> poll_flush(af::context&) {
        if (batch_.empty()) return {};
        for (const std::string& l : batch_) *wire_ += l + '\n';
        batch_.clear();
        ++writes;
        return {};
    }
    af::poll<void> poll_close(af::context& cx) { return poll_flush(cx); }

    int writes = 0;  // how many times the wire was written to

private:
    std::string* wire_;
    std::size_t max_;
    std::vector<std::string> batch_;
};
static_assert(af::sink<batch_writer, std::string>);

af::task<> talk(batch_writer& out, const std::string& wire) {
    co_await af::sinks::feed(out, std::string("HELO"));  // fed: in the batch, not on the wire
    co_await af::sinks::feed(out, std::string("MAIL"));
    assert(wire.empty());
    co_await af::sinks::flush(out);  // one write for both
    assert(wire == "HELO\nMAIL\n" && out.writes == 1);

    co_await af::sinks::send(out, std::string("QUIT"));  // send = feed + flush
    assert(wire == "HELO\nMAIL\nQUIT\n" && out.writes == 2);
    co_await af::sinks::close(out);
}

int main() {
    std::string wire;
    batch_writer out(wire, 2);
    af::block_on(talk(out, wire));

    // A full batch is written out when poll_ready needs room for the next line.
    std::string wire2;
    batch_writer small(wire2, 1);
    af::block_on(af::sinks::feed(small, std::string("a")));
    af::block_on(af::sinks::feed(small, std::string("b")));  // writes "a" to make room
    assert(wire2 == "a\n" && small.writes == 1);
}
