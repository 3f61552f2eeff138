//! The journal read cache: reads are served from Redis until a write invalidates them, and a
//! Redis outage degrades reads to the database instead of failing them.

use assistant_backend::journals::Role;
use uuid::Uuid;

use crate::support::Fixture;

const DAY: &str = "2025/06/01";

/// Writes a message behind the cache's back, as another process without invalidation would.
async fn append_bypassing_the_cache(fixture: &Fixture, user: Uuid, content: &str) {
    fixture
        .journals
        .store()
        .append_message(user, DAY, Role::User, content, Uuid::new_v4())
        .await
        .expect("append");
}

#[tokio::test]
async fn reads_are_served_from_the_cache_until_a_write_invalidates_them() {
    let fixture = Fixture::new().await;
    let user = fixture.user().await;
    let journals = &fixture.journals;
    journals
        .append_message(user, DAY, Role::User, "one", Uuid::new_v4())
        .await
        .unwrap();
    assert_eq!(
        journals.messages(user, DAY, 100, None).await.unwrap().len(),
        1
    );
    assert_eq!(
        journals.list(user, 20, None).await.unwrap()[0].message_count,
        1
    );

    append_bypassing_the_cache(&fixture, user, "two").await;
    let cached = journals.messages(user, DAY, 100, None).await.unwrap();
    assert_eq!(cached.len(), 1, "served from the cache");

    journals
        .append_message(user, DAY, Role::User, "three", Uuid::new_v4())
        .await
        .unwrap();
    let fresh = journals.messages(user, DAY, 100, None).await.unwrap();
    assert_eq!(
        fresh
            .iter()
            .map(|m| m.content.as_deref().unwrap())
            .collect::<Vec<_>>(),
        ["three", "two", "one"]
    );
    assert_eq!(
        journals.list(user, 20, None).await.unwrap()[0].message_count,
        3
    );
}

#[tokio::test]
async fn a_missing_journal_is_cached_as_missing_until_it_is_created() {
    let fixture = Fixture::new().await;
    let user = fixture.user().await;
    assert_eq!(fixture.journals.get(user, DAY).await.unwrap(), None);

    fixture
        .journals
        .store()
        .ensure_conversation(user, DAY)
        .await
        .unwrap();
    assert_eq!(
        fixture.journals.get(user, DAY).await.unwrap(),
        None,
        "negative cache"
    );

    let created = fixture.journals.ensure(user, DAY).await.unwrap();
    assert_eq!(
        fixture.journals.get(user, DAY).await.unwrap(),
        Some(created)
    );
}

#[tokio::test]
async fn one_users_write_leaves_another_users_cache_alone() {
    let fixture = Fixture::new().await;
    let (writer, reader) = (fixture.user().await, fixture.user().await);
    fixture
        .journals
        .append_message(reader, DAY, Role::User, "mine", Uuid::new_v4())
        .await
        .unwrap();
    assert_eq!(
        fixture
            .journals
            .messages(reader, DAY, 100, None)
            .await
            .unwrap()
            .len(),
        1
    );

    append_bypassing_the_cache(&fixture, reader, "behind the cache").await;
    fixture
        .journals
        .append_message(writer, DAY, Role::User, "theirs", Uuid::new_v4())
        .await
        .unwrap();

    assert_eq!(
        fixture
            .journals
            .messages(reader, DAY, 100, None)
            .await
            .unwrap()
            .len(),
        1
    );
    assert_eq!(
        fixture
            .journals
            .messages(writer, DAY, 100, None)
            .await
            .unwrap()
            .len(),
        1
    );
}

#[tokio::test]
async fn reads_and_writes_work_from_the_database_when_redis_is_down() {
    let fixture = Fixture::with_redis_down().await;
    let user = fixture.user().await;
    let journals = &fixture.journals;

    assert_eq!(journals.get(user, DAY).await.unwrap(), None);
    journals
        .append_message(user, DAY, Role::User, "still works", Uuid::new_v4())
        .await
        .unwrap();
    let entry = journals.get(user, DAY).await.unwrap().expect("journal");
    let listed = journals.list(user, 20, None).await.unwrap();
    let messages = journals.messages(user, DAY, 100, None).await.unwrap();

    assert_eq!(entry.message_count, 1);
    assert_eq!(listed, vec![entry]);
    assert_eq!(messages[0].content.as_deref(), Some("still works"));
}
