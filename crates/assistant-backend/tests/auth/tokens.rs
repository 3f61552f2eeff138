//! Access tokens and refresh-token rotation.

use serde_json::json;

use crate::support::*;

#[tokio::test]
async fn refresh_rotates_and_reusing_a_spent_token_revokes_the_family() {
    let app = spawn_app().await;
    let first = app.tokens(TEST_USER, PASSWORD).await;

    let rotated = app.refresh(&first["refresh_token"]).await;
    assert_eq!(rotated.status(), 200);
    let second: serde_json::Value = rotated.json().await.expect("json");
    assert_ne!(second["refresh_token"], first["refresh_token"]);
    assert_eq!(second["token_type"], "bearer");
    let access = second["access_token"].as_str().expect("access");
    assert_eq!(app.get_bearer("/api/users/me", access).await.status(), 200);

    let reused = app.refresh(&first["refresh_token"]).await;
    assert_eq!(reused.status(), 401);
    let body: serde_json::Value = reused.json().await.expect("json");
    assert_eq!(body["detail"], "invalid refresh token");
    assert_eq!(
        app.refresh(&second["refresh_token"]).await.status(),
        401,
        "the newest token of a reused family is revoked too"
    );
}

#[tokio::test]
async fn unknown_and_short_refresh_tokens_are_refused() {
    let app = spawn_app().await;
    let unknown = app
        .refresh(&json!("an-unknown-refresh-token-of-length"))
        .await;
    assert_eq!(unknown.status(), 401);
    assert_eq!(app.refresh(&json!("short")).await.status(), 422);
}

#[tokio::test]
async fn a_refresh_for_a_deleted_user_is_refused() {
    let app = spawn_app().await;
    let pair = app.tokens(TEST_USER, PASSWORD).await;
    app.delete_user(TEST_USER).await;
    assert_eq!(app.refresh(&pair["refresh_token"]).await.status(), 401);
}

#[tokio::test]
async fn expired_garbage_and_foreign_tokens_are_401() {
    let app = spawn_app().await;
    let now = now();
    let valid = json!({
        "sub": "11111111-1111-1111-1111-111111111111", "email": TEST_USER, "name": "Test User",
        "iat": now, "exp": now + 600, "iss": "exobrain-assistant-backend", "aud": "exobrain-assistant",
    });
    assert_eq!(
        app.get_bearer("/api/users/me", &sign(&valid, JWT_SECRET))
            .await
            .status(),
        200,
        "the crafted baseline is accepted"
    );
    let mut variants = Vec::new();
    for (field, value) in [
        ("exp", json!(now - 1)),
        ("aud", json!("another-service")),
        ("iss", json!("someone-else")),
    ] {
        let mut claims = valid.clone();
        claims[field] = value;
        variants.push((field.to_owned(), sign(&claims, JWT_SECRET)));
    }
    for field in ["exp", "aud", "email", "name"] {
        let mut claims = valid.clone();
        claims.as_object_mut().expect("object").remove(field);
        variants.push((format!("no {field}"), sign(&claims, JWT_SECRET)));
    }
    variants.push((
        "wrong secret".into(),
        sign(&valid, "another-secret-entirely"),
    ));
    variants.push(("garbage".into(), "not.a.jwt".into()));
    for (what, token) in variants {
        let response = app.get_bearer("/api/users/me", &token).await;
        assert_eq!(response.status(), 401, "{what}");
        let body: serde_json::Value = response.json().await.expect("json");
        assert_eq!(body["detail"], "authentication required", "{what}");
    }
}

#[tokio::test]
async fn the_bearer_scheme_is_case_insensitive() {
    let app = spawn_app().await;
    let pair = app.tokens(TEST_USER, PASSWORD).await;
    let access = pair["access_token"].as_str().expect("access");
    let response = app
        .client
        .get(app.url("/api/users/me"))
        .header("authorization", format!("BEARER {access}"))
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), 200);
}
