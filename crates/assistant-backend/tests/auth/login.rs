//! `POST /api/auth/login`: cookie sessions, token pairs, refusals, limits, legacy hashes.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE;
use serde_json::json;

use crate::support::*;

#[tokio::test]
async fn web_login_sets_an_http_only_lax_cookie_that_signs_in_users_me() {
    let app = spawn_app().await;
    let response = app
        .post(
            "/api/auth/login",
            &json!({ "email": TEST_USER, "password": PASSWORD }),
        )
        .await;
    assert_eq!(response.status(), 200);
    let cookie = response.headers()["set-cookie"]
        .to_str()
        .expect("ascii")
        .to_owned();
    assert!(cookie.starts_with("exobrain_session="), "{cookie}");
    for attribute in ["Max-Age=604800", "Path=/", "HttpOnly", "SameSite=Lax"] {
        assert!(cookie.contains(attribute), "{attribute} missing: {cookie}");
    }
    assert!(!cookie.contains("Secure"), "no Secure in test: {cookie}");
    let body: serde_json::Value = response.json().await.expect("json");
    assert_eq!(
        body,
        json!({ "session_established": true, "user_name": "Test User" })
    );

    let client = signed_in_client(&app, TEST_USER, PASSWORD).await;
    let me = client
        .get(app.url("/api/users/me"))
        .send()
        .await
        .expect("me");
    assert_eq!(me.status(), 200);
    let me: serde_json::Value = me.json().await.expect("json");
    assert_eq!(
        me,
        json!({ "name": "Test User", "email": TEST_USER, "role": "operator" })
    );
}

#[tokio::test]
async fn the_cookie_is_secure_when_configured() {
    let app = spawn_app_with(&[("AUTH_COOKIE_SECURE", "true")]).await;
    let response = app
        .post(
            "/api/auth/login",
            &json!({ "email": TEST_USER, "password": PASSWORD }),
        )
        .await;
    let cookie = response.headers()["set-cookie"]
        .to_str()
        .expect("ascii")
        .to_owned();
    assert!(cookie.ends_with("; Secure"), "{cookie}");
}

#[tokio::test]
async fn api_login_returns_a_token_pair_whose_bearer_signs_in() {
    let app = spawn_app().await;
    for body in [
        json!({ "email": ARCHITECT, "password": PASSWORD, "session_mode": "api" }),
        json!({ "email": ARCHITECT, "password": PASSWORD, "issuance_policy": "tokens" }),
    ] {
        let response = app.post("/api/auth/login", &body).await;
        assert_eq!(response.status(), 200);
        assert!(response.headers().get("set-cookie").is_none());
        let pair: serde_json::Value = response.json().await.expect("json");
        assert_eq!(pair["token_type"], "bearer");
        assert_eq!(pair["expires_in"], 900);
        assert!(pair["refresh_token"].as_str().expect("refresh").len() >= 43);
        let access = pair["access_token"].as_str().expect("access");
        let me = app.get_bearer("/api/users/me", access).await;
        assert_eq!(me.status(), 200);
        let me: serde_json::Value = me.json().await.expect("json");
        assert_eq!(me["name"], "Architect User");
    }
}

#[tokio::test]
async fn wrong_password_and_unknown_email_get_the_same_401() {
    let app = spawn_app().await;
    let wrong = app
        .post(
            "/api/auth/login",
            &json!({ "email": TEST_USER, "password": "not-the-password" }),
        )
        .await;
    let unknown = app
        .post(
            "/api/auth/login",
            &json!({ "email": "nobody@exobrain.local", "password": PASSWORD }),
        )
        .await;
    assert_eq!(wrong.status(), 401);
    assert_eq!(unknown.status(), 401);
    let wrong = wrong.text().await.expect("body");
    assert_eq!(wrong, r#"{"detail":"invalid credentials"}"#);
    assert_eq!(unknown.text().await.expect("body"), wrong);
}

#[tokio::test]
async fn short_passwords_and_malformed_bodies_are_422_with_a_detail() {
    let app = spawn_app().await;
    let short = app
        .post(
            "/api/auth/login",
            &json!({ "email": TEST_USER, "password": "short" }),
        )
        .await;
    assert_eq!(short.status(), 422);
    let body: serde_json::Value = short.json().await.expect("json");
    let detail = body["detail"].as_str().expect("detail");
    assert!(detail.contains("at least 8 characters"), "{detail}");

    let missing = app
        .post("/api/auth/login", &json!({ "email": TEST_USER }))
        .await;
    assert_eq!(missing.status(), 422);
    let body: serde_json::Value = missing.json().await.expect("json");
    assert!(
        body["detail"]
            .as_str()
            .expect("detail")
            .contains("password"),
        "{body}"
    );

    let garbage = app
        .client
        .post(app.url("/api/auth/login"))
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .expect("request");
    assert_eq!(garbage.status(), 422);
    let body: serde_json::Value = garbage.json().await.expect("json");
    assert_eq!(body["detail"], "request body is not valid JSON");
}

#[tokio::test]
async fn repeated_failures_for_one_account_are_429_with_retry_after() {
    let app = spawn_app_with(&[("AUTH_LOGIN_MAX_FAILURES_PER_EMAIL", "3")]).await;
    let wrong = json!({ "email": TEST_USER, "password": "wrong-password" });
    for _ in 0..3 {
        assert_eq!(app.post("/api/auth/login", &wrong).await.status(), 401);
    }
    let right = json!({ "email": TEST_USER, "password": PASSWORD });
    let limited = app.post("/api/auth/login", &right).await;
    assert_eq!(limited.status(), 429);
    let retry_after: u64 = limited.headers()["retry-after"]
        .to_str()
        .expect("ascii")
        .parse()
        .expect("seconds");
    assert!((1..=900).contains(&retry_after), "{retry_after}");
    let body: serde_json::Value = limited.json().await.expect("json");
    assert_eq!(body["detail"], "too many login attempts");
    let other = json!({ "email": ARCHITECT, "password": PASSWORD });
    assert_eq!(app.post("/api/auth/login", &other).await.status(), 200);
}

#[tokio::test]
async fn too_many_attempts_from_one_address_are_429() {
    let app = spawn_app_with(&[("AUTH_LOGIN_MAX_ATTEMPTS_PER_ADDRESS", "2")]).await;
    let right = json!({ "email": TEST_USER, "password": PASSWORD });
    assert_eq!(app.post("/api/auth/login", &right).await.status(), 200);
    assert_eq!(app.post("/api/auth/login", &right).await.status(), 200);
    let limited = app.post("/api/auth/login", &right).await;
    assert_eq!(limited.status(), 429);
    assert!(limited.headers().contains_key("retry-after"));
}

/// Signs in as `client_address` through a proxy on this machine (`X-Forwarded-For`).
async fn login_forwarded_for(app: &TestApp, client_address: &str) -> u16 {
    let body = json!({ "email": TEST_USER, "password": PASSWORD });
    reqwest::Client::new()
        .post(app.url("/api/auth/login"))
        .header(
            "x-forwarded-for",
            format!("198.51.100.99, {client_address}"),
        )
        .json(&body)
        .send()
        .await
        .expect("login")
        .status()
        .as_u16()
}

#[tokio::test]
async fn behind_the_local_proxy_each_forwarded_client_has_its_own_address_limit() {
    let app = spawn_app_with(&[("AUTH_LOGIN_MAX_ATTEMPTS_PER_ADDRESS", "1")]).await;
    assert_eq!(login_forwarded_for(&app, "203.0.113.1").await, 200);
    assert_eq!(login_forwarded_for(&app, "203.0.113.1").await, 429);
    // Another browser behind the same proxy is not locked out with the first one, and the
    // forged first hop (the same in both) is not what counts.
    assert_eq!(login_forwarded_for(&app, "203.0.113.2").await, 200);
}

#[tokio::test]
async fn an_untrusted_peer_cannot_escape_the_address_limit_by_forwarding_headers() {
    let app = spawn_app_with(&[
        ("AUTH_LOGIN_MAX_ATTEMPTS_PER_ADDRESS", "1"),
        ("AUTH_TRUSTED_PROXIES", "192.0.2.1"),
    ])
    .await;
    assert_eq!(login_forwarded_for(&app, "203.0.113.1").await, 200);
    assert_eq!(login_forwarded_for(&app, "203.0.113.2").await, 429);
}

#[tokio::test]
async fn an_account_without_a_password_hash_is_a_401() {
    let app = spawn_app().await;
    app.set_password_hash(TEST_USER, None).await;
    let response = app
        .post(
            "/api/auth/login",
            &json!({ "email": TEST_USER, "password": PASSWORD }),
        )
        .await;
    assert_eq!(response.status(), 401);
}

#[tokio::test]
async fn a_legacy_scrypt_hash_signs_in_and_is_rehashed_to_argon2id() {
    let app = spawn_app().await;
    let salt = [42_u8; 16];
    let mut key = [0_u8; 64];
    let params = scrypt::Params::new(14, 8, 1, 64).expect("params");
    scrypt::scrypt(PASSWORD.as_bytes(), &salt, &params, &mut key).expect("scrypt");
    let legacy = format!("scrypt${}${}", URL_SAFE.encode(salt), URL_SAFE.encode(key));
    app.set_password_hash(TEST_USER, Some(&legacy)).await;

    let wrong = json!({ "email": TEST_USER, "password": "wrong-password" });
    assert_eq!(app.post("/api/auth/login", &wrong).await.status(), 401);
    assert_eq!(
        app.password_hash(TEST_USER).await.as_deref(),
        Some(legacy.as_str())
    );

    let right = json!({ "email": TEST_USER, "password": PASSWORD });
    assert_eq!(app.post("/api/auth/login", &right).await.status(), 200);
    let upgraded = app.password_hash(TEST_USER).await.expect("hash");
    assert!(upgraded.starts_with("$argon2id$"), "{upgraded}");
    assert_eq!(app.post("/api/auth/login", &right).await.status(), 200);
}
