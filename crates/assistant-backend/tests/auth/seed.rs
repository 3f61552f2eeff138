//! `assistant-backend seed`.

use crate::support::*;

#[tokio::test]
async fn seed_is_idempotent_and_stores_argon2id_hashes() {
    let app = spawn_app().await;
    let before = app.password_hash(TEST_USER).await.expect("hash");
    assert!(before.starts_with("$argon2id$"), "{before}");
    assistant_backend::seed::apply(&app.db.pool)
        .await
        .expect("second seed");

    let users: Vec<(String, String)> =
        sqlx::query_as("SELECT id::text, name FROM users ORDER BY id")
            .fetch_all(&app.db.pool)
            .await
            .expect("users");
    assert_eq!(
        users,
        [
            (
                "11111111-1111-1111-1111-111111111111".to_owned(),
                "Test User".to_owned()
            ),
            (
                "77777777-7777-7777-7777-777777777777".to_owned(),
                "Architect User".to_owned()
            ),
        ]
    );
    assert_eq!(app.password_hash(TEST_USER).await.expect("hash"), before);
    let options: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM user_config_choice_options o
         JOIN user_config_definitions d ON d.id = o.definition_id WHERE d.key = 'frontend.theme'",
    )
    .fetch_one(&app.db.pool)
    .await
    .expect("options");
    assert_eq!(options, 2);
}
