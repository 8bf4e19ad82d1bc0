// SPDX-License-Identifier: MIT
//! hyper 0.14's side of the HTTP server comparison (bench/http/run.py), in the shape of
//! hyper's own server examples: `Server::bind(..).serve(make_service_fn(..))`.
//!
//!     hyper_http_server <threads> [port]    (1: tokio current_thread, else multi_thread)
//!
//! Prints `listening 127.0.0.1:<port>` once bound and serves until SIGINT. Routes as in
//! af_http_server.cpp. `http1_pipeline_flush(true)` lets hyper coalesce the responses to
//! pipelined requests into one write, as af does by default (TechEmpower's hyper entry sets it
//! too); TCP_NODELAY as in the af and Beast servers.
use std::convert::Infallible;
use std::net::SocketAddr;

use hyper::body::HttpBody;
use hyper::service::{make_service_fn, service_fn};
use hyper::{header, Body, Method, Request, Response, Server, StatusCode};

static MEGABYTE: [u8; 1 << 20] = [b'x'; 1 << 20];

async fn handle(req: Request<Body>) -> Result<Response<Body>, hyper::Error> {
    let text = |s: StatusCode, t: &'static str, b: Body| {
        Response::builder().status(s).header(header::CONTENT_TYPE, t).body(b).unwrap()
    };
    Ok(match (req.method(), req.uri().path()) {
        (&Method::GET, "/") => text(StatusCode::OK, "text/plain", Body::from("Hello, World!")),
        (&Method::GET, "/1m") => text(StatusCode::OK, "application/octet-stream", Body::from(&MEGABYTE[..])),
        (&Method::POST, "/upload") => {
            // Count the chunks as they arrive: the upload is never held whole.
            let mut body = req.into_body();
            let mut n: u64 = 0;
            while let Some(chunk) = body.data().await {
                n += chunk?.len() as u64;
            }
            text(StatusCode::OK, "text/plain", Body::from(n.to_string()))
        }
        _ => text(StatusCode::NOT_FOUND, "text/plain", Body::empty()),
    })
}

async fn serve(port: u16) {
    let addr = SocketAddr::from(([127, 0, 0, 1], port));
    let make_svc = make_service_fn(|_conn| async { Ok::<_, Infallible>(service_fn(handle)) });
    let server = Server::bind(&addr).http1_pipeline_flush(true).tcp_nodelay(true).serve(make_svc);
    println!("listening {}", server.local_addr());
    let graceful = server.with_graceful_shutdown(async {
        tokio::signal::ctrl_c().await.ok();
    });
    if let Err(e) = graceful.await {
        eprintln!("hyper_http_server: {e}");
        std::process::exit(1);
    }
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.len() < 2 {
        eprintln!("usage: hyper_http_server <threads> [port]");
        std::process::exit(2);
    }
    let threads: usize = args[1].parse().unwrap_or(1);
    let port: u16 = args.get(2).and_then(|p| p.parse().ok()).unwrap_or(0);
    let rt = if threads <= 1 {
        tokio::runtime::Builder::new_current_thread().enable_all().build()
    } else {
        tokio::runtime::Builder::new_multi_thread().worker_threads(threads).enable_all().build()
    };
    rt.expect("tokio runtime").block_on(serve(port));
}
