// SPDX-License-Identifier: MIT
#pragma once
// Shared by tests/channel: a value whose move constructor throws when asked to, so sending it
// must skip its slot cleanly.
#include <stdexcept>

struct throwing_move {
    int v;
    bool throw_on_move;
    explicit throwing_move(int x, bool t = false) : v(x), throw_on_move(t) {}
    throwing_move(throwing_move&& o) : v(o.v), throw_on_move(o.throw_on_move) {
        if (throw_on_move) throw std::runtime_error("move failed");
    }
};
