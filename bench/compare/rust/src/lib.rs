// SPDX-License-Identifier: MIT
//! What the Rust programs of the side-by-side comparison share with each other and with the C++
//! ones (bench/compare/compare_common.hpp): the command line `<system> <workload> <n> [m]`, the
//! one JSON result line, the self-checks (exit status 1 on a wrong result), the peak-memory
//! probe, and the futures the workloads await.

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Mutex;
use std::task::{Context, Poll, Waker};
use std::time::Instant;

pub struct Args {
    pub system: String,
    pub workload: String,
    pub n: u64,
    pub m: u64,
}

pub fn parse() -> Args {
    let v: Vec<String> = std::env::args().collect();
    if v.len() < 4 {
        eprintln!("usage: {} <system> <workload> <n> [m]", v[0]);
        std::process::exit(2);
    }
    Args {
        system: v[1].clone(),
        workload: v[2].clone(),
        n: v[3].parse().expect("n"),
        m: v.get(4).map(|s| s.parse().expect("m")).unwrap_or(0),
    }
}

/// A field of /proc/self/status in kB (VmRSS: now, VmHWM: the peak so far).
pub fn proc_status_kb(field: &str) -> i64 {
    let s = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    for line in s.lines() {
        if let Some(rest) = line.strip_prefix(field).and_then(|r| r.strip_prefix(':')) {
            return rest.trim().trim_end_matches("kB").trim().parse().unwrap_or(-1);
        }
    }
    -1
}

/// Exits with status 1 unless `got == want`: the workload computed the wrong thing.
pub fn check(a: &Args, what: &str, got: u64, want: u64) {
    if got != want {
        eprintln!("{} {}: check failed: {} = {}, expected {}", a.system, a.workload, what, got, want);
        std::process::exit(1);
    }
}

pub fn report(a: &Args, seconds: f64, rss_base_kb: i64, rss_peak_kb: i64) {
    println!(
        "{{\"system\":\"{}\",\"workload\":\"{}\",\"n\":{},\"m\":{},\"seconds\":{:.6},\"rss_base_kb\":{},\"rss_peak_kb\":{},\"check\":\"ok\"}}",
        a.system, a.workload, a.n, a.m, seconds, rss_base_kb, rss_peak_kb
    );
}

pub fn unknown(a: &Args) -> ! {
    eprintln!("unknown system/workload: {} {}", a.system, a.workload);
    std::process::exit(2);
}

pub fn seconds_since(t: Instant) -> f64 {
    t.elapsed().as_secs_f64()
}

// Counters of the idle-memory workload: every task started, every task's locals dropped.
// Relaxed: read after the executor is stopped or joined, which orders them.
pub static STARTED: AtomicU64 = AtomicU64::new(0);
pub static DROPPED: AtomicU64 = AtomicU64::new(0);

pub fn started() -> u64 {
    STARTED.load(Ordering::Relaxed)
}
pub fn dropped() -> u64 {
    DROPPED.load(Ordering::Relaxed)
}

pub struct DropGuard;
impl Drop for DropGuard {
    fn drop(&mut self) {
        DROPPED.fetch_add(1, Ordering::Relaxed);
    }
}

/// Where parked tasks leave their wakers, as a socket or a channel would.
pub static LOT: Mutex<Vec<Waker>> = Mutex::new(Vec::new());

/// Set (before waking every parked waker) to cancel parked tasks cooperatively: the only way to
/// cancel tasks of an executor that does not own them (futures' ThreadPool).
pub static STOP: AtomicBool = AtomicBool::new(false);

/// Pending until `STOP` is set; the first poll leaves the waker in `LOT`.
pub struct Park {
    parked: bool,
}
pub fn park() -> Park {
    Park { parked: false }
}
impl Future for Park {
    type Output = ();
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        // Relaxed: the wake that follows the store orders it before this re-poll.
        if STOP.load(Ordering::Relaxed) {
            return Poll::Ready(());
        }
        if !self.parked {
            self.parked = true;
            LOT.lock().unwrap().push(cx.waker().clone());
            STARTED.fetch_add(1, Ordering::Relaxed);
        }
        Poll::Pending
    }
}

pub async fn idle_task() {
    let _guard = DropGuard;
    park().await;
}

/// Pending once (after waking itself), then ready: futures-rs has no yield of its own.
pub struct YieldNow {
    yielded: bool,
}
pub fn yield_now() -> YieldNow {
    YieldNow { yielded: false }
}
impl Future for YieldNow {
    type Output = ();
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if self.yielded {
            return Poll::Ready(());
        }
        self.yielded = true;
        cx.waker().wake_by_ref();
        Poll::Pending
    }
}
