//! Logout, and how sessions and refresh tokens are kept in Redis.

use redis::AsyncCommands;
use serde_json::json;
use sha2::{Digest, Sha256};

use crate::support::*;

#[tokio::test]
async fn logout_revokes_the_cookie_session_and_deletes_the_cookie() {
    let app = spawn_app().await;
    let client = signed_in_client(&app, TEST_USER, PASSWORD).await;
    let response = client
        .post(app.url("/api/auth/logout"))
        .send()
        .await
        .expect("logout");
    assert_eq!(response.status(), 204);
    let cookie = response.headers()["set-cookie"]
        .to_str()
        .expect("ascii")
        .to_owned();
    assert!(cookie.starts_with("exobrain_session=;"), "{cookie}");
    assert!(cookie.contains("Max-Age=0"), "{cookie}");

    let me = client
        .get(app.url("/api/users/me"))
        .send()
        .await
        .expect("me");
    assert_eq!(me.status(), 401);
    let anonymous = app
        .client
        .post(app.url("/api/auth/logout"))
        .send()
        .await
        .expect("logout");
    assert_eq!(anonymous.status(), 204, "logout always succeeds");
}

#[tokio::test]
async fn logout_with_a_bearer_token_revokes_its_refresh_family() {
    let app = spawn_app().await;
    let pair = app.tokens(TEST_USER, PASSWORD).await;
    let response = app
        .client
        .post(app.url("/api/auth/logout"))
        .bearer_auth(pair["access_token"].as_str().expect("access"))
        .send()
        .await
        .expect("logout");
    assert_eq!(response.status(), 204);
    assert_eq!(app.refresh(&pair["refresh_token"]).await.status(), 401);
}

#[tokio::test]
async fn logout_with_a_refresh_token_in_the_body_revokes_its_family() {
    let app = spawn_app().await;
    let pair = app.tokens(TEST_USER, PASSWORD).await;
    let rotated: serde_json::Value = app
        .refresh(&pair["refresh_token"])
        .await
        .json()
        .await
        .expect("json");
    let response = app
        .post(
            "/api/auth/logout",
            &json!({ "refresh_token": rotated["refresh_token"] }),
        )
        .await;
    assert_eq!(response.status(), 204);
    assert_eq!(app.refresh(&rotated["refresh_token"]).await.status(), 401);
}

#[tokio::test]
async fn redis_keys_name_token_digests_never_the_tokens() {
    let app = spawn_app().await;
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
    let sid = cookie
        .trim_start_matches("exobrain_session=")
        .split(';')
        .next()
        .expect("sid")
        .to_owned();
    let pair = app.tokens(TEST_USER, PASSWORD).await;
    let refresh = pair["refresh_token"].as_str().expect("refresh");

    let mut redis = app.redis.connection.clone();
    let keys: Vec<String> = redis
        .keys(format!("{}*", app.redis.prefix))
        .await
        .expect("keys");
    assert!(
        keys.iter()
            .all(|key| !key.contains(&sid) && !key.contains(refresh)),
        "{keys:?}"
    );
    let session_key = app
        .redis
        .key(&format!("session:{}", hex::encode(Sha256::digest(&sid))));
    let user: String = redis.get(&session_key).await.expect("session");
    assert_eq!(user, "11111111-1111-1111-1111-111111111111");
    let refresh_key = app
        .redis
        .key(&format!("refresh:{}", hex::encode(Sha256::digest(refresh))));
    let record: String = redis.get(&refresh_key).await.expect("refresh record");
    let record: serde_json::Value = serde_json::from_str(&record).expect("json");
    assert_eq!(record["user_id"], "11111111-1111-1111-1111-111111111111");
    assert!(
        record["family"].is_string() && record["expires_at"].is_string(),
        "{record}"
    );
    let ttl: i64 = redis.ttl(&session_key).await.expect("ttl");
    assert!((604_000..=604_800).contains(&ttl), "{ttl}");
}
