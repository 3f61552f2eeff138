//! User configs: defaults, overrides, validation before any write, tolerance of bad stored
//! values, and the journal's time zone.

use assistant_backend::MIGRATOR;
use assistant_backend::configs::{
    ConfigType, ConfigUpdate, ConfigValue, UserConfigError, UserConfigItem, UserConfigStore,
};
use assistant_backend::journals::{TIME_ZONE_KEY, parse_zone, today_reference};
use chrono::{TimeZone, Utc};
use exobrain_testkit::TestDb;
use serde_json::json;
use uuid::Uuid;

use crate::support::new_user;

const THEME: &str = "frontend.theme";

async fn store() -> (TestDb, UserConfigStore, Uuid) {
    let db = TestDb::migrated(&MIGRATOR).await;
    let user = new_user(&db.pool).await;
    let store = UserConfigStore::new(db.pool.clone());
    (db, store, user)
}

fn update(key: &str, value: serde_json::Value) -> ConfigUpdate {
    ConfigUpdate {
        key: key.to_owned(),
        value,
    }
}

fn item<'a>(items: &'a [UserConfigItem], key: &str) -> &'a UserConfigItem {
    items
        .iter()
        .find(|item| item.key == key)
        .unwrap_or_else(|| panic!("no config {key}"))
}

#[tokio::test]
async fn a_new_user_sees_every_seeded_config_at_its_default() {
    let (_db, store, user) = store().await;

    let items = store.effective(user).await.unwrap();

    assert_eq!(
        items.iter().map(|i| i.key.as_str()).collect::<Vec<_>>(),
        [THEME, TIME_ZONE_KEY]
    );
    let theme = serde_json::to_value(item(&items, THEME)).unwrap();
    assert_eq!(
        theme,
        json!({
            "key": THEME, "name": "Theme", "config_type": "choice",
            "description": "Colour theme of the web interface.",
            "options": [
                {"value": "gruvbox-dark", "label": "Gruvbox Dark"},
                {"value": "purple-intelligence", "label": "Purple Intelligence"}
            ],
            "value": "gruvbox-dark", "default_value": "gruvbox-dark", "using_default": true
        })
    );
    let zone = item(&items, TIME_ZONE_KEY);
    assert_eq!(zone.value, ConfigValue::Choice("UTC".into()));
    assert_eq!(zone.options[0].value, "UTC");
    assert!(zone.options.iter().any(|o| o.value == "Europe/Berlin"));
}

#[tokio::test]
async fn an_override_applies_and_choosing_the_default_again_deletes_it() {
    let (db, store, user) = store().await;
    let other = new_user(&db.pool).await;

    let changed = store
        .update(user, &[update(THEME, json!("purple-intelligence"))])
        .await
        .unwrap();
    assert_eq!(
        item(&changed, THEME).value,
        ConfigValue::Choice("purple-intelligence".into())
    );
    assert!(!item(&changed, THEME).using_default);
    assert!(
        item(&store.effective(other).await.unwrap(), THEME).using_default,
        "only this user"
    );

    let back = store
        .update(user, &[update(THEME, json!("gruvbox-dark"))])
        .await
        .unwrap();
    assert!(item(&back, THEME).using_default);
    let rows: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM user_config_values WHERE user_id = $1")
            .bind(user)
            .fetch_one(&db.pool)
            .await
            .unwrap();
    assert_eq!(rows, 0, "the override row is gone");
}

#[tokio::test]
async fn invalid_updates_name_the_key_and_write_nothing() {
    let (db, store, user) = store().await;
    sqlx::query(
        "INSERT INTO user_config_definitions (key, name, description, config_type, default_value)
         VALUES ('chat.daily_digest', 'Daily Digest', 'Send a digest.', 'boolean', '{\"kind\":\"boolean\",\"value\":false}')",
    )
    .execute(&db.pool)
    .await
    .unwrap();
    let valid = update(THEME, json!("purple-intelligence"));

    let unknown = store
        .update(user, &[valid.clone(), update("no.such", json!(true))])
        .await;
    let wrong_type = store
        .update(
            user,
            &[valid.clone(), update("chat.daily_digest", json!("false"))],
        )
        .await;
    let bad_choice = store
        .update(user, &[valid, update(THEME, json!("neon"))])
        .await;

    assert!(
        matches!(&unknown, Err(UserConfigError::UnknownKey { key }) if key == "no.such"),
        "{unknown:?}"
    );
    assert!(
        matches!(&wrong_type, Err(UserConfigError::WrongType { key, expected: ConfigType::Boolean }) if key == "chat.daily_digest"),
        "{wrong_type:?}"
    );
    let Err(UserConfigError::InvalidChoice {
        key,
        value,
        allowed,
    }) = bad_choice
    else {
        panic!("{bad_choice:?}")
    };
    assert_eq!((key.as_str(), value.as_str()), (THEME, "neon"));
    assert_eq!(allowed, ["gruvbox-dark", "purple-intelligence"]);
    assert!(
        store
            .effective(user)
            .await
            .unwrap()
            .iter()
            .all(|i| i.using_default),
        "nothing written"
    );
    let digest = store
        .update(user, &[update("chat.daily_digest", json!(true))])
        .await
        .unwrap();
    assert_eq!(
        item(&digest, "chat.daily_digest").value,
        ConfigValue::Boolean(true)
    );
}

#[tokio::test]
async fn a_corrupted_stored_value_falls_back_to_the_default() {
    let (db, store, user) = store().await;
    store
        .update(user, &[update(THEME, json!("purple-intelligence"))])
        .await
        .unwrap();
    sqlx::query("UPDATE user_config_choice_options SET is_active = FALSE WHERE option_value = 'purple-intelligence'")
        .execute(&db.pool)
        .await
        .unwrap();

    let items = store.effective(user).await.unwrap();

    assert_eq!(
        item(&items, THEME).value,
        ConfigValue::Choice("gruvbox-dark".into())
    );
    assert!(item(&items, THEME).using_default);
}

#[tokio::test]
async fn todays_journal_follows_the_users_time_zone_across_midnight() {
    let (db, store, user) = store().await;
    // 23:30 UTC on 14 March is already 15 March in Berlin and still 14 March in New York.
    let now = Utc.with_ymd_and_hms(2025, 3, 14, 23, 30, 0).unwrap();
    let zone_of = |value: Option<ConfigValue>| {
        parse_zone(
            value
                .as_ref()
                .and_then(ConfigValue::as_choice)
                .unwrap_or("UTC"),
        )
    };

    let default_zone = zone_of(store.value(user, TIME_ZONE_KEY).await.unwrap());
    assert_eq!(today_reference(now, default_zone), "2025/03/14");

    store
        .update(user, &[update(TIME_ZONE_KEY, json!("Europe/Berlin"))])
        .await
        .unwrap();
    let berlin = zone_of(store.value(user, TIME_ZONE_KEY).await.unwrap());
    assert_eq!(today_reference(now, berlin), "2025/03/15");
    assert_eq!(
        today_reference(now, parse_zone("America/New_York")),
        "2025/03/14"
    );
    assert_eq!(
        today_reference(
            Utc.with_ymd_and_hms(2025, 3, 15, 4, 59, 0).unwrap(),
            parse_zone("America/New_York")
        ),
        "2025/03/15"
    );
    assert_eq!(
        today_reference(now, parse_zone("Not/AZone")),
        "2025/03/14",
        "unknown zones count as UTC"
    );

    // A stored zone whose option was withdrawn reads as the default, like the full listing.
    sqlx::query(
        "UPDATE user_config_choice_options SET is_active = FALSE WHERE option_value = 'Europe/Berlin'",
    )
    .execute(&db.pool)
    .await
    .unwrap();
    let withdrawn = store.value(user, TIME_ZONE_KEY).await.unwrap();
    assert_eq!(
        withdrawn.as_ref().and_then(ConfigValue::as_choice),
        Some("UTC")
    );
    assert_eq!(store.value(user, "no.such.key").await.unwrap(), None);
}
