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

/// The TCP echo message size and contents (the same in every program): a connection's buffer
/// starts as byte j = (7c + j) mod 256 (echo_init); before each send its first 8 bytes are set
/// to (c << 32) | i, little-endian (echo_stamp), so that every message differs.
pub const ECHO_MSG: usize = 1024;
pub fn echo_init(buf: &mut [u8], c: u64) {
    for (j, b) in buf.iter_mut().enumerate() {
        *b = (c.wrapping_mul(7).wrapping_add(j as u64) & 0xff) as u8;
    }
}
pub fn echo_stamp(buf: &mut [u8], c: u64, i: u64) {
    buf[..8].copy_from_slice(&((c << 32) | i).to_le_bytes());
}
/// Position-weighted sum of the message's little-endian 64-bit words.
pub fn echo_checksum(buf: &[u8]) -> u64 {
    buf.chunks_exact(8).enumerate().fold(0u64, |s, (k, w)| {
        s.wrapping_add(u64::from_le_bytes(w.try_into().unwrap()).wrapping_mul(k as u64 + 1))
    })
}
/// What the clients' checksums must add up to, computed from the messages outside the timing.
pub fn echo_expected(conns: u64, msgs: u64) -> u64 {
    let mut buf = [0u8; ECHO_MSG];
    let mut sum = 0u64;
    for c in 0..conns {
        echo_init(&mut buf, c);
        for i in 0..msgs {
            echo_stamp(&mut buf, c, i);
            sum = sum.wrapping_add(echo_checksum(&buf));
        }
    }
    sum
}

/// How many idle connections fit: each needs two descriptors (client and server side), and a
/// few are kept for the runtime (epoll, eventfd), the listener and stdio. Raises the soft
/// RLIMIT_NOFILE to the hard limit first. The caller reports the count it really used.
pub fn idle_conns_fit(wanted: u64) -> u64 {
    let mut lim = libc::rlimit { rlim_cur: 0, rlim_max: 0 };
    unsafe {
        libc::getrlimit(libc::RLIMIT_NOFILE, &mut lim);
        lim.rlim_cur = lim.rlim_max;
        libc::setrlimit(libc::RLIMIT_NOFILE, &lim);
    }
    let fit = (lim.rlim_cur as u64).saturating_sub(IDLE_CONNS_RESERVE) / 2;
    if fit < wanted {
        eprintln!(
            "idle_conns: RLIMIT_NOFILE hard limit {} fits {} connections (2 descriptors each), not {}: measuring {}",
            lim.rlim_max, fit, wanted, fit
        );
    }
    wanted.min(fit)
}
pub const IDLE_CONNS_RESERVE: u64 = 32;
