//! The `/api` proxy: requests and answers pass through whole (method, path, query, body,
//! cookies both ways, status codes), SSE events arrive one by one while the backend still
//! holds the stream open, a client that hangs up closes the backend's stream, and a backend
//! that is down is a 502 in the backend's error shape.

use std::time::Duration;

use futures::StreamExt;
use serde_json::Value;

use crate::support::{Backend, Dist, Frontend, closed_port_url, next_frame};

#[tokio::test]
async fn json_requests_pass_through_with_cookies_both_ways() {
    let backend = Backend::start().await;
    let frontend = Frontend::start(Dist::write(), &backend.url).await;
    let host = frontend.base.trim_start_matches("http://").to_owned();
    let body = "x".repeat(300_000);

    let response = frontend
        .client
        .post(frontend.url("/api/journal/today/messages?limit=5&tz=Europe%2FBerlin"))
        .header("cookie", "exobrain_session=s1; theme=dark")
        .header("authorization", "Bearer t0k3n")
        .header("origin", frontend.base.as_str())
        .header("last-event-id", "41")
        .header("if-match", "\"7\"")
        .header(
            "traceparent",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
        )
        .header("connection", "keep-alive, x-hop")
        .header("x-hop", "connection-only")
        .header("content-type", "text/plain")
        .body(body.clone())
        .send()
        .await
        .expect("request");

    assert_eq!(response.status(), 200);
    let cookies: Vec<_> = response
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|value| value.to_str().expect("ascii").to_owned())
        .collect();
    assert_eq!(
        cookies,
        [
            "exobrain_session=s2; HttpOnly; SameSite=Lax; Path=/",
            "exobrain_refresh=r2; HttpOnly; Path=/api/auth"
        ]
    );
    let echoed: Value = response.json().await.expect("json");
    assert_eq!(echoed["method"], "POST");
    assert_eq!(echoed["path"], "/api/journal/today/messages");
    assert_eq!(echoed["query"], "limit=5&tz=Europe%2FBerlin");
    assert_eq!(echoed["body_len"], body.len());
    let headers = &echoed["headers"];
    assert_eq!(headers["cookie"], "exobrain_session=s1; theme=dark");
    assert_eq!(headers["authorization"], "Bearer t0k3n");
    assert_eq!(headers["origin"], frontend.base.as_str());
    assert_eq!(headers["last-event-id"], "41");
    assert_eq!(headers["if-match"], "\"7\"");
    assert_eq!(headers["host"], host.as_str(), "the browser's Host is kept");
    assert_eq!(headers["x-forwarded-host"], host.as_str());
    assert_eq!(headers["x-forwarded-proto"], "http");
    assert_eq!(headers["x-forwarded-for"], "127.0.0.1");
    assert!(
        headers["traceparent"]
            .as_str()
            .is_some_and(|value| value.contains("4bf92f3577b34da6a3ce929d0e0e4736")),
        "trace continued: {headers}"
    );
    assert!(headers.get("x-hop").is_none(), "hop-by-hop header leaked");
}

#[tokio::test]
async fn backend_status_codes_and_error_bodies_reach_the_browser_unchanged() {
    let backend = Backend::start().await;
    let frontend = Frontend::start(Dist::write(), &backend.url).await;

    for status in [201_u16, 204, 304, 401, 404, 409, 422, 500] {
        let response = frontend
            .client
            .patch(frontend.url(&format!("/api/knowledge/page/1?status={status}")))
            .send()
            .await
            .expect("request");
        assert_eq!(response.status().as_u16(), status);
    }
    let deleted = frontend
        .client
        .delete(frontend.url("/api/auth/session"))
        .send()
        .await
        .expect("request");
    let echoed: Value = deleted.json().await.expect("json");
    assert_eq!(echoed["method"], "DELETE");
}

#[tokio::test]
async fn sse_events_arrive_one_by_one_while_the_backend_holds_the_stream() {
    let backend = Backend::start().await;
    let frontend = Frontend::start(Dist::write(), &backend.url).await;
    let response = tokio::time::timeout(
        Duration::from_secs(5),
        frontend.get("/api/stream", &[("accept", "text/event-stream")]),
    )
    .await
    .expect("response headers arrive before any event");
    assert_eq!(response.status(), 200);
    assert!(
        response.headers()["content-type"]
            .to_str()
            .expect("ascii")
            .starts_with("text/event-stream")
    );
    assert!(response.headers().get("content-encoding").is_none());
    let mut body = Box::pin(response.bytes_stream());
    let mut buffer = String::new();
    let wait = Duration::from_secs(2);

    assert!(backend.send_event(1, "From your").await);
    let first = next_frame(&mut body, &mut buffer, wait).await;
    assert_eq!(
        first.as_deref(),
        Some("id: 1\nevent: message_chunk\ndata: {\"text\":\"From your\"}"),
        "the first event arrives while the backend still holds the stream open"
    );
    assert!(backend.send_event(2, " notes").await);
    let second = next_frame(&mut body, &mut buffer, wait).await;
    assert!(second.is_some_and(|frame| frame.starts_with("id: 2\n")));

    drop(backend.events);
    let rest = tokio::time::timeout(wait, body.next())
        .await
        .expect("the end arrives");
    assert!(rest.is_none(), "the stream ends when the backend ends it");
}

#[tokio::test]
async fn a_client_that_hangs_up_closes_the_backend_stream() {
    let backend = Backend::start().await;
    let frontend = Frontend::start(Dist::write(), &backend.url).await;
    let response = frontend.get("/api/stream", &[]).await;
    let mut body = Box::pin(response.bytes_stream());
    let mut buffer = String::new();
    assert!(backend.send_event(1, "hello").await);
    assert!(
        next_frame(&mut body, &mut buffer, Duration::from_secs(2))
            .await
            .is_some()
    );

    drop(body);
    let Backend {
        events,
        mut stream_dropped,
        server: _still_serving,
        ..
    } = backend;
    // The backend learns of the hang-up at the latest when it writes next (as a real chat
    // stream does with every chunk and keep-alive), so keep writing until it notices.
    let noticed = tokio::time::timeout(Duration::from_secs(5), async {
        let mut id = 2;
        loop {
            tokio::select! {
                _ = &mut stream_dropped => return true,
                _ = tokio::time::sleep(Duration::from_millis(50)) => {
                    let frame = format!("id: {id}\ndata: {{}}\n\n");
                    if events.send(Ok(frame.into())).await.is_err() {
                        return true;
                    }
                    id += 1;
                }
            }
        }
    })
    .await;
    assert_eq!(noticed, Ok(true), "the backend's stream was not closed");
}

#[tokio::test]
async fn a_backend_that_is_down_is_a_502_in_the_backend_error_shape() {
    let frontend = Frontend::start(Dist::write(), &closed_port_url().await).await;
    let response = frontend
        .client
        .post(frontend.url("/api/auth/login"))
        .body("{}")
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), 502);
    let body: Value = response.json().await.expect("json");
    let detail = body["detail"].as_str().expect("detail");
    assert!(detail.contains("unreachable"), "{detail}");
    assert!(
        !detail.contains("127.0.0.1"),
        "no internal address leaks: {detail}"
    );
}
