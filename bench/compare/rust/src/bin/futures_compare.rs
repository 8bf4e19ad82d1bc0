// SPDX-License-Identifier: MIT
//! The futures-rs side of the side-by-side comparison (docs/benchmarks.md): every workload on
//! `futures::executor::LocalPool` ("futures-local") and on a two-thread
//! `futures::executor::ThreadPool` ("futures-pool2"); join handles are `RemoteHandle`s from
//! `spawn_with_handle`. `futures_compare futures-local spawn_join 1000000` prints one JSON line.
//! Each `bench_run_*` function is the measured region (callgrind: --toggle-collect=*bench_run_*).
//! Channels are futures::channel's (mpsc::channel, oneshot). futures-rs has no timer, so the
//! sleep workload is not run here.

// The depth-100 await chain nests 100 futures' types: past rustc's default limit of 128 checks.
#![recursion_limit = "512"]

use af_compare_peers::*;
use futures::executor::{block_on, LocalPool, LocalSpawner, ThreadPool};
use futures::future::{BoxFuture, FutureExt, LocalBoxFuture};
use futures::channel::{mpsc, oneshot};
use futures::future::RemoteHandle;
use futures::task::{LocalSpawnExt, SpawnExt};
use futures::{SinkExt, StreamExt};
use std::cell::RefCell;
use std::sync::atomic::{AtomicPtr, Ordering};
use std::time::{Duration, Instant};

// Tasks spawn through these rather than carrying a spawner clone in every task, as tokio's
// `tokio::spawn` finds its runtime (and as the af program does).
thread_local! {
    static LOCAL: RefCell<Option<LocalSpawner>> = RefCell::new(None);
}
static POOL: AtomicPtr<ThreadPool> = AtomicPtr::new(std::ptr::null_mut());

fn pool() -> &'static ThreadPool {
    // Acquire: pairs with the release store in main that published the pool.
    unsafe { &*POOL.load(Ordering::Acquire) }
}
fn local_spawn<T: 'static>(f: impl std::future::Future<Output = T> + 'static) -> futures::future::RemoteHandle<T> {
    LOCAL.with(|s| s.borrow().as_ref().unwrap().spawn_local_with_handle(f).unwrap())
}

async fn yielder(yields: u64) -> u64 {
    let mut done = 0;
    for _ in 0..yields {
        yield_now().await;
        done += 1;
    }
    done
}

fn chain_local(depth: u64) -> LocalBoxFuture<'static, u64> {
    async move {
        if depth == 0 {
            return 0;
        }
        local_spawn(chain_local(depth - 1)).await + 1
    }
    .boxed_local()
}

fn chain_pool(depth: u64) -> BoxFuture<'static, u64> {
    async move {
        if depth == 0 {
            return 0;
        }
        pool().spawn_with_handle(chain_pool(depth - 1)).unwrap().await + 1
    }
    .boxed()
}

#[inline(never)]
fn bench_run_spawn_join_local(p: &mut LocalPool, n: u64) -> u64 {
    p.run_until(async move {
        let mut handles = Vec::with_capacity(n as usize);
        for i in 0..n {
            handles.push(local_spawn(async move { i }));
        }
        let mut sum = 0;
        for h in handles {
            sum += h.await;
        }
        sum
    })
}

#[inline(never)]
fn bench_run_spawn_join_pool(n: u64) -> u64 {
    block_on(async move {
        let mut handles = Vec::with_capacity(n as usize);
        for i in 0..n {
            handles.push(pool().spawn_with_handle(async move { i }).unwrap());
        }
        let mut sum = 0;
        for h in handles {
            sum += h.await;
        }
        sum
    })
}

#[inline(never)]
fn bench_run_yield_local(p: &mut LocalPool, tasks: u64, yields: u64) -> u64 {
    p.run_until(async move {
        let mut handles = Vec::with_capacity(tasks as usize);
        for _ in 0..tasks {
            handles.push(local_spawn(yielder(yields)));
        }
        let mut sum = 0;
        for h in handles {
            sum += h.await;
        }
        sum
    })
}

#[inline(never)]
fn bench_run_yield_pool(tasks: u64, yields: u64) -> u64 {
    block_on(async move {
        let mut handles = Vec::with_capacity(tasks as usize);
        for _ in 0..tasks {
            handles.push(pool().spawn_with_handle(yielder(yields)).unwrap());
        }
        let mut sum = 0;
        for h in handles {
            sum += h.await;
        }
        sum
    })
}

#[inline(never)]
fn bench_run_chain_local(p: &mut LocalPool, depth: u64) -> u64 {
    p.run_until(async move { local_spawn(chain_local(depth)).await })
}

#[inline(never)]
fn bench_run_chain_pool(depth: u64) -> u64 {
    block_on(async move { pool().spawn_with_handle(chain_pool(depth)).unwrap().await })
}

// Spawns on the LocalPool when there is one (this thread's), else on the ThreadPool.
fn spawn_any(f: impl std::future::Future<Output = u64> + Send + 'static) -> RemoteHandle<u64> {
    if LOCAL.with(|s| s.borrow().is_some()) {
        local_spawn(f)
    } else {
        pool().spawn_with_handle(f).unwrap()
    }
}

// Runs the main future on the LocalPool, or with block_on on this thread for the ThreadPool.
fn run_main<T>(local: Option<&mut LocalPool>, f: impl std::future::Future<Output = T>) -> T {
    match local {
        Some(p) => p.run_until(f),
        None => block_on(f),
    }
}

// Sends i, waits for the answer (i + 1); returns the sum of the answers.
async fn pinger(mut tx: mpsc::Sender<u64>, mut rx: mpsc::Receiver<u64>, n: u64) -> u64 {
    let mut sum = 0;
    for i in 0..n {
        tx.send(i).await.expect("ping: channel closed");
        sum += rx.next().await.expect("ping: no answer");
    }
    sum
}

// Answers every v with v + 1 until the pinger drops its sender; returns the count.
async fn ponger(mut tx: mpsc::Sender<u64>, mut rx: mpsc::Receiver<u64>) -> u64 {
    let mut count = 0;
    while let Some(v) = rx.next().await {
        tx.send(v + 1).await.expect("pong: channel closed");
        count += 1;
    }
    count
}

// futures' mpsc::channel(b) holds b values plus one per sender: channel(0) with one sender is
// a capacity-1 channel.
#[inline(never)]
fn bench_run_ping_pong(local: Option<&mut LocalPool>, n: u64) -> (u64, u64) {
    run_main(local, async move {
        let (ping_tx, ping_rx) = mpsc::channel(0);
        let (pong_tx, pong_rx) = mpsc::channel(0);
        let a = spawn_any(pinger(ping_tx, pong_rx, n));
        let b = spawn_any(ponger(pong_tx, ping_rx));
        (a.await, b.await)
    })
}

async fn producer(mut tx: mpsc::Sender<u64>, first: u64, m: u64) -> u64 {
    for i in 0..m {
        tx.send(first + i).await.expect("producer: channel closed");
    }
    m
}

// channel(1024 - producers): with one slot per sender, the channel holds 1024 values.
#[inline(never)]
fn bench_run_mpsc(local: Option<&mut LocalPool>, producers: u64, m: u64) -> (u64, u64, u64) {
    run_main(local, async move {
        let (tx, mut rx) = mpsc::channel((1024 - producers) as usize);
        let mut handles = Vec::new();
        for p in 0..producers {
            handles.push(spawn_any(producer(tx.clone(), p * m, m)));
        }
        drop(tx);
        let (mut sum, mut count) = (0, 0);
        while let Some(v) = rx.next().await {
            sum += v;
            count += 1;
        }
        let mut sent = 0;
        for h in handles {
            sent += h.await;
        }
        (sum, count, sent)
    })
}

// --- main task in block_on (LocalPool::run_until, or block_on with the ThreadPool) ----------

#[inline(never)]
fn bench_run_yield_main(local: Option<&mut LocalPool>, n: u64) -> u64 {
    run_main(local, async move {
        let mut done = 0;
        for _ in 0..n {
            yield_now().await;
            done += 1;
        }
        done
    })
}

// The main task is the pinger; the ponger is spawned.
#[inline(never)]
fn bench_run_ping_pong_main(local: Option<&mut LocalPool>, n: u64) -> (u64, u64) {
    run_main(local, async move {
        let (ping_tx, ping_rx) = mpsc::channel(0);
        let (pong_tx, pong_rx) = mpsc::channel(0);
        let b = spawn_any(ponger(pong_tx, ping_rx));
        let sum = pinger(ping_tx, pong_rx, n).await;
        (sum, b.await)
    })
}

// await_chain: an await chain of depth 100 (every level a distinct async fn, the leaf
// yielding once), generated; rustc lays nested async fns out inside their caller's future.
async fn lvl0() -> u64 {
    yield_now().await;
    0
}
async fn lvl1() -> u64 { lvl0().await + 1 }
async fn lvl2() -> u64 { lvl1().await + 1 }
async fn lvl3() -> u64 { lvl2().await + 1 }
async fn lvl4() -> u64 { lvl3().await + 1 }
async fn lvl5() -> u64 { lvl4().await + 1 }
async fn lvl6() -> u64 { lvl5().await + 1 }
async fn lvl7() -> u64 { lvl6().await + 1 }
async fn lvl8() -> u64 { lvl7().await + 1 }
async fn lvl9() -> u64 { lvl8().await + 1 }
async fn lvl10() -> u64 { lvl9().await + 1 }
async fn lvl11() -> u64 { lvl10().await + 1 }
async fn lvl12() -> u64 { lvl11().await + 1 }
async fn lvl13() -> u64 { lvl12().await + 1 }
async fn lvl14() -> u64 { lvl13().await + 1 }
async fn lvl15() -> u64 { lvl14().await + 1 }
async fn lvl16() -> u64 { lvl15().await + 1 }
async fn lvl17() -> u64 { lvl16().await + 1 }
async fn lvl18() -> u64 { lvl17().await + 1 }
async fn lvl19() -> u64 { lvl18().await + 1 }
async fn lvl20() -> u64 { lvl19().await + 1 }
async fn lvl21() -> u64 { lvl20().await + 1 }
async fn lvl22() -> u64 { lvl21().await + 1 }
async fn lvl23() -> u64 { lvl22().await + 1 }
async fn lvl24() -> u64 { lvl23().await + 1 }
async fn lvl25() -> u64 { lvl24().await + 1 }
async fn lvl26() -> u64 { lvl25().await + 1 }
async fn lvl27() -> u64 { lvl26().await + 1 }
async fn lvl28() -> u64 { lvl27().await + 1 }
async fn lvl29() -> u64 { lvl28().await + 1 }
async fn lvl30() -> u64 { lvl29().await + 1 }
async fn lvl31() -> u64 { lvl30().await + 1 }
async fn lvl32() -> u64 { lvl31().await + 1 }
async fn lvl33() -> u64 { lvl32().await + 1 }
async fn lvl34() -> u64 { lvl33().await + 1 }
async fn lvl35() -> u64 { lvl34().await + 1 }
async fn lvl36() -> u64 { lvl35().await + 1 }
async fn lvl37() -> u64 { lvl36().await + 1 }
async fn lvl38() -> u64 { lvl37().await + 1 }
async fn lvl39() -> u64 { lvl38().await + 1 }
async fn lvl40() -> u64 { lvl39().await + 1 }
async fn lvl41() -> u64 { lvl40().await + 1 }
async fn lvl42() -> u64 { lvl41().await + 1 }
async fn lvl43() -> u64 { lvl42().await + 1 }
async fn lvl44() -> u64 { lvl43().await + 1 }
async fn lvl45() -> u64 { lvl44().await + 1 }
async fn lvl46() -> u64 { lvl45().await + 1 }
async fn lvl47() -> u64 { lvl46().await + 1 }
async fn lvl48() -> u64 { lvl47().await + 1 }
async fn lvl49() -> u64 { lvl48().await + 1 }
async fn lvl50() -> u64 { lvl49().await + 1 }
async fn lvl51() -> u64 { lvl50().await + 1 }
async fn lvl52() -> u64 { lvl51().await + 1 }
async fn lvl53() -> u64 { lvl52().await + 1 }
async fn lvl54() -> u64 { lvl53().await + 1 }
async fn lvl55() -> u64 { lvl54().await + 1 }
async fn lvl56() -> u64 { lvl55().await + 1 }
async fn lvl57() -> u64 { lvl56().await + 1 }
async fn lvl58() -> u64 { lvl57().await + 1 }
async fn lvl59() -> u64 { lvl58().await + 1 }
async fn lvl60() -> u64 { lvl59().await + 1 }
async fn lvl61() -> u64 { lvl60().await + 1 }
async fn lvl62() -> u64 { lvl61().await + 1 }
async fn lvl63() -> u64 { lvl62().await + 1 }
async fn lvl64() -> u64 { lvl63().await + 1 }
async fn lvl65() -> u64 { lvl64().await + 1 }
async fn lvl66() -> u64 { lvl65().await + 1 }
async fn lvl67() -> u64 { lvl66().await + 1 }
async fn lvl68() -> u64 { lvl67().await + 1 }
async fn lvl69() -> u64 { lvl68().await + 1 }
async fn lvl70() -> u64 { lvl69().await + 1 }
async fn lvl71() -> u64 { lvl70().await + 1 }
async fn lvl72() -> u64 { lvl71().await + 1 }
async fn lvl73() -> u64 { lvl72().await + 1 }
async fn lvl74() -> u64 { lvl73().await + 1 }
async fn lvl75() -> u64 { lvl74().await + 1 }
async fn lvl76() -> u64 { lvl75().await + 1 }
async fn lvl77() -> u64 { lvl76().await + 1 }
async fn lvl78() -> u64 { lvl77().await + 1 }
async fn lvl79() -> u64 { lvl78().await + 1 }
async fn lvl80() -> u64 { lvl79().await + 1 }
async fn lvl81() -> u64 { lvl80().await + 1 }
async fn lvl82() -> u64 { lvl81().await + 1 }
async fn lvl83() -> u64 { lvl82().await + 1 }
async fn lvl84() -> u64 { lvl83().await + 1 }
async fn lvl85() -> u64 { lvl84().await + 1 }
async fn lvl86() -> u64 { lvl85().await + 1 }
async fn lvl87() -> u64 { lvl86().await + 1 }
async fn lvl88() -> u64 { lvl87().await + 1 }
async fn lvl89() -> u64 { lvl88().await + 1 }
async fn lvl90() -> u64 { lvl89().await + 1 }
async fn lvl91() -> u64 { lvl90().await + 1 }
async fn lvl92() -> u64 { lvl91().await + 1 }
async fn lvl93() -> u64 { lvl92().await + 1 }
async fn lvl94() -> u64 { lvl93().await + 1 }
async fn lvl95() -> u64 { lvl94().await + 1 }
async fn lvl96() -> u64 { lvl95().await + 1 }
async fn lvl97() -> u64 { lvl96().await + 1 }
async fn lvl98() -> u64 { lvl97().await + 1 }
async fn lvl99() -> u64 { lvl98().await + 1 }
async fn lvl100() -> u64 { lvl99().await + 1 }

#[inline(never)]
fn bench_run_await_chain(local: Option<&mut LocalPool>, n: u64) -> u64 {
    run_main(local, async move {
        let mut sum = 0;
        for _ in 0..n {
            sum += lvl100().await;
        }
        sum
    })
}

#[inline(never)]
fn bench_run_oneshot(local: Option<&mut LocalPool>, n: u64) -> u64 {
    run_main(local, async move {
        let mut sum = 0;
        for i in 0..n {
            let (tx, rx) = oneshot::channel();
            tx.send(i).expect("oneshot: receiver gone");
            sum += rx.await.unwrap();
        }
        sum
    })
}

fn run_idle(a: &Args, local: Option<LocalPool>) {
    LOT.lock().unwrap().reserve(a.n as usize);
    let base = proc_status_kb("VmRSS");
    let t = Instant::now();
    let s;
    let peak;
    if let Some(mut p) = local {
        let sp = p.spawner();
        for _ in 0..a.n {
            sp.spawn_local(idle_task()).unwrap();
        }
        p.run_until_stalled();
        s = seconds_since(t);
        peak = proc_status_kb("VmHWM");
        check(a, "started", started(), a.n);
        LOT.lock().unwrap().clear();
        drop(p); // drops every pending task
    } else {
        for _ in 0..a.n {
            pool().spawn_ok(idle_task());
        }
        while started() < a.n {
            std::thread::sleep(Duration::from_micros(200));
        }
        s = seconds_since(t);
        peak = proc_status_kb("VmHWM");
        // A ThreadPool does not own its tasks, and a pending task holds a reference to its own
        // waker: dropping the wakers would leak the tasks (a cycle), not drop them. Cancel them
        // the futures-rs way instead: tell them to stop and wake them.
        STOP.store(true, Ordering::Relaxed);
        let wakers = std::mem::take(&mut *LOT.lock().unwrap());
        for w in wakers {
            w.wake();
        }
        let deadline = Instant::now() + Duration::from_secs(60);
        while dropped() < a.n && Instant::now() < deadline {
            std::thread::sleep(Duration::from_micros(200));
        }
    }
    check(a, "dropped", dropped(), a.n);
    report(a, s, base, peak);
}

fn main() {
    let a = parse();
    let mut local = match a.system.as_str() {
        "futures-local" => {
            let p = LocalPool::new();
            LOCAL.with(|s| *s.borrow_mut() = Some(p.spawner()));
            Some(p)
        }
        "futures-pool2" => {
            let p = Box::new(ThreadPool::builder().pool_size(2).create().unwrap());
            // Release: publishes the pool to the worker threads' loads in pool().
            POOL.store(Box::into_raw(p), Ordering::Release);
            None
        }
        _ => unknown(&a),
    };
    let t = Instant::now();
    match a.workload.as_str() {
        "spawn_join" => {
            let sum = match local.as_mut() {
                Some(p) => bench_run_spawn_join_local(p, a.n),
                None => bench_run_spawn_join_pool(a.n),
            };
            let s = seconds_since(t);
            check(&a, "sum", sum, a.n * (a.n - 1) / 2);
            report(&a, s, 0, 0);
        }
        "yield" => {
            let total = match local.as_mut() {
                Some(p) => bench_run_yield_local(p, a.n, a.m),
                None => bench_run_yield_pool(a.n, a.m),
            };
            let s = seconds_since(t);
            check(&a, "yields", total, a.n * a.m);
            report(&a, s, 0, 0);
        }
        "chain" => {
            let depth = match local.as_mut() {
                Some(p) => bench_run_chain_local(p, a.n),
                None => bench_run_chain_pool(a.n),
            };
            let s = seconds_since(t);
            check(&a, "depth", depth, a.n);
            report(&a, s, 0, 0);
        }
        "ping_pong" => {
            let (sum, count) = bench_run_ping_pong(local.as_mut(), a.n);
            let s = seconds_since(t);
            check(&a, "round trips", count, a.n);
            check(&a, "sum", sum, a.n * (a.n + 1) / 2);
            report(&a, s, 0, 0);
        }
        "yield_main" => {
            let done = bench_run_yield_main(local.as_mut(), a.n);
            let s = seconds_since(t);
            check(&a, "yields", done, a.n);
            report(&a, s, 0, 0);
        }
        "ping_pong_main" => {
            let (sum, count) = bench_run_ping_pong_main(local.as_mut(), a.n);
            let s = seconds_since(t);
            check(&a, "round trips", count, a.n);
            check(&a, "sum", sum, a.n * (a.n + 1) / 2);
            report(&a, s, 0, 0);
        }
        "await_chain" => {
            let sum = bench_run_await_chain(local.as_mut(), a.n);
            let s = seconds_since(t);
            check(&a, "depths", sum, a.n * 100);
            report(&a, s, 0, 0);
        }
        "mpsc" => {
            let (sum, count, sent) = bench_run_mpsc(local.as_mut(), a.n, a.m);
            let s = seconds_since(t);
            let total = a.n * a.m;
            check(&a, "received", count, total);
            check(&a, "sent", sent, total);
            check(&a, "sum", sum, total * (total - 1) / 2);
            report(&a, s, 0, 0);
        }
        "oneshot" => {
            let sum = bench_run_oneshot(local.as_mut(), a.n);
            let s = seconds_since(t);
            check(&a, "sum", sum, a.n * (a.n - 1) / 2);
            report(&a, s, 0, 0);
        }
        "idle_memory" => run_idle(&a, local),
        _ => unknown(&a),
    }
}
