//! The server on a real listener, against clients that hold on: a half-sent request, an idle
//! connection, a slow body, more connections than the cap. Each timeout is short here so the
//! test is quick; the `GUARD` around every wait only turns a hang into a failure.

use std::net::SocketAddr;
use std::time::Duration;

use axum::Router;
use axum::extract::ConnectInfo;
use axum::routing::get;
use masthead_web::http::serve::{Limits, serve};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

use crate::harness::TestApp;

/// Not a timing assertion: only how long to wait before calling a test hung.
const GUARD: Duration = Duration::from_secs(30);

struct Server {
    addr: SocketAddr,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    task: tokio::task::JoinHandle<std::io::Result<()>>,
}

impl Server {
    async fn start(router: Router, limits: Limits) -> Server {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let task = tokio::spawn(serve(listener, router, None, limits, async move {
            let _ = stopped.await;
        }));
        Server { addr, stop: Some(stop), task }
    }

    async fn connect(&self) -> TcpStream {
        TcpStream::connect(self.addr).await.unwrap()
    }

    /// Stops the server and waits for it, as SIGTERM does.
    async fn stop(mut self) {
        let _ = self.stop.take().unwrap().send(());
        let stopped = tokio::time::timeout(GUARD, self.task).await;
        stopped.expect("the server stops").unwrap().expect("the server stops cleanly");
    }
}

/// Limits with every timeout long, but what a test sets.
fn patient() -> Limits {
    Limits {
        max_connections: 64,
        header_timeout: GUARD * 4,
        idle_timeout: GUARD * 4,
        request_timeout: GUARD * 4,
    }
}

/// Everything the server sends until it closes the connection; panics if it never does.
async fn read_until_closed(stream: &mut TcpStream) -> String {
    let mut received = Vec::new();
    let read = tokio::time::timeout(GUARD, async {
        let mut buf = [0u8; 4096];
        loop {
            match stream.read(&mut buf).await {
                Ok(0) | Err(_) => break,
                Ok(n) => received.extend_from_slice(&buf[..n]),
            }
        }
    });
    read.await.expect("the server closed the connection");
    String::from_utf8_lossy(&received).into_owned()
}

async fn get_once(stream: &mut TcpStream, path: &str) -> String {
    let request = format!("GET {path} HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).await.unwrap();
    read_until_closed(stream).await
}

#[tokio::test]
async fn a_half_sent_request_is_disconnected_after_the_header_timeout() {
    let app = TestApp::demo().await;
    let limits = Limits { header_timeout: Duration::from_millis(500), ..patient() };
    let server = Server::start(app.router.clone(), limits).await;
    let mut slow = server.connect().await;
    slow.write_all(b"GET /article/").await.unwrap();
    let answer = read_until_closed(&mut slow).await;
    assert!(!answer.contains("200 OK"), "{answer}");
    server.stop().await;
    app.finish().await;
}

#[tokio::test]
async fn an_idle_connection_is_closed_after_the_idle_timeout() {
    let app = TestApp::demo().await;
    let limits = Limits { idle_timeout: Duration::from_millis(500), ..patient() };
    let server = Server::start(app.router.clone(), limits).await;
    let mut silent = server.connect().await;
    assert_eq!(read_until_closed(&mut silent).await, "", "nothing was asked, nothing is said");
    // And between two requests of a kept-alive connection.
    let mut kept = server.connect().await;
    kept.write_all(b"GET /robots.txt HTTP/1.1\r\nHost: test\r\n\r\n").await.unwrap();
    let answer = read_until_closed(&mut kept).await;
    assert!(answer.starts_with("HTTP/1.1 200 OK"), "{answer}");
    server.stop().await;
    app.finish().await;
}

#[tokio::test]
async fn a_slow_body_is_answered_408_after_the_request_timeout() {
    let app = TestApp::demo().await;
    let limits = Limits { request_timeout: Duration::from_millis(500), ..patient() };
    let server = Server::start(app.router.clone(), limits).await;
    let mut slow = server.connect().await;
    let head = "POST /webmention HTTP/1.1\r\nHost: test\r\n\
                Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 100\r\n\r\nsource=";
    slow.write_all(head.as_bytes()).await.unwrap();
    let answer = read_until_closed(&mut slow).await;
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    server.stop().await;
    app.finish().await;
}

#[tokio::test]
async fn past_the_cap_a_connection_is_refused_politely_and_served_once_one_is_released() {
    let app = TestApp::demo().await;
    let server = Server::start(app.router.clone(), Limits { max_connections: 2, ..patient() }).await;
    let mut first = server.connect().await;
    let second = server.connect().await;
    // Connections are accepted in the order they arrive: these two hold the permits.
    let mut third = server.connect().await;
    let refused = read_until_closed(&mut third).await;
    assert!(refused.starts_with("HTTP/1.1 503"), "{refused}");
    assert!(refused.to_ascii_lowercase().contains("\r\nretry-after: "), "{refused}");
    // The idle ones were kept, and are served.
    let answer = get_once(&mut first, "/robots.txt").await;
    assert!(answer.starts_with("HTTP/1.1 200 OK"), "{answer}");
    drop(second);
    // The server sees the two closes in its own time; until it does, newcomers are refused.
    let served = tokio::time::timeout(GUARD, async {
        loop {
            let answer = get_once(&mut server.connect().await, "/robots.txt").await;
            if answer.starts_with("HTTP/1.1 200 OK") {
                break;
            }
            assert!(answer.starts_with("HTTP/1.1 503"), "{answer}");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    });
    served.await.expect("a connection is served once the others are released");
    server.stop().await;
    app.finish().await;
}

#[tokio::test]
async fn handlers_are_told_the_address_of_the_client() {
    let router = Router::new()
        .route("/ip", get(|ConnectInfo(addr): ConnectInfo<SocketAddr>| async move { addr.ip().to_string() }));
    let server = Server::start(router, patient()).await;
    let answer = get_once(&mut server.connect().await, "/ip").await;
    assert!(answer.starts_with("HTTP/1.1 200 OK") && answer.ends_with("127.0.0.1"), "{answer}");
    server.stop().await;
}

#[tokio::test]
async fn stopping_lets_the_request_in_flight_finish() {
    let router = Router::new().route(
        "/slow",
        get(|| async {
            tokio::time::sleep(Duration::from_millis(300)).await;
            "done"
        }),
    );
    let server = Server::start(router, patient()).await;
    let mut client = server.connect().await;
    client.write_all(b"GET /slow HTTP/1.1\r\nHost: test\r\n\r\n").await.unwrap();
    // Let the request reach the handler before the server is told to stop.
    tokio::time::sleep(Duration::from_millis(100)).await;
    let (answer, ()) = tokio::join!(read_until_closed(&mut client), server.stop());
    assert!(answer.starts_with("HTTP/1.1 200 OK") && answer.ends_with("done"), "{answer}");
}
