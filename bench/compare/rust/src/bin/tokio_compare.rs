// SPDX-License-Identifier: MIT
//! The tokio side of the side-by-side comparison (docs/benchmarks.md): every workload on a
//! current-thread runtime ("tokio-ct") and on a multi-thread runtime with two workers
//! ("tokio-mt2"), both with `enable_all()` as `#[tokio::main]` builds them; "tokio-ct-min" and
//! "tokio-mt2-min" enable only the drivers the workload needs (none for channels and yields).
//! `tokio_compare tokio-ct spawn_join 1000000` prints one JSON line.
//! Channels are tokio::sync's (mpsc::channel, oneshot), sleeps tokio::time::sleep, sockets
//! tokio::net's (TcpListener, TcpStream with AsyncReadExt/AsyncWriteExt).
//! Each `bench_run_*` function is the measured region (callgrind: --toggle-collect=*bench_run_*).

// The depth-100 await chain nests 100 futures' types: past rustc's default limit of 128 checks.
#![recursion_limit = "512"]

use af_compare_peers::*;
use std::future::Future;
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::runtime::{Builder, Runtime};
use tokio::sync::{mpsc, oneshot};

fn leaf(i: u64) -> impl Future<Output = u64> + Send {
    async move { i }
}

fn yielder(yields: u64) -> impl Future<Output = u64> + Send {
    async move {
        let mut done = 0;
        for _ in 0..yields {
            tokio::task::yield_now().await;
            done += 1;
        }
        done
    }
}

fn chain(depth: u64) -> impl Future<Output = u64> + Send {
    async move {
        if depth == 0 {
            return 0;
        }
        tokio::spawn(chain_boxed(depth - 1)).await.unwrap() + 1
    }
}
// The opaque type of `chain` may not name itself; one box per level, as a tokio user would write.
fn chain_boxed(depth: u64) -> std::pin::Pin<Box<dyn Future<Output = u64> + Send>> {
    Box::pin(chain(depth))
}

// Sends i, waits for the answer (i + 1); returns the sum of the answers.
async fn pinger(tx: mpsc::Sender<u64>, mut rx: mpsc::Receiver<u64>, n: u64) -> u64 {
    let mut sum = 0;
    for i in 0..n {
        tx.send(i).await.expect("ping: channel closed");
        sum += rx.recv().await.expect("ping: no answer");
    }
    sum
}

// Answers every v with v + 1 until the pinger drops its sender; returns the count.
async fn ponger(tx: mpsc::Sender<u64>, mut rx: mpsc::Receiver<u64>) -> u64 {
    let mut count = 0;
    while let Some(v) = rx.recv().await {
        tx.send(v + 1).await.expect("pong: channel closed");
        count += 1;
    }
    count
}

#[inline(never)]
fn bench_run_ping_pong(rt: &Runtime, n: u64) -> (u64, u64) {
    rt.block_on(async move {
        let (ping_tx, ping_rx) = mpsc::channel(1);
        let (pong_tx, pong_rx) = mpsc::channel(1);
        let a = tokio::spawn(pinger(ping_tx, pong_rx, n));
        let b = tokio::spawn(ponger(pong_tx, ping_rx));
        (a.await.unwrap(), b.await.unwrap())
    })
}

async fn producer(tx: mpsc::Sender<u64>, first: u64, m: u64) -> u64 {
    for i in 0..m {
        tx.send(first + i).await.expect("producer: channel closed");
    }
    m
}

#[inline(never)]
fn bench_run_mpsc(rt: &Runtime, producers: u64, m: u64) -> (u64, u64, u64) {
    rt.block_on(async move {
        let (tx, mut rx) = mpsc::channel(1024);
        let mut handles = Vec::new();
        for p in 0..producers {
            handles.push(tokio::spawn(producer(tx.clone(), p * m, m)));
        }
        drop(tx);
        let (mut sum, mut count) = (0, 0);
        while let Some(v) = rx.recv().await {
            sum += v;
            count += 1;
        }
        let mut sent = 0;
        for h in handles {
            sent += h.await.unwrap();
        }
        (sum, count, sent)
    })
}

// --- main task in block_on: the shape of most programs (`#[tokio::main] async fn main`) ------

#[inline(never)]
fn bench_run_yield_main(rt: &Runtime, n: u64) -> u64 {
    rt.block_on(async move {
        let mut done = 0;
        for _ in 0..n {
            tokio::task::yield_now().await;
            done += 1;
        }
        done
    })
}

// The main task is the pinger; the ponger is spawned.
#[inline(never)]
fn bench_run_ping_pong_main(rt: &Runtime, n: u64) -> (u64, u64) {
    rt.block_on(async move {
        let (ping_tx, ping_rx) = mpsc::channel(1);
        let (pong_tx, pong_rx) = mpsc::channel(1);
        let b = tokio::spawn(ponger(pong_tx, ping_rx));
        let sum = pinger(ping_tx, pong_rx, n).await;
        (sum, b.await.unwrap())
    })
}

// await_chain: an await chain of depth 100 (every level a distinct async fn, the leaf
// yielding once), generated; rustc lays nested async fns out inside their caller's future.
async fn lvl0() -> u64 {
    tokio::task::yield_now().await;
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
fn bench_run_await_chain(rt: &Runtime, n: u64) -> u64 {
    rt.block_on(async move {
        let mut sum = 0;
        for _ in 0..n {
            sum += lvl100().await;
        }
        sum
    })
}

// A spawned producer sends n values through a channel(1); the main task receives each under
// its own 1 s tokio::time::timeout (most receives wait, with a timer armed).
#[inline(never)]
fn bench_run_timeout_recv(rt: &Runtime, n: u64) -> (u64, u64, u64) {
    rt.block_on(async move {
        let (tx, mut rx) = mpsc::channel(1);
        let p = tokio::spawn(producer(tx, 0, n));
        let (mut sum, mut count) = (0, 0);
        loop {
            match tokio::time::timeout(Duration::from_secs(1), rx.recv()).await {
                Err(_) => {
                    eprintln!("timeout_recv: a receive timed out");
                    std::process::exit(1);
                }
                Ok(None) => break,
                Ok(Some(v)) => {
                    sum += v;
                    count += 1;
                }
            }
        }
        (sum, count, p.await.unwrap())
    })
}

#[inline(never)]
fn bench_run_oneshot(rt: &Runtime, n: u64) -> u64 {
    rt.block_on(async move {
        let mut sum = 0;
        for i in 0..n {
            let (tx, rx) = oneshot::channel();
            tx.send(i).expect("oneshot: receiver gone");
            sum += rx.await.unwrap();
        }
        sum
    })
}

#[inline(never)]
fn bench_run_sleep(rt: &Runtime, n: u64) -> u64 {
    rt.block_on(async move {
        let mut handles = Vec::with_capacity(n as usize);
        for _ in 0..n {
            handles.push(tokio::spawn(async {
                tokio::time::sleep(Duration::from_millis(1)).await;
                1u64
            }));
        }
        let mut done = 0;
        for h in handles {
            done += h.await.unwrap();
        }
        done
    })
}

#[inline(never)]
fn bench_run_spawn_join(rt: &Runtime, n: u64) -> u64 {
    rt.block_on(async move {
        let mut handles = Vec::with_capacity(n as usize);
        for i in 0..n {
            handles.push(tokio::spawn(leaf(i)));
        }
        let mut sum = 0;
        for h in handles {
            sum += h.await.unwrap();
        }
        sum
    })
}

#[inline(never)]
fn bench_run_yield(rt: &Runtime, tasks: u64, yields: u64) -> u64 {
    rt.block_on(async move {
        let mut handles = Vec::with_capacity(tasks as usize);
        for _ in 0..tasks {
            handles.push(tokio::spawn(yielder(yields)));
        }
        let mut sum = 0;
        for h in handles {
            sum += h.await.unwrap();
        }
        sum
    })
}

#[inline(never)]
fn bench_run_chain(rt: &Runtime, depth: u64) -> u64 {
    rt.block_on(async move { tokio::spawn(chain_boxed(depth)).await.unwrap() })
}

// --- tcp_echo: `conns` clients each send `msgs` 1 KiB messages and read each echo back ---------

// Echoes until the client shuts down its side; returns the bytes echoed.
async fn echo_server(mut s: TcpStream) -> u64 {
    let mut buf = [0u8; 4096];
    let mut echoed = 0;
    loop {
        let n = s.read(&mut buf).await.expect("server read");
        if n == 0 {
            return echoed;
        }
        s.write_all(&buf[..n]).await.expect("server write");
        echoed += n as u64;
    }
}

async fn echo_accept(listener: TcpListener, conns: u64) -> u64 {
    let mut handles = Vec::with_capacity(conns as usize);
    for _ in 0..conns {
        let (s, _) = listener.accept().await.expect("accept");
        s.set_nodelay(true).expect("nodelay");
        handles.push(tokio::spawn(echo_server(s)));
    }
    let mut echoed = 0;
    for h in handles {
        echoed += h.await.unwrap();
    }
    echoed
}

// Returns the checksum of every echo; exits on an echo that differs from what was sent.
async fn echo_client(addr: std::net::SocketAddr, c: u64, msgs: u64) -> u64 {
    let mut s = TcpStream::connect(addr).await.expect("connect");
    s.set_nodelay(true).expect("nodelay");
    let mut out = [0u8; ECHO_MSG];
    let mut back = [0u8; ECHO_MSG];
    echo_init(&mut out, c);
    let mut sum = 0u64;
    for i in 0..msgs {
        echo_stamp(&mut out, c, i);
        s.write_all(&out).await.expect("client write");
        s.read_exact(&mut back).await.expect("client read");
        if back != out {
            eprintln!("check failed: connection {} message {}: echo differs", c, i);
            std::process::exit(1);
        }
        sum = sum.wrapping_add(echo_checksum(&back));
    }
    s.shutdown().await.expect("shutdown");
    if s.read(&mut back).await.expect("client read") != 0 {
        eprintln!("check failed: connection {}: bytes after the last echo", c);
        std::process::exit(1);
    }
    sum
}

#[inline(never)]
fn bench_run_tcp_echo(rt: &Runtime, conns: u64, msgs: u64) -> (u64, u64) {
    rt.block_on(async move {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let addr = listener.local_addr().unwrap();
        let server = tokio::spawn(echo_accept(listener, conns));
        let mut clients = Vec::with_capacity(conns as usize);
        for c in 0..conns {
            clients.push(tokio::spawn(echo_client(addr, c, msgs)));
        }
        let mut sum = 0u64;
        for h in clients {
            sum = sum.wrapping_add(h.await.unwrap());
        }
        (sum, server.await.unwrap())
    })
}

// --- idle_conns: n accepted connections whose tasks await a read that never comes ------------

// Parks on a read; the read returns 0 once the client is dropped at the end of the run.
async fn idle_server(mut s: TcpStream) {
    let _guard = DropGuard;
    let mut buf = [0u8; 64];
    STARTED.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let n = s.read(&mut buf).await.expect("idle read");
    if n != 0 {
        eprintln!("check failed: an idle connection received {} bytes", n);
        std::process::exit(1);
    }
}

async fn idle_accept(listener: TcpListener, n: u64) {
    for _ in 0..n {
        let (s, _) = listener.accept().await.expect("accept");
        tokio::spawn(idle_server(s));
    }
}

fn run_idle_conns(a: &Args, rt: Runtime) {
    let n = idle_conns_fit(a.n);
    let a = Args { system: a.system.clone(), workload: a.workload.clone(), n, m: a.m };
    let base = proc_status_kb("VmRSS");
    let t = Instant::now();
    let peak = rt.block_on(async move {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let addr = listener.local_addr().unwrap();
        let acceptor = tokio::spawn(idle_accept(listener, n));
        let mut clients = Vec::with_capacity(n as usize);
        for _ in 0..n {
            clients.push(TcpStream::connect(addr).await.expect("connect"));
        }
        acceptor.await.unwrap();
        while started() < n {
            tokio::task::yield_now().await;
        }
        let peak = proc_status_kb("VmHWM");
        drop(clients); // every idle read now returns 0 and its task ends
        while dropped() < n {
            tokio::task::yield_now().await;
        }
        peak
    });
    let s = seconds_since(t);
    drop(rt);
    check(&a, "started", started(), n);
    check(&a, "dropped", dropped(), n);
    report(&a, s, base, peak);
}

fn run_idle(a: &Args, rt: Runtime, current_thread: bool) {
    LOT.lock().unwrap().reserve(a.n as usize);
    let base = proc_status_kb("VmRSS");
    let t = Instant::now();
    let n = a.n;
    if current_thread {
        rt.block_on(async move {
            for _ in 0..n {
                tokio::spawn(idle_task());
            }
            while started() < n {
                tokio::task::yield_now().await;
            }
        });
    } else {
        for _ in 0..n {
            rt.spawn(idle_task());
        }
        while started() < n {
            std::thread::sleep(Duration::from_micros(200));
        }
    }
    let s = seconds_since(t);
    let peak = proc_status_kb("VmHWM");
    drop(rt); // shutting down drops every pending task
    LOT.lock().unwrap().clear();
    check(a, "dropped", dropped(), a.n);
    report(a, s, base, peak);
}

fn main() {
    let a = parse();
    let current_thread = match a.system.as_str() {
        "tokio-ct" | "tokio-ct-min" => true,
        "tokio-mt2" | "tokio-mt2-min" => false,
        _ => unknown(&a),
    };
    let minimal = a.system.ends_with("-min");
    let mut b = if current_thread { Builder::new_current_thread() } else { Builder::new_multi_thread() };
    if !current_thread {
        b.worker_threads(2);
    }
    // Every driver, as #[tokio::main] builds it; -min: only what the workload needs.
    if !minimal {
        b.enable_all();
    } else {
        if a.workload == "sleep" || a.workload == "timeout_recv" {
            b.enable_time();
        }
        if a.workload == "tcp_echo" || a.workload == "idle_conns" {
            b.enable_io();
        }
    }
    let rt = b.build().unwrap();
    match a.workload.as_str() {
        "spawn_join" => {
            let t = Instant::now();
            let sum = bench_run_spawn_join(&rt, a.n);
            let s = seconds_since(t);
            check(&a, "sum", sum, a.n * (a.n - 1) / 2);
            report(&a, s, 0, 0);
        }
        "yield" => {
            let t = Instant::now();
            let total = bench_run_yield(&rt, a.n, a.m);
            let s = seconds_since(t);
            check(&a, "yields", total, a.n * a.m);
            report(&a, s, 0, 0);
        }
        "chain" => {
            let t = Instant::now();
            let depth = bench_run_chain(&rt, a.n);
            let s = seconds_since(t);
            check(&a, "depth", depth, a.n);
            report(&a, s, 0, 0);
        }
        "ping_pong" => {
            let t = Instant::now();
            let (sum, count) = bench_run_ping_pong(&rt, a.n);
            let s = seconds_since(t);
            check(&a, "round trips", count, a.n);
            check(&a, "sum", sum, a.n * (a.n + 1) / 2);
            report(&a, s, 0, 0);
        }
        "mpsc" => {
            let t = Instant::now();
            let (sum, count, sent) = bench_run_mpsc(&rt, a.n, a.m);
            let s = seconds_since(t);
            let total = a.n * a.m;
            check(&a, "received", count, total);
            check(&a, "sent", sent, total);
            check(&a, "sum", sum, total * (total - 1) / 2);
            report(&a, s, 0, 0);
        }
        "yield_main" => {
            let t = Instant::now();
            let done = bench_run_yield_main(&rt, a.n);
            let s = seconds_since(t);
            check(&a, "yields", done, a.n);
            report(&a, s, 0, 0);
        }
        "ping_pong_main" => {
            let t = Instant::now();
            let (sum, count) = bench_run_ping_pong_main(&rt, a.n);
            let s = seconds_since(t);
            check(&a, "round trips", count, a.n);
            check(&a, "sum", sum, a.n * (a.n + 1) / 2);
            report(&a, s, 0, 0);
        }
        "await_chain" => {
            let t = Instant::now();
            let sum = bench_run_await_chain(&rt, a.n);
            let s = seconds_since(t);
            check(&a, "depths", sum, a.n * 100);
            report(&a, s, 0, 0);
        }
        "timeout_recv" => {
            let t = Instant::now();
            let (sum, count, sent) = bench_run_timeout_recv(&rt, a.n);
            let s = seconds_since(t);
            check(&a, "received", count, a.n);
            check(&a, "sent", sent, a.n);
            check(&a, "sum", sum, a.n * (a.n - 1) / 2);
            report(&a, s, 0, 0);
        }
        "oneshot" => {
            let t = Instant::now();
            let sum = bench_run_oneshot(&rt, a.n);
            let s = seconds_since(t);
            check(&a, "sum", sum, a.n * (a.n - 1) / 2);
            report(&a, s, 0, 0);
        }
        "sleep" => {
            let base = proc_status_kb("VmRSS");
            let t = Instant::now();
            let done = bench_run_sleep(&rt, a.n);
            let s = seconds_since(t);
            let peak = proc_status_kb("VmHWM");
            check(&a, "slept", done, a.n);
            report(&a, s, base, peak);
        }
        "tcp_echo" => {
            let t = Instant::now();
            let (sum, echoed) = bench_run_tcp_echo(&rt, a.n, a.m);
            let s = seconds_since(t);
            check(&a, "bytes echoed", echoed, a.n * a.m * ECHO_MSG as u64);
            check(&a, "checksum", sum, echo_expected(a.n, a.m));
            report(&a, s, 0, 0);
        }
        "idle_conns" => run_idle_conns(&a, rt),
        "idle_memory" => run_idle(&a, rt, current_thread),
        _ => unknown(&a),
    }
}
