// SPDX-License-Identifier: MIT
//! The futures-rs side of the side-by-side comparison (docs/benchmarks.md): every workload on
//! `futures::executor::LocalPool` ("futures-local") and on a two-thread
//! `futures::executor::ThreadPool` ("futures-pool2"); join handles are `RemoteHandle`s from
//! `spawn_with_handle`. `futures_compare futures-local spawn_join 1000000` prints one JSON line.
//! Each `bench_run_*` function is the measured region (callgrind: --toggle-collect=*bench_run_*).

use af_compare_peers::*;
use futures::executor::{block_on, LocalPool, LocalSpawner, ThreadPool};
use futures::future::{BoxFuture, FutureExt, LocalBoxFuture};
use futures::task::{LocalSpawnExt, SpawnExt};
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
        "idle_memory" => run_idle(&a, local),
        _ => unknown(&a),
    }
}
