// SPDX-License-Identifier: MIT
#pragma once
/// \file
/// `af::streams::stream_map<K, S>`: a keyed set of streams polled as one stream of
/// `std::pair<K, item>` (tokio-stream's `StreamMap`).
///
///     af::streams::stream_map<std::string, broadcast::receiver<msg>> subs;
///     subs.insert("news", tx_news.subscribe());
///     while (auto kv = co_await subs.next()) {        // nullopt once the map is empty
///         auto& [channel, r] = *kv;
///         if (r.is_lagged()) continue;
///         send(channel, r.take_value());
///         if (done_with(channel)) subs.remove(channel);   // also fine inside the loop
///     }
///
/// Choosing: `af::streams::merge` joins two streams of one item type without keys;
/// `af::futures_unordered` is the same machinery for futures. Use `stream_map` when streams
/// come and go at run time and each item must say where it came from (a SUBSCRIBE loop).
///
/// Keys: at most one stream per key; `insert` with a key already present replaces (destroys)
/// the old stream. Lookup is a linear scan (as in tokio: maps hold a handful of streams).
/// Streams are not handed back by `insert` or `remove`: a polled stream must not move, so the
/// old one is destroyed in place.
///
/// Ends: a child that ends (`std::nullopt`) is removed silently, as in tokio: no "ended" item is
/// yielded; chain an item of your own (`s | af::streams::chain(af::streams::once(...))`) if you
/// need one. An empty map answers `std::nullopt` (ended), but it is not fused: after an
/// `insert` it yields again. In a select loop, disable the branch while the map is empty with
/// `af::when(!map.empty(), map.next())` (af/future/select.hpp) instead of polling it.
///
/// Cost and fairness: every child has its own waker, and a poll polls only the children that
/// were woken (or that yielded last time and may have more), O(woken) not O(size). Children are
/// served first come, first served; a child that yields goes to the back of the line, so a
/// child that is always ready cannot starve the others. One `poll_next` polls at most `size()`
/// children; if work is left it wakes its own task and returns pending (a yield).
///
/// Errors: an exception from a child's `poll_next` propagates; that child is removed.
///
/// Cancellation: dropping a `next()` future loses nothing (items are taken only when returned);
/// `remove`, `clear` and destroying the map destroy the streams at once.
///
/// Thread safety: one task owns the map (insert, remove, poll from one thread at a time); the
/// children's wakers may be woken from any thread, also after the map is gone. `insert` does
/// not wake the task that polls the map: call it from that task (between polls or in the loop
/// body), as with `futures_unordered::push`. The map may be moved between polls (its streams
/// live on the heap).
#include <cstddef>   // std::size_t
#include <optional>  // one child until it is removed; the output of poll_next
#include <utility>   // std::pair, std::move, std::exchange, std::swap
#include <vector>    // the keyed entries

#include "af/future/detail/ready_queue.hpp"
#include "af/stream/stream.hpp"

namespace af::streams {

template <class K, stream S>
class stream_map {
public:
    /// Each item says which stream produced it.
    using item = std::pair<K, item_of<S>>;

    /// The future made by `next()`: the next `(key, item)`, or `std::nullopt` when empty.
    class [[nodiscard("a future does nothing until it is awaited")]] next_future {
    public:
        using output = std::optional<item>;
        explicit next_future(stream_map& m) noexcept : map_(&m) {}
        af::poll<output> poll(context& cx) { return map_->poll_next(cx); }

    private:
        stream_map* map_;
    };

    stream_map() noexcept = default;
    stream_map(stream_map&& o) noexcept
        : queue_(std::exchange(o.queue_, nullptr)),
          entries_(std::move(o.entries_)),
          ready_head_(std::exchange(o.ready_head_, nullptr)),
          ready_tail_(std::exchange(o.ready_tail_, nullptr)) {
        o.entries_.clear();
    }
    /// Destroys this map's streams, then takes `o`'s.
    stream_map& operator=(stream_map&& o) noexcept {
        stream_map moved(std::move(o));
        swap(moved);  // our old streams die with `moved`
        return *this;
    }
    stream_map(const stream_map&) = delete;
    stream_map& operator=(const stream_map&) = delete;
    ~stream_map() {
        clear();
        if (queue_ != nullptr) {
            queue_->close();
            queue_->release();
        }
    }

    /// Adds `s` under `key`, to be polled by the next `poll_next`. Returns true if it replaced
    /// (destroyed) a stream that had the same key. Does not wake the owner.
    bool insert(K key, S s) {
        const bool replaced = remove(key);
        if (queue_ == nullptr) queue_ = detail::ready_queue::create();
        entries_.reserve(entries_.size() + 1);  // nothing below may throw once the node exists
        auto* n = new node(queue_, std::move(key), std::move(s));  // its one reference is ours
        n->slot = entries_.size();
        entries_.push_back(n);
        n->retain();  // the ready list's reference: a new stream counts as woken
        append_ready(n);
        return replaced;
    }

    /// Removes and destroys the stream under `key`; false if there was none.
    bool remove(const K& key) noexcept {
        node* n = find(key);
        if (n == nullptr) return false;
        retire(n);
        return true;
    }

    bool contains(const K& key) const noexcept { return find(key) != nullptr; }
    std::size_t size() const noexcept { return entries_.size(); }
    bool empty() const noexcept { return entries_.empty(); }

    /// The keys, in no particular order.
    std::vector<K> keys() const {
        std::vector<K> out;
        out.reserve(entries_.size());
        for (node* n : entries_) out.push_back(n->key);
        return out;
    }

    /// Polls the woken streams until one yields: ready with `(key, item)`; ready with
    /// `std::nullopt` when the map is empty (without keeping the waker); else pending.
    af::poll<std::optional<item>> poll_next(context& cx) {
        if (entries_.empty()) return af::detail::stream_end<item>();
        queue_->register_parent(cx.waker());
        std::size_t budget = entries_.size();
        for (;;) {
            if (ready_head_ == nullptr) {
                append_ready(queue_->take_all());
                if (ready_head_ == nullptr) return pending;
            }
            if (budget == 0) {
                cx.waker().wake_by_ref();  // yield: more to do, but other tasks may run first
                return pending;
            }
            auto* n = static_cast<node*>(pop_ready());
            release_guard queued_ref{n};  // the ready list's reference, dropped after the poll
            if (!n->stream) continue;     // removed since it was woken
            n->dequeue_for_poll();
            --budget;
            borrowed_waker w{waker::from_raw(n->borrowed_raw())};
            context child_cx(w.w);
            std::optional<af::poll<std::optional<item_of<S>>>> p;
            try {
                p.emplace(n->stream->poll_next(child_cx));
            } catch (...) {
                retire(n);
                throw;
            }
            if (p->is_pending()) continue;
            std::optional<item_of<S>>& v = p->value();
            if (!v) {
                retire(n);  // ended: removed without a word, as tokio does
                if (entries_.empty()) return af::detail::stream_end<item>();
                continue;
            }
            // It may have more without waking: back of the line (unless a wake queued it).
            if (n->requeue()) {
                n->retain();
                append_ready(n);
            }
            return af::poll<std::optional<item>>(std::in_place, std::in_place, n->key, std::move(*v));
        }
    }

    /// A future for the next item: `while (auto kv = co_await map.next())`.
    next_future next() noexcept { return next_future(*this); }

    void swap(stream_map& o) noexcept {
        std::swap(queue_, o.queue_);
        entries_.swap(o.entries_);
        std::swap(ready_head_, o.ready_head_);
        std::swap(ready_tail_, o.ready_tail_);
    }

    /// Destroys every stream; the map stays usable.
    void clear() noexcept {
        while (!entries_.empty()) retire(entries_.back());
        detail::ready_queue::release_all(std::exchange(ready_head_, nullptr));
        ready_tail_ = nullptr;
    }

private:
    struct node final : detail::unordered_node_base {
        node(detail::ready_queue* q, K k, S s) : unordered_node_base(q), key(std::move(k)), stream(std::move(s)) {}
        K key;
        std::optional<S> stream;
        std::size_t slot = 0;  // index in entries_
    };
    struct release_guard {
        detail::unordered_node_base* n;
        ~release_guard() { n->release(); }
    };
    // The child's waker for one poll; no reference of its own (the map holds one).
    struct borrowed_waker {
        waker w;
        ~borrowed_waker() { (void)std::move(w).into_raw(); }
    };

    node* find(const K& key) const noexcept {
        for (node* n : entries_) {
            if (n->key == key) return n;
        }
        return nullptr;
    }

    void append_ready(detail::unordered_node_base* list) noexcept {
        if (list == nullptr) return;
        if (ready_tail_ != nullptr) {
            ready_tail_->next = list;
        } else {
            ready_head_ = list;
        }
        ready_tail_ = list;
        while (ready_tail_->next != nullptr) ready_tail_ = ready_tail_->next;
    }
    detail::unordered_node_base* pop_ready() noexcept {
        detail::unordered_node_base* n = ready_head_;
        ready_head_ = n->next;
        if (ready_head_ == nullptr) ready_tail_ = nullptr;
        n->next = nullptr;
        return n;
    }

    // Unkeys the node (swap with the last entry), destroys its stream, drops our reference.
    void retire(node* n) noexcept {
        node* last = entries_.back();
        entries_[n->slot] = last;
        last->slot = n->slot;
        entries_.pop_back();
        n->mark_dead();
        n->stream.reset();
        n->release();
    }

    detail::ready_queue* queue_ = nullptr;
    std::vector<node*> entries_;                         // every live child, unordered
    detail::unordered_node_base* ready_head_ = nullptr;  // children to poll, in line order
    detail::unordered_node_base* ready_tail_ = nullptr;
};

}  // namespace af::streams
