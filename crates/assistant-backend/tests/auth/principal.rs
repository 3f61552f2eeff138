//! Who a request is: deleted users, anonymous requests and the Origin check.

use crate::support::*;

#[tokio::test]
async fn anonymous_requests_are_401() {
    let app = spawn_app().await;
    let response = app
        .client
        .get(app.url("/api/users/me"))
        .send()
        .await
        .expect("me");
    assert_eq!(response.status(), 401);
    assert_eq!(
        response.text().await.expect("body"),
        r#"{"detail":"authentication required"}"#
    );
}

#[tokio::test]
async fn a_deleted_user_loses_cookie_access_and_bearer_me_is_404() {
    let app = spawn_app().await;
    let client = signed_in_client(&app, TEST_USER, PASSWORD).await;
    let pair = app.tokens(TEST_USER, PASSWORD).await;
    app.delete_user(TEST_USER).await;

    let by_cookie = client
        .get(app.url("/api/users/me"))
        .send()
        .await
        .expect("me");
    assert_eq!(by_cookie.status(), 401);
    let by_bearer = app
        .get_bearer(
            "/api/users/me",
            pair["access_token"].as_str().expect("access"),
        )
        .await;
    assert_eq!(by_bearer.status(), 404);
    let body: serde_json::Value = by_bearer.json().await.expect("json");
    assert_eq!(body["detail"], "user not found");
}

#[tokio::test]
async fn a_cookie_write_from_a_foreign_origin_is_403_while_bearer_is_exempt() {
    let app = spawn_app().await;
    let client = signed_in_client(&app, TEST_USER, PASSWORD).await;
    let foreign = client
        .post(app.url("/api/auth/logout"))
        .header("origin", "https://evil.example")
        .send()
        .await
        .expect("logout");
    assert_eq!(foreign.status(), 403);
    let body: serde_json::Value = foreign.json().await.expect("json");
    assert_eq!(body["detail"], "origin not allowed");
    let me = client
        .get(app.url("/api/users/me"))
        .send()
        .await
        .expect("me");
    assert_eq!(me.status(), 200, "the refused logout did not run");

    for allowed in ["http://localhost:5173", app.base.as_str()] {
        let response = client
            .post(app.url("/api/auth/token_refresh"))
            .header("origin", allowed)
            .json(&serde_json::json!({ "refresh_token": "an-unknown-refresh-token" }))
            .send()
            .await
            .expect("refresh");
        assert_eq!(response.status(), 401, "{allowed} passes the origin check");
    }

    let pair = app.tokens(TEST_USER, PASSWORD).await;
    let bearer = client
        .post(app.url("/api/auth/logout"))
        .header("origin", "https://evil.example")
        .bearer_auth(pair["access_token"].as_str().expect("access"))
        .send()
        .await
        .expect("logout");
    assert_eq!(bearer.status(), 204);
}
