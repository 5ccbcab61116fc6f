//! The HTTP around the frames: the keep-alive comment, `x-request-id`, the token, CORS, the
//! health check and the page.

use crate::gateway_support;
use crate::mock_support;

use std::time::Duration;

use gateway_support::*;
use llm_sse_tokio::core::Provider;
use llm_sse_tokio::gateway::{Gateway, GatewayServer};
use mock_support::*;
use tokio::time::Instant;

async fn get(
    server: &GatewayServer,
    path: &str,
    headers: &[(&str, &str)],
) -> (u16, http::HeaderMap, String) {
    let mut builder = http::Request::get(format!("http://{}{path}", server.addr()))
        .header("host", server.addr().to_string());
    for (name, value) in headers {
        builder = builder.header(*name, *value);
    }
    let request = builder.body(Default::default()).unwrap();
    whole(send(server.addr(), request).await).await
}

fn two_tokens(provider: Provider) -> Plan {
    Plan::Steps(vec![token("a"), token("b"), stop(provider)])
}

#[tokio::test]
async fn a_keep_alive_comment_after_a_quiet_spell() {
    let (upstream, _) = Scripted::new(Plan::Steps(vec![
        token("before"),
        Step::Sleep(Duration::from_millis(700)),
        token("after"),
        stop(Provider::Anthropic),
    ]));
    let server = start(Gateway::new(upstream).keep_alive(Duration::from_millis(250))).await;
    let mut client = h1(server.addr()).await;
    let request = post(
        server.addr(),
        &stream_path(Provider::Anthropic),
        &[],
        &chat("m"),
    );
    let mut body = within(client.send_request(request))
        .await
        .unwrap()
        .into_body();
    let mut pieces = Vec::new();
    let mut at = Vec::new();
    let started = Instant::now();
    while let Some(data) = next_data(&mut body).await {
        at.push(started.elapsed());
        pieces.push(data);
    }
    // 700 ms of silence with a comment due every 250 ms: one or two comments (two unless the
    // machine stalls), all between the two tokens, then the stream goes on.
    let comments = pieces.iter().filter(|p| *p == ": keep-alive\n\n").count();
    assert!((1..=2).contains(&comments), "{pieces:?}");
    assert_eq!(pieces.len(), 3 + comments, "{pieces:?}");
    assert_eq!(pieces[0], "data: {\"token\":\"before\",\"done\":false}\n\n");
    assert!(
        pieces[1..=comments].iter().all(|p| p == ": keep-alive\n\n"),
        "{pieces:?}"
    );
    assert_eq!(
        pieces[comments + 1],
        "data: {\"token\":\"after\",\"done\":false}\n\n"
    );
    assert!(pieces[comments + 2].starts_with("data: {\"token\":\"\",\"done\":true"));
    // Not before the keep-alive is due.
    assert!(at[1] - at[0] >= Duration::from_millis(240), "{at:?}");

    // With frames coming faster than the keep-alive, no comment.
    let (upstream, _) = Scripted::new(Plan::Steps(vec![
        token("1"),
        Step::Sleep(Duration::from_millis(100)),
        token("2"),
        Step::Sleep(Duration::from_millis(100)),
        token("3"),
        stop(Provider::Anthropic),
    ]));
    let server = start(Gateway::new(upstream).keep_alive(Duration::from_millis(250))).await;
    let request = post(
        server.addr(),
        &stream_path(Provider::Anthropic),
        &[],
        &chat("m"),
    );
    let (_, _, body) = whole(send(server.addr(), request).await).await;
    assert!(!body.contains("keep-alive"), "{body}");
}

#[tokio::test]
async fn request_ids_are_echoed_or_generated() {
    let (upstream, _) = Scripted::new(two_tokens(Provider::OpenAi));
    let server = start(Gateway::new(upstream)).await;
    let path = stream_path(Provider::OpenAi);
    let request = post(
        server.addr(),
        &path,
        &[("x-request-id", "req-7f3a.1")],
        &chat("m"),
    );
    let (status, headers, _) = whole(send(server.addr(), request).await).await;
    assert_eq!(status, 200);
    assert_eq!(headers["x-request-id"], "req-7f3a.1");

    let mut seen = Vec::new();
    for given in [None, Some("bad id with spaces"), Some("a\"b")] {
        let headers: Vec<(&str, &str)> = given.map(|v| ("x-request-id", v)).into_iter().collect();
        let (_, headers, _) = get(&server, "/nowhere", &headers).await;
        let id = headers["x-request-id"].to_str().unwrap().to_owned();
        assert_eq!(id.len(), 32, "{id}");
        assert!(id.bytes().all(|b| b.is_ascii_hexdigit()), "{id}");
        seen.push(id);
    }
    seen.dedup();
    assert_eq!(seen.len(), 3);
}

#[tokio::test]
async fn a_token_is_required_when_set() {
    let (upstream, probe) = Scripted::new(two_tokens(Provider::Gemini));
    let server = start(Gateway::new(upstream).token("s3cret-token")).await;
    let path = stream_path(Provider::Gemini);
    for headers in [
        vec![],
        vec![("authorization", "Bearer wrong")],
        vec![("authorization", "Bearer s3cret-token-and-more")],
        vec![("authorization", "Bearer s3cret-toke")],
        vec![("authorization", "Basic s3cret-token")],
        vec![("authorization", "s3cret-token")],
    ] {
        let request = post(server.addr(), &path, &headers, &chat("m"));
        let (status, response_headers, body) = whole(send(server.addr(), request).await).await;
        assert_eq!(status, 401, "{headers:?}");
        assert_eq!(response_headers["www-authenticate"], "Bearer");
        assert_eq!(error_of(&body).0, "unauthorized");
        assert!(!body.contains("s3cret"), "{body}");
    }
    // Unknown paths are 401 too: nothing is revealed without the token.
    assert_eq!(get(&server, "/nowhere", &[]).await.0, 401);
    assert_eq!(get(&server, "/metrics", &[]).await.0, 401);
    assert_eq!(probe.opened(), 0);

    let auth = [("authorization", "Bearer s3cret-token")];
    let request = post(server.addr(), &path, &auth, &chat("m"));
    let (status, _, body) = whole(send(server.addr(), request).await).await;
    assert_eq!(status, 200);
    assert!(body.ends_with("data: [DONE]\n\n"));
    let request = post(
        server.addr(),
        &path,
        &[("authorization", "bearer s3cret-token")],
        &chat("m"),
    );
    assert_eq!(whole(send(server.addr(), request).await).await.0, 200);
    assert_eq!(get(&server, "/metrics", &auth).await.0, 200);
    assert_eq!(get(&server, "/nowhere", &auth).await.0, 404);
    // The health check, the page and its module are open.
    assert_eq!(get(&server, "/healthz", &[]).await.0, 200);
    assert_eq!(get(&server, "/", &[]).await.0, 200);
    assert_eq!(get(&server, "/llm-sse.js", &[]).await.0, 200);
}

#[tokio::test]
async fn cors_for_the_listed_origins() {
    let (upstream, _) = Scripted::new(two_tokens(Provider::Anthropic));
    let server = start(
        Gateway::new(upstream)
            .token("t")
            .cors_origin("https://app.example.com")
            .cors_origin("http://localhost:5173/"),
    )
    .await;
    let path = stream_path(Provider::Anthropic);
    let preflight = |origin: &'static str| {
        http::Request::options(format!("http://{}{path}", server.addr()))
            .header("host", "gw")
            .header("origin", origin)
            .header("access-control-request-method", "POST")
            .header(
                "access-control-request-headers",
                "authorization, content-type",
            )
            .body(Default::default())
            .unwrap()
    };
    // Preflight from a listed origin: allowed, without the token (browsers send none).
    for origin in ["https://app.example.com", "http://localhost:5173"] {
        let (status, headers, _) = whole(send(server.addr(), preflight(origin)).await).await;
        assert_eq!(status, 204);
        assert_eq!(headers["access-control-allow-origin"], origin);
        assert_eq!(headers["access-control-allow-methods"], "POST");
        // The headers the preflight asked for are allowed (the origin is a listed one).
        assert_eq!(
            headers["access-control-allow-headers"],
            "authorization, content-type"
        );
        assert_eq!(headers["access-control-max-age"], "600");
        let vary: Vec<_> = headers.get_all("vary").iter().collect();
        assert_eq!(vary, ["origin", "access-control-request-headers"]);
    }
    // What an SDK in a browser asks for; a preflight naming no headers gets the default list;
    // a malformed list is not echoed.
    for (requested, allowed) in [
        (
            Some("x-api-key, anthropic-version, x-stainless-os, content-type"),
            "x-api-key, anthropic-version, x-stainless-os, content-type",
        ),
        (
            None,
            "authorization, content-type, x-request-id, last-event-id, llm-sse-resumable",
        ),
        (
            Some("x-a, bad header"),
            "authorization, content-type, x-request-id, last-event-id, llm-sse-resumable",
        ),
    ] {
        let mut request = http::Request::options(format!("http://{}{path}", server.addr()))
            .header("host", "gw")
            .header("origin", "https://app.example.com")
            .header("access-control-request-method", "POST");
        if let Some(requested) = requested {
            request = request.header("access-control-request-headers", requested);
        }
        let request = request.body(Default::default()).unwrap();
        let (status, headers, _) = whole(send(server.addr(), request).await).await;
        assert_eq!(status, 204);
        assert_eq!(headers["access-control-allow-headers"], allowed);
    }
    // From another origin: no permission.
    let (status, headers, _) =
        whole(send(server.addr(), preflight("https://evil.example")).await).await;
    assert_eq!(status, 204);
    assert!(!headers.contains_key("access-control-allow-origin"));

    // The request itself.
    let auth = ("authorization", "Bearer t");
    let request = post(
        server.addr(),
        &path,
        &[auth, ("origin", "https://app.example.com")],
        &chat("m"),
    );
    let (status, headers, _) = whole(send(server.addr(), request).await).await;
    assert_eq!(status, 200);
    assert_eq!(
        headers["access-control-allow-origin"],
        "https://app.example.com"
    );
    assert_eq!(
        headers["access-control-expose-headers"],
        "x-request-id, retry-after, llm-sse-stream-id"
    );
    assert_eq!(headers["vary"], "origin");
    // Errors carry the CORS headers too, so that a page can read them.
    let request = post(
        server.addr(),
        &path,
        &[("origin", "https://app.example.com")],
        &chat("m"),
    );
    let (status, headers, _) = whole(send(server.addr(), request).await).await;
    assert_eq!(status, 401);
    assert_eq!(
        headers["access-control-allow-origin"],
        "https://app.example.com"
    );
    // Other origins, or none: no CORS headers.
    for origin in [Some("https://evil.example"), None] {
        let mut headers = vec![auth];
        headers.extend(origin.map(|o| ("origin", o)));
        let request = post(server.addr(), &path, &headers, &chat("m"));
        let (status, headers, _) = whole(send(server.addr(), request).await).await;
        assert_eq!(status, 200);
        assert!(!headers.contains_key("access-control-allow-origin"));
    }

    // `*` allows any origin.
    let (upstream, _) = Scripted::new(two_tokens(Provider::Anthropic));
    let server = start(Gateway::new(upstream).cors_origin("*")).await;
    let (_, headers, _) = get(&server, "/healthz", &[("origin", "https://any.example")]).await;
    assert_eq!(headers["access-control-allow-origin"], "*");
    // An OPTIONS that is not a preflight is a method the route does not allow.
    let request = http::Request::options(format!("http://{}{path}", server.addr()))
        .header("host", "gw")
        .body(Default::default())
        .unwrap();
    assert_eq!(whole(send(server.addr(), request).await).await.0, 405);
}

#[tokio::test]
async fn health_and_page() {
    let (upstream, _) = Scripted::new(two_tokens(Provider::Anthropic));
    let server = start(Gateway::new(upstream)).await;
    let (status, headers, body) = get(&server, "/healthz", &[]).await;
    assert_eq!((status, body.as_str()), (200, r#"{"status":"ok"}"#));
    assert_eq!(headers["content-type"], "application/json");
    let (status, headers, body) = get(&server, "/", &[]).await;
    assert_eq!(status, 200);
    assert_eq!(headers["content-type"], "text/html; charset=utf-8");
    assert!(body.contains(r#"from "./llm-sse.js""#), "{body}");
    // The frontend reader the page imports (tests/frontend tests it with Node).
    let (status, headers, module) = get(&server, "/llm-sse.js", &[]).await;
    assert_eq!(status, 200);
    assert_eq!(headers["content-type"], "text/javascript; charset=utf-8");
    assert_eq!(headers["cache-control"], "public, max-age=600");
    assert!(module.contains("v1/chat/stream/"), "{module}");
    assert!(module.contains("export function stream("), "{module}");
    let request = http::Request::head(format!("http://{}/healthz", server.addr()))
        .header("host", "gw")
        .body(Default::default())
        .unwrap();
    let (status, _, body) = whole(send(server.addr(), request).await).await;
    assert_eq!((status, body.as_str()), (200, ""));
}
