//! Journal reads: list and message paging, search, unknown journals, and per-user isolation.

use assistant_backend::journals::{JournalEntry, JournalError, Role, ToolCallStart, ToolOutcome};
use uuid::Uuid;

use crate::support::Fixture;

const DAY: &str = "2025/03/14";

#[tokio::test]
async fn the_list_pages_newest_first_below_the_cursor() {
    let fixture = Fixture::new().await;
    let user = fixture.user().await;
    for day in [
        "2025/01/01",
        "2025/01/02",
        "2025/01/03",
        "2025/01/04",
        "2025/01/05",
    ] {
        fixture.journals.ensure(user, day).await.unwrap();
    }

    let first = fixture.journals.list(user, 2, None).await.unwrap();
    let second = fixture
        .journals
        .list(user, 2, Some(&first[1].reference))
        .await
        .unwrap();
    let last = fixture
        .journals
        .list(user, 2, Some(&second[1].reference))
        .await
        .unwrap();

    let references = |page: &[JournalEntry]| {
        page.iter()
            .map(|entry| entry.reference.clone())
            .collect::<Vec<_>>()
    };
    assert_eq!(references(&first), ["2025/01/05", "2025/01/04"]);
    assert_eq!(references(&second), ["2025/01/03", "2025/01/02"]);
    assert_eq!(references(&last), ["2025/01/01"]);
    let invalid = fixture.journals.list(user, 101, None).await;
    assert!(
        matches!(
            invalid,
            Err(JournalError::InvalidLimit {
                limit: 101,
                max: 100
            })
        ),
        "{invalid:?}"
    );
}

#[tokio::test]
async fn search_takes_wildcards_literally_and_counts_the_whole_journal() {
    let fixture = Fixture::new().await;
    let user = fixture.user().await;
    let journals = &fixture.journals;
    for content in ["Discount of 50% today", "unrelated", "another line"] {
        journals
            .append_message(user, "2025/02/01", Role::User, content, Uuid::new_v4())
            .await
            .unwrap();
    }
    journals
        .append_message(user, "2025/02/02", Role::User, "50 apples", Uuid::new_v4())
        .await
        .unwrap();
    journals
        .append_message(
            user,
            "2025/02/03",
            Role::User,
            "snake_case NAMES",
            Uuid::new_v4(),
        )
        .await
        .unwrap();
    journals
        .append_message(user, "2025/02/04", Role::User, "snakeXcase", Uuid::new_v4())
        .await
        .unwrap();

    let percent = journals.search(user, "50%", 20).await.unwrap();
    let underscore = journals.search(user, "SNAKE_", 20).await.unwrap();
    let by_reference = journals.search(user, "2025/02", 20).await.unwrap();

    assert_eq!(percent.len(), 1);
    assert_eq!(percent[0].reference, "2025/02/01");
    assert_eq!(
        percent[0].message_count, 3,
        "counts every message of the journal"
    );
    let newest = journals
        .messages(user, "2025/02/01", 1, None)
        .await
        .unwrap();
    assert_eq!(percent[0].last_message_at, Some(newest[0].created_at));
    assert_eq!(
        underscore
            .iter()
            .map(|e| e.reference.as_str())
            .collect::<Vec<_>>(),
        ["2025/02/03"]
    );
    assert_eq!(by_reference.len(), 4);
    assert_eq!(by_reference[0].reference, "2025/02/04");
}

#[tokio::test]
async fn messages_page_newest_first_with_their_tool_calls_in_order() {
    let fixture = Fixture::new().await;
    let user = fixture.user().await;
    let journals = &fixture.journals;
    for n in 1..=4 {
        journals
            .append_message(user, DAY, Role::User, &format!("m{n}"), Uuid::new_v4())
            .await
            .unwrap();
    }
    let reply = journals.reserve_reply(user, DAY).await.unwrap();
    journals
        .add_tool_call(user, reply.id, call("call-1", "Search", "looking it up"))
        .await
        .unwrap();
    journals
        .add_tool_call(user, reply.id, call("call-2", "Fetch", "reading a page"))
        .await
        .unwrap();
    journals
        .finish_tool_call(
            user,
            reply.id,
            "call-1",
            ToolOutcome::Response("found".into()),
            "3 hits",
        )
        .await
        .unwrap();
    journals
        .finish_tool_call(
            user,
            reply.id,
            "call-2",
            ToolOutcome::Error("timeout".into()),
            "error: timeout",
        )
        .await
        .unwrap();
    journals
        .complete_reply(user, reply.id, "here it is")
        .await
        .unwrap();

    let first = journals.messages(user, DAY, 2, None).await.unwrap();
    let rest = journals
        .messages(user, DAY, 10, Some(first[1].sequence))
        .await
        .unwrap();

    assert_eq!(first.iter().map(|m| m.sequence).collect::<Vec<_>>(), [5, 4]);
    assert_eq!(
        rest.iter().map(|m| m.sequence).collect::<Vec<_>>(),
        [3, 2, 1]
    );
    let calls = &first[0].tool_calls;
    assert_eq!(
        calls
            .iter()
            .map(|c| c.tool_call_id.as_str())
            .collect::<Vec<_>>(),
        ["call-1", "call-2"]
    );
    assert_eq!(
        (calls[0].response.as_deref(), calls[0].error.as_deref()),
        (Some("found"), None)
    );
    assert_eq!(
        (calls[1].response.as_deref(), calls[1].error.as_deref()),
        (None, Some("timeout"))
    );
    assert!(rest.iter().all(|m| m.tool_calls.is_empty()));
    let json = serde_json::to_value(&first[0]).unwrap();
    assert!(
        json["created_at"].as_str().unwrap().ends_with('Z'),
        "{json}"
    );
    assert_eq!(json["tool_calls"][0]["title"], "Search");
}

#[tokio::test]
async fn an_unknown_journal_has_no_entry_and_no_messages() {
    let fixture = Fixture::new().await;
    let user = fixture.user().await;

    assert_eq!(
        fixture.journals.get(user, "1999/12/31").await.unwrap(),
        None
    );
    assert!(
        fixture
            .journals
            .messages(user, "1999/12/31", 100, None)
            .await
            .unwrap()
            .is_empty()
    );
}

#[tokio::test]
async fn another_users_journal_is_invisible_and_untouchable() {
    let fixture = Fixture::new().await;
    let (owner, other) = (fixture.user().await, fixture.user().await);
    let journals = &fixture.journals;
    journals
        .append_message(owner, DAY, Role::User, "private note", Uuid::new_v4())
        .await
        .unwrap();
    let reply = journals.reserve_reply(owner, DAY).await.unwrap();

    assert_eq!(journals.get(other, DAY).await.unwrap(), None);
    assert!(journals.list(other, 100, None).await.unwrap().is_empty());
    assert!(
        journals
            .messages(other, DAY, 100, None)
            .await
            .unwrap()
            .is_empty()
    );
    assert!(
        journals
            .search(other, "private", 20)
            .await
            .unwrap()
            .is_empty()
    );
    let complete = journals.complete_reply(other, reply.id, "hijacked").await;
    assert!(
        matches!(complete, Err(JournalError::MessageNotFound { .. })),
        "{complete:?}"
    );
    let call = journals
        .add_tool_call(other, reply.id, call("x", "t", "d"))
        .await;
    assert!(
        matches!(call, Err(JournalError::MessageNotFound { .. })),
        "{call:?}"
    );
}

/// A tool call start with `id`, `title` and `description` and no arguments.
fn call<'a>(id: &'a str, title: &'a str, description: &'a str) -> ToolCallStart<'a> {
    static NO_ARGUMENTS: std::sync::LazyLock<serde_json::Value> =
        std::sync::LazyLock::new(|| serde_json::json!({}));
    ToolCallStart {
        tool_call_id: id,
        name: "search_knowledge",
        arguments: &NO_ARGUMENTS,
        title,
        description,
    }
}
