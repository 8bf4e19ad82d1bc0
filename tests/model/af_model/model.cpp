// SPDX-License-Identifier: MIT
// The checker's engine: fibers, the depth-first search over choices, and the vector clocks.
//
// An execution runs the body as fiber 0. Every visible operation (atomic access, fence, mutex,
// condition variable, spawn, join, thread end) first calls `sched`, which picks the thread that
// performs the next visible operation. Each pick among several threads, and each pick of the store
// a weak-memory load reads, is a choice point. `explorer` keeps the choices of the current
// execution as a path; the next execution replays the path up to its last choice point that has
// an untried alternative, takes that alternative, and continues with first alternatives. When no
// such point is left, the search is exhaustive. Scenarios must be deterministic for the replay to
// reach the same choice points; a replayed point with a different number of alternatives is
// reported as a nondeterministic scenario.
//
// Preemption bounding (CHESS, Musuvathi and Qadeer, PLDI 2007): at a scheduling point the running
// thread continues for free; running another thread while it could continue costs one preemption,
// allowed only while the execution has used fewer than `preemption_bound`. Switching away from a
// blocked, finished or yielding thread is free.
#include "af_model/model.hpp"

#include <cxxabi.h>     // per-fiber exception state
#include <sys/mman.h>   // fiber stacks with a guard page
#include <ucontext.h>   // fibers

#include <cstdio>       // std::fprintf for asserts outside check()
#include <cstdlib>      // std::abort
#include <memory>       // std::make_unique
#include <ostream>      // operator<<
#include <sstream>      // trace formatting
#include <vector>       // the path, the trace

namespace af::model {
namespace detail {
namespace {

constexpr std::size_t stack_size = 512 * 1024;

// libstdc++'s per-thread exception globals: the caught-exception stack and the uncaught count.
// Every fiber needs its own, or a `throw;` in one fiber's catch block would rethrow another's.
struct eh_state {
    void* caught = nullptr;
    unsigned int uncaught = 0;
};
eh_state* eh_globals() noexcept { return reinterpret_cast<eh_state*>(abi::__cxa_get_globals()); }

enum class status : std::uint8_t { runnable, blocked, finished };

struct fiber {
    ucontext_t ctx{};
    void* stack = nullptr;
    std::function<void()> fn;
    status st = status::finished;
    const void* blocked_on = nullptr;
    const char* block_kind = "";
    const char* block_file = "";
    int block_line = 0;
    bool yielded = false;
    std::uint32_t yield_seq = 0;  // stores with a smaller seq are visible to this thread (yield)
    bool fresh = false;  // not run yet: its first scheduling point was the one that picked it
    int spurious_left = 0;  // spurious condition_variable returns this thread may still take
    bool joined = false;
    vclock vc, fence_rel, acq_pending;
    eh_state eh;
};

struct trace_entry {
    int tid;
    const char* op;
    const void* addr;
    const char* file;
    int line;
    std::uint64_t before = 0, after = 0;
    std::memory_order order = std::memory_order_seq_cst;
    int stale = 0;        // loads: newer stores not read
    bool values = false;  // before/after set
};

struct choice {
    std::uint8_t n, k;
};

struct execution {
    options opt;
    fiber threads[max_threads];
    int n_threads = 0;
    int current = 0;
    int preemptions = 0;
    std::size_t steps = 0;
    vclock sc;  // the global seq_cst clock
    std::uint32_t store_seq = 0;  // stores so far in this execution, all locations
    bool failed = false;
    bool nondeterministic = false;
    std::string failure;
    std::vector<trace_entry> trace;
    ucontext_t main_ctx{};
    std::vector<choice> path;
    std::size_t pos = 0;
    std::function<void()>* body = nullptr;
};

execution* g_exec = nullptr;

fiber& cur() noexcept { return g_exec->threads[g_exec->current]; }

// Picks alternative k of n at the next choice point (replaying the path, else the first).
int choose(int n) {
    execution& e = *g_exec;
    if (n <= 1) return 0;
    if (e.pos < e.path.size()) {
        choice c = e.path[e.pos++];
        if (c.n != n) e.nondeterministic = true;
        return c.k < n ? c.k : n - 1;
    }
    e.path.push_back({static_cast<std::uint8_t>(n), 0});
    ++e.pos;
    return 0;
}

// The next path to run; false when the search is over.
bool advance(execution& e) {
    while (!e.path.empty() && e.path.back().k + 1 >= e.path.back().n) e.path.pop_back();
    if (e.path.empty()) return false;
    ++e.path.back().k;
    return true;
}

void switch_to(int next) {
    execution& e = *g_exec;
    int prev = e.current;
    if (prev == next) return;
    e.threads[prev].eh = *eh_globals();
    e.current = next;
    *eh_globals() = e.threads[next].eh;
    swapcontext(&e.threads[prev].ctx, &e.threads[next].ctx);
}

[[noreturn]] void end_execution() {
    execution& e = *g_exec;
    e.threads[e.current].eh = *eh_globals();
    *eh_globals() = eh_state{};
    ucontext_t dead;
    swapcontext(&dead, &e.main_ctx);
    std::abort();  // an ended execution is never resumed
}

[[noreturn]] void fail(std::string msg) {
    execution& e = *g_exec;
    if (!e.failed) {
        e.failed = true;
        e.failure = std::move(msg);
    }
    end_execution();
}

std::string thread_name(int t) { return "t" + std::to_string(t); }

[[noreturn]] void deadlock() {
    execution& e = *g_exec;
    std::string msg = "deadlock: every live thread is blocked (a lost wake-up?):";
    for (int i = 0; i < e.n_threads; ++i) {
        const fiber& f = e.threads[i];
        if (f.st != status::blocked) continue;
        msg += "\n  " + thread_name(i) + " blocked in " + f.block_kind;
        if (f.block_file && *f.block_file) msg += std::string(" at ") + f.block_file + ":" + std::to_string(f.block_line);
    }
    fail(std::move(msg));
}

// The scheduling point before every visible operation of the current thread.
void sched() {
    execution& e = *g_exec;
    if (++e.steps > e.opt.max_steps)
        fail("step bound exceeded: more than " + std::to_string(e.opt.max_steps) +
             " scheduling points in one execution (a livelock, or raise options::max_steps)");
    fiber& t = cur();
    if (t.fresh) {
        t.fresh = false;
        return;
    }
    const int me = e.current;
    const bool enabled = t.st == status::runnable;
    int alts[max_threads];
    int n = 0;
    if (enabled && !t.yielded) {
        alts[n++] = me;
        if (e.preemptions < e.opt.preemption_bound)
            for (int i = 0; i < e.n_threads; ++i)
                if (i != me && e.threads[i].st == status::runnable) alts[n++] = i;
    } else {
        for (int i = 0; i < e.n_threads; ++i)
            if (i != me && e.threads[i].st == status::runnable) alts[n++] = i;
        if (n == 0 && enabled) alts[n++] = me;
    }
    if (n == 0) {
        for (int i = 0; i < e.n_threads; ++i)
            if (e.threads[i].st != status::finished) deadlock();
        end_execution();
    }
    int next = alts[choose(n)];
    if (next != me && enabled && !t.yielded) ++e.preemptions;
    t.yielded = false;
    switch_to(next);
}

void record(const char* op, const void* addr, const char* file, int line) {
    g_exec->trace.push_back({g_exec->current, op, addr, file, line});
}

void block(const void* on, const char* kind, const char* file, int line) {
    fiber& t = cur();
    t.st = status::blocked;
    t.blocked_on = on;
    t.block_kind = kind;
    t.block_file = file;
    t.block_line = line;
    sched();
}

void unblock_all(const void* on) {
    execution& e = *g_exec;
    for (int i = 0; i < e.n_threads; ++i)
        if (e.threads[i].st == status::blocked && e.threads[i].blocked_on == on) {
            e.threads[i].st = status::runnable;
            e.threads[i].blocked_on = nullptr;
        }
}

void fiber_main() {
    execution& e = *g_exec;
    const int me = e.current;
    try {
        if (me == 0) (*e.body)();
        else e.threads[me].fn();
    } catch (const std::exception& ex) {
        fail(thread_name(me) + " ended with an exception: " + ex.what());
    } catch (...) {
        fail(thread_name(me) + " ended with an exception");
    }
    fiber& t = e.threads[me];
    t.fn = nullptr;
    t.st = status::finished;
    t.fresh = false;  // a thread with no visible operation ends on its first scheduling point
    record("end", nullptr, "", 0);
    unblock_all(&t);  // joiners
    sched();
    std::abort();  // a finished thread is never scheduled again
}

int new_fiber(std::function<void()> fn) {
    execution& e = *g_exec;
    if (e.n_threads == max_threads) fail("too many threads (af::model::max_threads is 8)");
    int id = e.n_threads++;
    fiber& f = e.threads[id];
    if (!f.stack) {
        void* p = mmap(nullptr, stack_size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (p == MAP_FAILED) std::abort();
        mprotect(p, 4096, PROT_NONE);  // guard page: an overflow faults instead of corrupting
        f.stack = p;
    }
    f.fn = std::move(fn);
    f.st = status::runnable;
    f.blocked_on = nullptr;
    f.yielded = false;
    f.yield_seq = 0;
    f.fresh = true;
    f.spurious_left = 1;  // one per thread: enough to test every retry loop, and still finite
    f.joined = false;
    f.vc = vclock{};
    f.fence_rel = vclock{};
    f.acq_pending = vclock{};
    f.eh = eh_state{};
    getcontext(&f.ctx);
    f.ctx.uc_stack.ss_sp = f.stack;
    f.ctx.uc_stack.ss_size = stack_size;
    f.ctx.uc_link = nullptr;
    makecontext(&f.ctx, fiber_main, 0);
    return id;
}

bool is_acquire(std::memory_order o) {
    return o == std::memory_order_acquire || o == std::memory_order_acq_rel || o == std::memory_order_seq_cst ||
           o == std::memory_order_consume;
}
bool is_release(std::memory_order o) {
    return o == std::memory_order_release || o == std::memory_order_acq_rel || o == std::memory_order_seq_cst;
}

int slot_of(std::uint32_t mo) { return static_cast<int>(mo % history); }

// Appends a store by the current thread to `l`'s modification order; `carried` is the release
// sequence it continues (an RMW's read store), or null.
int append_store(location& l, std::memory_order o, const store_rec* carried) {
    execution& e = *g_exec;
    fiber& t = cur();
    const int me = e.current;
    const bool sc = o == std::memory_order_seq_cst;
    ++t.vc.c[me];
    store_rec rec;
    rec.epoch = t.vc.c[me];
    rec.tid = static_cast<std::uint8_t>(me);
    rec.seq = ++e.store_seq;
    rec.sync = is_release(o) ? t.vc : t.fence_rel;
    if (carried) rec.sync.join(carried->sync);
    if (sc) e.sc.join(t.vc);
    std::uint32_t mo = l.count++;
    l.recs[slot_of(mo)] = rec;
    l.seen[me] = mo + 1;
    return slot_of(mo);
}

// The current thread read `rec` with order `o`.
void acquire_from(const store_rec& rec, std::memory_order o) {
    fiber& t = cur();
    if (is_acquire(o)) t.vc.join(rec.sync);
    else t.acq_pending.join(rec.sync);
    if (o == std::memory_order_seq_cst) g_exec->sc.join(t.vc);
}

const char* order_name(std::memory_order o) {
    switch (o) {
    case std::memory_order_relaxed: return "relaxed";
    case std::memory_order_consume: return "consume";
    case std::memory_order_acquire: return "acquire";
    case std::memory_order_release: return "release";
    case std::memory_order_acq_rel: return "acq_rel";
    default: return "seq_cst";
    }
}

const char* base_name(const char* file) {
    const char* b = file;
    for (const char* p = file; *p; ++p)
        if (*p == '/') b = p + 1;
    return b;
}

std::string format_trace(const execution& e) {
    std::ostringstream os;
    std::vector<const void*> names;  // addresses in order of first use: a0, a1, ...
    auto name = [&](const void* a) {
        for (std::size_t i = 0; i < names.size(); ++i)
            if (names[i] == a) return "a" + std::to_string(i);
        names.push_back(a);
        return "a" + std::to_string(names.size() - 1);
    };
    os << "schedule (" << e.trace.size() << " operations, " << e.preemptions << " preemptions):\n";
    const std::size_t keep = 400;
    std::size_t first = e.trace.size() > keep ? e.trace.size() - keep : 0;
    if (first) os << "  ... " << first << " earlier operations\n";
    for (std::size_t i = first; i < e.trace.size(); ++i) {
        const trace_entry& t = e.trace[i];
        os << "  t" << t.tid << " ";
        if (t.addr) os << name(t.addr) << ".";
        os << t.op;
        if (t.values) {
            os << "(" << order_name(t.order) << ") ";
            if (t.before == t.after) os << "= " << t.before;
            else os << t.before << " -> " << t.after;
            if (t.stale) os << "  [stale read: " << t.stale << " newer store(s) not seen]";
        }
        if (t.file && *t.file) os << "   " << base_name(t.file) << ":" << t.line;
        os << "\n";
    }
    return os.str();
}

}  // namespace

bool in_execution() noexcept { return g_exec != nullptr; }

void check_alive(const location& l, const char* op, const char* file, int line) {
    if (l.alive != location::live)
        fail(std::string("use of a destroyed atomic: ") + op + " at " + file + ":" + std::to_string(line));
}

int load_slot(location& l, const void* addr, std::memory_order o, const char* op, const char* file, int line) {
    if (!g_exec) return slot_of(l.count - 1);
    sched();
    record(op, addr, file, line);
    check_alive(l, op, file, line);
    execution& e = *g_exec;
    fiber& t = cur();
    const int me = e.current;
    // A seq_cst load reads no store older than one the SC clock knows (the order S), but gains no
    // happens-before from it: C++ orders seq_cst operations among themselves, not the relaxed
    // accesses that follow them.
    vclock view = t.vc;
    if (o == std::memory_order_seq_cst) view.join(e.sc);
    const std::uint32_t newest = l.count - 1;
    std::uint32_t lo = l.seen[me] ? l.seen[me] - 1 : 0;
    if (e.opt.weak_memory) {
        std::uint32_t oldest = l.count > history ? l.count - history : 0;
        if (lo < oldest) lo = oldest;
        // A store that happens-before this load hides every older one (coherence).
        for (std::uint32_t i = newest + 1; i-- > lo;) {
            const store_rec& r = l.recs[slot_of(i)];
            if (view.c[r.tid] >= r.epoch || r.seq < t.yield_seq) {
                lo = i;
                break;
            }
        }
    } else {
        lo = newest;
    }
    int k = choose(static_cast<int>(newest - lo + 1));
    std::uint32_t mo = newest - static_cast<std::uint32_t>(k);
    e.trace.back().stale = k;
    l.seen[me] = mo + 1;
    acquire_from(l.recs[slot_of(mo)], o);
    return slot_of(mo);
}

int store_slot(location& l, const void* addr, std::memory_order o, const char* op, const char* file, int line) {
    if (!g_exec) {
        std::uint32_t mo = l.count++;
        l.recs[slot_of(mo)] = store_rec{};
        return slot_of(mo);
    }
    sched();
    record(op, addr, file, line);
    check_alive(l, op, file, line);
    return append_store(l, o, nullptr);
}

int rmw_read(location& l, const void* addr, const char* op, const char* file, int line) {
    if (!g_exec) return slot_of(l.count - 1);
    sched();
    record(op, addr, file, line);
    check_alive(l, op, file, line);
    return slot_of(l.count - 1);  // an RMW reads the newest store in modification order
}

int rmw_commit(location& l, int read_slot, std::memory_order o) {
    if (!g_exec) {
        std::uint32_t mo = l.count++;
        l.recs[slot_of(mo)] = store_rec{};
        return slot_of(mo);
    }
    store_rec read = l.recs[read_slot];
    acquire_from(read, is_acquire(o) ? (o == std::memory_order_seq_cst ? o : std::memory_order_acquire)
                                     : std::memory_order_relaxed);
    return append_store(l, o, &read);
}

void rmw_fail(location& l, int read_slot, std::memory_order failure) {
    if (!g_exec) return;
    l.seen[g_exec->current] = l.count;
    acquire_from(l.recs[read_slot], failure);
}

void trace_values(std::uint64_t before, std::uint64_t after, std::memory_order o) {
    if (!g_exec || g_exec->trace.empty()) return;
    trace_entry& t = g_exec->trace.back();
    t.before = before;
    t.after = after;
    t.order = o;
    t.values = true;
}

void atomic_wait(const void* addr, const char* file, int line) {
    if (!g_exec) return;
    block(addr, "atomic wait", file, line);
}

void atomic_notify(const void* addr, const char* file, int line) {
    if (!g_exec) return;
    sched();
    record("notify", addr, file, line);
    unblock_all(addr);
}

void assert_failed(const char* cond, const char* file, int line) {
    std::string msg = std::string("assertion failed: ") + cond + " at " + file + ":" + std::to_string(line);
    if (!g_exec) {
        std::fprintf(stderr, "af::model: %s (outside check())\n", msg.c_str());
        std::abort();
    }
    record("assert failed", nullptr, file, line);
    fail(std::move(msg));
}

}  // namespace detail

using detail::g_exec;

void yield() {
    if (!g_exec) return;
    detail::record("yield", nullptr, "", 0);
    detail::cur().yielded = true;
    // Eventual visibility: a spinning thread, once it yields, sees every store made so far
    // (otherwise a spin loop could read a stale value for ever and never terminate).
    detail::cur().yield_seq = g_exec->store_seq + 1;
    detail::sched();
}

void reschedule() {
    if (!g_exec) return;
    detail::record("reschedule", nullptr, "", 0);
    detail::cur().yielded = true;
    detail::sched();
}

void fence(std::memory_order o, const char* file, int line) {
    if (!g_exec) return;
    detail::sched();
    detail::record("fence", nullptr, file, line);
    detail::fiber& t = detail::cur();
    if (detail::is_acquire(o)) t.vc.join(t.acq_pending);
    if (o == std::memory_order_seq_cst) {
        t.vc.join(g_exec->sc);
        g_exec->sc.join(t.vc);
    }
    // Stores after the fence get later epochs (append_store ticks first): not covered by it.
    if (detail::is_release(o)) t.fence_rel = t.vc;
}

void mutex::lock(const char* file, int line) {
    if (!g_exec) {
        owner_ = 0;
        return;
    }
    detail::sched();
    detail::record("lock", this, file, line);
    while (owner_ >= 0) {
        if (owner_ == g_exec->current) detail::fail("mutex locked twice by " + detail::thread_name(owner_));
        detail::block(this, "mutex lock", file, line);
    }
    owner_ = g_exec->current;
    detail::cur().vc.join(clock_);
}

bool mutex::try_lock(const char* file, int line) {
    if (!g_exec) {
        if (owner_ >= 0) return false;
        owner_ = 0;
        return true;
    }
    detail::sched();
    detail::record("try_lock", this, file, line);
    if (owner_ >= 0) return false;
    owner_ = g_exec->current;
    detail::cur().vc.join(clock_);
    return true;
}

void mutex::unlock(const char* file, int line) {
    if (!g_exec) {
        owner_ = -1;
        return;
    }
    detail::sched();
    detail::record("unlock", this, file, line);
    if (owner_ != g_exec->current) detail::fail("mutex unlocked by a thread that does not hold it");
    detail::fiber& t = detail::cur();
    ++t.vc.c[g_exec->current];
    clock_ = t.vc;
    owner_ = -1;
    detail::unblock_all(this);
}

void condition_variable::wait(std::unique_lock<mutex>& lk, const char* file, int line) {
    if (!g_exec) return;  // sequential use: nobody else could notify
    mutex& m = *lk.mutex();
    detail::fiber& me = detail::cur();
    bool spurious = g_exec->opt.spurious_wakeups && me.spurious_left > 0 && detail::choose(2) == 1;
    if (spurious) --me.spurious_left;
    m.unlock(file, line);
    if (!spurious) {
        waiters_[n_++] = static_cast<std::uint8_t>(g_exec->current);
        detail::record("wait", this, file, line);
        detail::block(this, "condition_variable wait", file, line);
    }
    m.lock(file, line);
}

void condition_variable::notify_one(const char* file, int line) {
    if (!g_exec) return;
    detail::sched();
    detail::record("notify_one", this, file, line);
    if (n_ == 0) return;
    int t = waiters_[0];
    for (int i = 1; i < n_; ++i) waiters_[i - 1] = waiters_[i];
    --n_;
    detail::fiber& f = g_exec->threads[t];
    if (f.st == detail::status::blocked && f.blocked_on == this) {
        f.st = detail::status::runnable;
        f.blocked_on = nullptr;
    }
}

void condition_variable::notify_all(const char* file, int line) {
    if (!g_exec) return;
    detail::sched();
    detail::record("notify_all", this, file, line);
    n_ = 0;
    detail::unblock_all(this);
}

int thread::spawn(std::function<void()> f) {
    if (!g_exec) {
        f();
        return -1;
    }
    detail::sched();
    int id = detail::new_fiber(std::move(f));
    static const char* const names[max_threads] = {"spawn t0", "spawn t1", "spawn t2", "spawn t3",
                                                   "spawn t4", "spawn t5", "spawn t6", "spawn t7"};
    detail::record(names[id], nullptr, "", 0);
    g_exec->threads[id].vc = detail::cur().vc;  // spawning synchronises with the child's start
    ++detail::cur().vc.c[g_exec->current];
    return id;
}

thread::~thread() {
    if (g_exec && id_ >= 0 && !g_exec->threads[id_].joined)
        detail::fail("t" + std::to_string(id_) + " destroyed without join");
}

void thread::join(const char* file, int line) {
    if (!g_exec || id_ < 0) return;
    detail::sched();
    detail::record("join", nullptr, file, line);
    detail::fiber& child = g_exec->threads[id_];
    while (child.st != detail::status::finished) detail::block(&child, "join", file, line);
    detail::cur().vc.join(child.vc);
    child.joined = true;
    id_ = -1;
}

result check(const options& opts, std::function<void()> body) {
    if (g_exec) {
        std::fprintf(stderr, "af::model: check() called inside check()\n");
        std::abort();
    }
    auto e = std::make_unique<detail::execution>();
    e->opt = opts;
    e->body = &body;
    result r;
    g_exec = e.get();
    for (;;) {
        e->n_threads = 0;
        e->current = 0;
        e->preemptions = 0;
        e->steps = 0;
        e->sc = detail::vclock{};
        e->store_seq = 0;
        e->trace.clear();
        e->pos = 0;
        detail::new_fiber(nullptr);
        detail::eh_state saved = *detail::eh_globals();
        swapcontext(&e->main_ctx, &e->threads[0].ctx);
        *detail::eh_globals() = saved;
        ++r.executions;
        if (e->failed || e->nondeterministic) {
            r.failed = true;
            r.failure = e->failed ? e->failure : "nondeterministic scenario: a replayed execution offered different choices";
            r.trace = detail::format_trace(*e);
            break;
        }
        for (int i = 0; i < e->n_threads; ++i) e->threads[i].fn = nullptr;
        if (!detail::advance(*e)) {
            r.exhaustive = true;
            break;
        }
        if (r.executions >= opts.max_executions) break;
    }
    g_exec = nullptr;
    for (auto& f : e->threads)
        if (f.stack) munmap(f.stack, detail::stack_size);
    return r;
}

std::ostream& operator<<(std::ostream& os, const result& r) {
    os << r.executions << " executions"
       << (r.failed ? " (stopped at the first failure)" : r.exhaustive ? " (exhaustive)" : " (cut at max_executions)");
    if (r.failed) os << "; FAILED: " << r.failure << "\n" << r.trace;
    return os;
}

}  // namespace af::model
