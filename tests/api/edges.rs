//! What the server answers to input it cannot use: too large is 413 before it is read, malformed
//! is a 4xx with its stable code, and neither is ever a 5xx or a held megabyte.

use crate::helpers::{app_error, spawn_app, Binary, TestApp, TestDb};
use futures::StreamExt;
use reqwest::{header, Body};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use wevion::{error::ErrorCode, roles::Role};

/// Every server function, with a body it cannot decode (`None`: it takes no arguments, so no body
/// is malformed), and whether it takes JSON (otherwise a form).
const SERVER_FNS: &[(&str, Option<&str>, bool)] = &[
    ("login", Some("password=x&next=%2F"), false),
    ("logout", None, false),
    ("me", None, false),
    ("tiktok/connections", None, false),
    ("tiktok/picker", Some(r#"{"source": "nonsense"}"#), true),
    ("tiktok/import", Some(r#"{"source": {"Grant": 1}}"#), true),
    ("tiktok/import-available", Some(r#"{"connection_id": "x"}"#), true),
    ("tiktok/sync-now", Some("not json at all"), true),
    ("tiktok/retry-sync", Some("{}"), true),
    ("tiktok/disconnect", Some("[1, 2]"), true),
    ("dashboard", Some(r#"{"query": 5}"#), true),
    ("ads/table", Some(r#"{"query": {"level": "galaxy"}}"#), true),
];

fn content_type(json: bool) -> &'static str {
    if json {
        "application/json"
    } else {
        "application/x-www-form-urlencoded"
    }
}

/// A body of `len` bytes the function's decoder would otherwise have to read whole.
fn body_of(len: usize, json: bool) -> String {
    let filler = "a".repeat(len.saturating_sub(10));
    let body = if json { format!("{{\"x\":\"{filler}\"}}") } else { format!("email={filler}") };
    body.chars().chain(std::iter::repeat('a')).take(len).collect()
}

async fn signed_in_manager() -> (TestDb, TestApp) {
    let db = TestDb::fresh().await;
    let app = spawn_app(&db).await;
    app.signed_in_as("Acme", "ann@acme.test", Role::Manager).await;
    (db, app)
}

async fn post(app: &TestApp, name: &str, json: bool, body: impl Into<Body>) -> reqwest::Response {
    app.client
        .post(app.url(&format!("/api/{name}")))
        .header(header::ACCEPT, "application/json")
        .header(header::CONTENT_TYPE, content_type(json))
        .body(body)
        .send()
        .await
        .expect("the server answers")
}

#[tokio::test]
async fn a_body_over_its_routes_limit_is_refused_413_with_its_code_by_every_server_function() {
    let (_db, app) = signed_in_manager().await;
    for (name, _, json) in SERVER_FNS {
        let limit = if *name == "login" {
            4 * 1024
        } else if *name == "tiktok/import" {
            64 * 1024
        } else {
            16 * 1024
        };
        let refused = post(&app, name, *json, body_of(limit + 1, *json)).await;
        assert_eq!(refused.status(), 413, "{name}");
        let error = app_error(refused).await;
        assert_eq!(error.code, ErrorCode::TooLarge, "{name}");
        assert!(error.message.contains("KiB"), "{name}: {}", error.message);
    }
    // Sent in chunks without a declared length, it is read only up to the limit.
    let addr = app.base.trim_start_matches("http://").to_owned();
    for path in ["/api/login", "/api/ads/table"] {
        assert_eq!(raw_post(&addr, path, 64 * 1024, Framing::Chunked).await, Some(413), "{path}, chunked");
    }
}

#[tokio::test]
async fn a_malformed_or_incomplete_body_is_a_400_with_the_validation_code_never_a_5xx() {
    let (_db, app) = signed_in_manager().await;
    for (name, malformed, json) in SERVER_FNS {
        let Some(malformed) = malformed else { continue };
        let answer = post(&app, name, *json, *malformed).await;
        assert_eq!(answer.status(), 400, "{name}");
        let error = app_error(answer).await;
        assert_eq!(error.code, ErrorCode::Validation, "{name}");
        assert!(error.message.contains("not understood"), "{name}: {}", error.message);
    }
    // A body just within its limit is decoded as usual: here, a wrong password.
    let within = post(&app, "login", false, format!("email=ann@acme.test&password={}", "x".repeat(3000))).await;
    assert_eq!(app_error(within).await.code, ErrorCode::InvalidCredentials);
}

#[tokio::test]
async fn the_oauth_callback_refuses_a_body_a_long_address_and_repeated_parameters_with_a_page() {
    let (_db, app) = signed_in_manager().await;
    let callback = app.url("/connect/tiktok/callback");
    let with_body = app.client.get(format!("{callback}?state=s&code=c")).body(vec![b'a'; 2048]).send().await.unwrap();
    assert_eq!(with_body.status(), 413);
    assert!(with_body.text().await.unwrap().contains("KiB Wevion accepts here"));

    let long = app.client.get(format!("{callback}?state=s&code={}", "c".repeat(9000))).send().await.unwrap();
    assert_eq!(long.status(), 414);
    assert!(long.text().await.unwrap().contains("too long"));

    let repeated = app.client.get(format!("{callback}?state=a&state=b&code=c")).send().await.unwrap();
    assert_eq!(repeated.status(), 400);
    assert!(repeated.text().await.unwrap().contains("not understood"));
}

/// The server process's resident memory, in KiB.
fn rss_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).expect("the server's /proc status");
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .expect("VmRSS")
}

/// How a raw request says how long its body is.
#[derive(Clone, Copy)]
enum Framing {
    Declared,
    Chunked,
}

/// POSTs `len` bytes to `path` over a bare connection (the body written while the answer is
/// read, as a client streaming an upload would); the answer's status, if one came before the
/// server closed the connection.
async fn raw_post(addr: &str, path: &str, len: usize, framing: Framing) -> Option<u16> {
    let stream = tokio::net::TcpStream::connect(addr).await.expect("connect");
    let (mut read, mut write) = stream.into_split();
    let length = match framing {
        Framing::Declared => format!("Content-Length: {len}"),
        Framing::Chunked => "Transfer-Encoding: chunked".to_owned(),
    };
    let head = format!(
        "POST {path} HTTP/1.1\r\nHost: {addr}\r\nOrigin: http://{addr}\r\nAccept: application/json\r\n\
         Content-Type: application/x-www-form-urlencoded\r\n{length}\r\n\r\n"
    );
    let writer = tokio::spawn(async move {
        write.write_all(head.as_bytes()).await?;
        let chunk = vec![b'a'; 64 * 1024];
        let mut left = len;
        while left > 0 {
            let n = left.min(chunk.len());
            match framing {
                Framing::Declared => write.write_all(&chunk[..n]).await?,
                Framing::Chunked => {
                    write.write_all(format!("{n:x}\r\n").as_bytes()).await?;
                    write.write_all(&chunk[..n]).await?;
                    write.write_all(b"\r\n").await?;
                }
            }
            left -= n;
        }
        if matches!(framing, Framing::Chunked) {
            write.write_all(b"0\r\n\r\n").await?;
        }
        Ok::<_, std::io::Error>(())
    });
    let mut answer = Vec::new();
    let mut buf = [0u8; 1024];
    let read_status = async {
        while !answer.windows(2).any(|w| w == b"\r\n") {
            match read.read(&mut buf).await {
                Ok(0) | Err(_) => break,
                Ok(n) => answer.extend_from_slice(&buf[..n]),
            }
        }
    };
    let _ = tokio::time::timeout(Duration::from_secs(60), read_status).await;
    writer.abort();
    let line = String::from_utf8_lossy(&answer);
    line.split(' ').nth(1).and_then(|code| code.parse().ok())
}

/// 50 MB bodies, declared or chunked, to sign-in and to Ads Manager, many at once; how many
/// were answered (every answer a 413).
async fn oversized_burst(addr: &str, requests: usize) -> usize {
    const MB: usize = 1024 * 1024;
    let sends = (0..requests).map(|i| {
        let path = if i % 2 == 0 { "/api/login" } else { "/api/ads/table" };
        let framing = if i % 4 < 2 { Framing::Declared } else { Framing::Chunked };
        raw_post(addr, path, 50 * MB, framing)
    });
    let answers: Vec<Option<u16>> = futures::stream::iter(sends).buffer_unordered(32).collect().await;
    assert!(answers.iter().flatten().all(|s| *s == 413), "every answer is a 413: {answers:?}");
    answers.iter().flatten().count()
}

#[tokio::test]
async fn many_fifty_megabyte_bodies_at_once_leave_the_servers_memory_where_it_was() {
    let dir = tempfile::tempdir().unwrap();
    let (binary, addr) = Binary::start(
        &["serve"],
        &[
            ("LEPTOS_SITE_ADDR", "127.0.0.1:0".into()),
            ("DATABASE_URL", format!("sqlite://{}?mode=rwc", dir.path().join("edges.db").display())),
            ("RUST_LOG", "warn,wevion=info".into()),
        ],
        "listening",
    )
    .await;
    let addr = addr.to_string();
    let pid = binary.child.id().expect("the server runs");
    // A first burst, as wide as the measured one, warms what the server sets up once
    // (connections, buffers, its allocator's pools).
    oversized_burst(&addr, 64).await;
    let before = rss_kib(pid);
    let answered = oversized_burst(&addr, 128).await;
    let after = rss_kib(pid);
    binary.stop().await;
    assert!(answered > 0, "the server answered");
    let grown = after.saturating_sub(before);
    println!("RSS {before} KiB before 128 bodies of 50 MB, {after} KiB after ({answered} answered)");
    assert!(grown < 8 * 1024, "the server's memory grew by {grown} KiB");
}
