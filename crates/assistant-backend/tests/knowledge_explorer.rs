//! The knowledge explorer routes (category tree, category pages, page detail, block patch)
//! against a real knowledge interface on a seeded database of the test's own; pages are
//! written straight into it for the seeded users.

#[path = "support/mod.rs"]
mod app;
#[path = "../../job-orchestrator-worker/tests/support/services.rs"]
mod services;
#[path = "knowledge_support/mod.rs"]
mod support;

use app::{ARCHITECT, PASSWORD, TEST_USER, TestApp, signed_in_client};
use exobrain_proto::knowledge as pb;
use serde_json::{Value, json};
use support::pages::Author;
use support::{World, read, test_user};
use uuid::Uuid;

async fn get(client: &reqwest::Client, app: &TestApp, path: &str) -> (u16, Value) {
    read(client.get(app.url(path)).send().await.expect("request")).await
}

async fn patch(
    client: &reqwest::Client,
    app: &TestApp,
    page: Uuid,
    if_match: Option<&str>,
    body: &Value,
) -> (u16, Value) {
    let mut request = client
        .patch(app.url(&format!("/api/knowledge/page/{page}")))
        .json(body);
    if let Some(version) = if_match {
        request = request.header("if-match", version);
    }
    read(request.send().await.expect("request")).await
}

/// The explorer with one private page of the test user (Anna, a person); the page and its
/// root block.
async fn annas_page() -> (World, Uuid, Uuid) {
    let world = World::explorer().await;
    let (page, root) = Author::new(&world, TEST_USER)
        .await
        .page("node.person", "Anna", "My sister.", pb::Visibility::Private)
        .await;
    (world, page, root)
}

fn edit(block: impl ToString, markdown: &str) -> Value {
    json!({ "content_blocks": [{ "block_id": block.to_string(), "markdown_content": markdown }] })
}

fn find<'a>(tree: &'a Value, id: &str) -> Option<&'a Value> {
    tree.as_array()?.iter().find_map(|category| {
        if category["category_id"] == id {
            Some(category)
        } else {
            find(&category["sub_categories"], id)
        }
    })
}

#[tokio::test]
async fn the_category_tree_counts_only_the_pages_the_user_can_see() {
    let world = World::explorer().await;
    let mut mine = Author::new(&world, TEST_USER).await;
    let mut theirs = Author::new(&world, ARCHITECT).await;
    mine.page("node.place", "Anna", "My sister.", pb::Visibility::Private)
        .await;
    mine.page("node.place", "Ben", "A friend.", pb::Visibility::Private)
        .await;
    theirs
        .page(
            "node.place",
            "Carl",
            "Their colleague.",
            pb::Visibility::Private,
        )
        .await;

    let (status, body) = get(
        &test_user(&world.app).await,
        &world.app,
        "/api/knowledge/category",
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let tree = &body["categories"];
    let person = find(tree, "node.place").expect("node.place in the tree");
    assert_eq!(person["page_count"], 2);
    assert!(person["display_name"].is_string() && person["sub_categories"].is_array());
    assert!(find(tree, "node.entity").is_none() && find(tree, "node.block").is_none());
}

#[tokio::test]
async fn a_categorys_pages_come_page_by_page_and_bad_paging_is_refused() {
    let world = World::explorer().await;
    let mut mine = Author::new(&world, TEST_USER).await;
    for name in ["Anna", "Ben", "Clara"] {
        mine.page(
            "node.place",
            name,
            &format!("About {name}."),
            pb::Visibility::Private,
        )
        .await;
    }
    let (client, app) = (test_user(&world.app).await, &world.app);
    let (status, first) = get(
        &client,
        app,
        "/api/knowledge/category/node.place/pages?page_size=2",
    )
    .await;
    assert_eq!(status, 200, "{first}");
    assert_eq!(first["knowledge_pages"].as_array().expect("pages").len(), 2);
    assert_eq!(
        (first["page_size"].clone(), first["total_count"].clone()),
        (json!(2), json!(3))
    );
    let page = &first["knowledge_pages"][0];
    assert!(
        page["id"].is_string()
            && page["title"].is_string()
            && page["metadata"]["updated_at"].is_string()
    );
    let token = first["next_page_token"].as_str().expect("a next page");
    let (_, second) = get(
        &client,
        app,
        &format!("/api/knowledge/category/node.place/pages?page_size=2&page_token={token}"),
    )
    .await;
    assert_eq!(
        second["knowledge_pages"].as_array().expect("pages").len(),
        1
    );
    assert_eq!(second["next_page_token"], Value::Null);

    for query in [
        "page_size=0",
        "page_size=101",
        "page_size=ten",
        "page_token=",
    ] {
        let (status, body) = get(
            &client,
            app,
            &format!("/api/knowledge/category/node.place/pages?{query}"),
        )
        .await;
        assert_eq!(status, 422, "{query}: {body}");
        assert!(
            body["detail"].as_str().is_some_and(|d| d.contains("page_")),
            "{query}: {body}"
        );
    }
}

#[tokio::test]
async fn a_page_shows_the_users_properties_and_its_blocks_in_the_order_written() {
    let world = World::explorer().await;
    let mut mine = Author::new(&world, TEST_USER).await;
    let (page, root) = mine
        .page(
            "node.person",
            "Anna",
            "  My sister.  ",
            pb::Visibility::Private,
        )
        .await;
    let (first, second, nested) = (
        Uuid::from_u128(u128::MAX),
        Uuid::from_u128(1),
        Uuid::from_u128(2),
    );
    mine.child(root, first, "Written first.").await;
    mine.child(root, second, "Written second.").await;
    mine.child(first, nested, "Under the first.").await;

    let response = test_user(&world.app)
        .await
        .get(world.app.url(&format!("/api/knowledge/page/{page}")))
        .send()
        .await
        .expect("request");
    let etag = response.headers()["etag"]
        .to_str()
        .expect("etag")
        .to_owned();
    let (status, body) = read(response).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["title"], "Anna");
    assert_eq!(body["category_id"], "node.person");
    assert_eq!(body["summary"], "My sister.");
    assert_eq!(
        etag,
        format!("\"{}\"", body["version"].as_str().expect("version"))
    );
    let properties = body["properties"].as_object().expect("properties");
    for key in [
        "id",
        "type_id",
        "user_id",
        "visibility",
        "created_at",
        "updated_at",
        "universe_id",
    ] {
        assert!(
            !properties.contains_key(key),
            "{key} is not the user's: {properties:?}"
        );
    }
    assert!(properties.values().all(Value::is_string), "{properties:?}");
    let blocks: Vec<&str> = body["content_blocks"]
        .as_array()
        .expect("blocks")
        .iter()
        .map(|b| b["markdown"].as_str().expect("text"))
        .collect();
    assert_eq!(
        blocks,
        [
            "My sister.",
            "Written first.",
            "Under the first.",
            "Written second."
        ]
    );
}

#[tokio::test]
async fn a_patch_checks_the_version_it_was_given() {
    let (world, page, root) = annas_page().await;
    let (client, app) = (test_user(&world.app).await, &world.app);
    let (_, read_page) = get(&client, app, &format!("/api/knowledge/page/{page}")).await;
    let version = read_page["version"].as_str().expect("version").to_owned();

    let (status, body) = patch(
        &client,
        app,
        page,
        Some(&format!("\"{version}\"")),
        &edit(root, "My older sister."),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["updated_block_ids"], json!([root.to_string()]));
    assert_eq!(
        (body["updated_block_count"].clone(), body["status"].clone()),
        (json!(1), json!("updated"))
    );
    assert_ne!(body["version"], json!(version));

    let (status, body) = patch(
        &client,
        app,
        page,
        Some(&version),
        &edit(root, "Overwritten?"),
    )
    .await;
    assert_eq!(
        (status, body),
        (
            409,
            json!({ "detail": "knowledge page changed since it was read" })
        )
    );
    let (_, now) = get(&client, app, &format!("/api/knowledge/page/{page}")).await;
    assert_eq!(
        now["content_blocks"][0]["markdown"], "My older sister.",
        "nothing written"
    );

    let (status, _) = patch(&client, app, page, None, &edit(root, "Without If-Match.")).await;
    assert_eq!(status, 200, "the original frontend sends no If-Match");
    let (_, now) = get(&client, app, &format!("/api/knowledge/page/{page}")).await;
    assert_eq!(now["content_blocks"][0]["markdown"], "Without If-Match.");
}

#[tokio::test]
async fn a_patch_names_the_block_ids_it_refuses() {
    let (world, page, root) = annas_page().await;
    let (client, app) = (test_user(&world.app).await, &world.app);
    let unknown = Uuid::new_v4();
    let cases = [
        (
            json!({ "content_blocks": [] }),
            "at least one block".to_owned(),
        ),
        (
            json!({ "content_blocks": [{ "block_id": "  ", "markdown_content": "x" }] }),
            "content_blocks[0]".to_owned(),
        ),
        (
            json!({ "content_blocks": [{ "block_id": root, "markdown_content": "a" }, { "block_id": format!(" {root}"), "markdown_content": "b" }] }),
            format!("duplicate block ids: {root}"),
        ),
        (edit(unknown, "x"), unknown.to_string()),
    ];
    for (body, named) in cases {
        let (status, reply) = patch(&client, app, page, None, &body).await;
        assert_eq!(status, 400, "{body}: {reply}");
        assert!(
            reply["detail"].as_str().is_some_and(|d| d.contains(&named)),
            "{body}: {reply}"
        );
    }
    let (status, _) = patch(&client, app, page, None, &json!({ "blocks": [] })).await;
    assert_eq!(status, 422, "a body of the wrong shape");
}

#[tokio::test]
async fn another_users_pages_are_hidden_or_read_only() {
    let world = World::explorer().await;
    let mut theirs = Author::new(&world, ARCHITECT).await;
    let (private, private_root) = theirs
        .page("node.person", "Carl", "Private.", pb::Visibility::Private)
        .await;
    let (shared, shared_root) = theirs
        .page("node.person", "Dora", "Shared.", pb::Visibility::Shared)
        .await;
    let (client, app) = (test_user(&world.app).await, &world.app);

    let not_found = json!({ "detail": "knowledge page not found" });
    assert_eq!(
        get(&client, app, &format!("/api/knowledge/page/{private}")).await,
        (404, not_found.clone())
    );
    assert_eq!(
        patch(&client, app, private, None, &edit(private_root, "x")).await,
        (404, not_found)
    );

    let (status, body) = get(&client, app, &format!("/api/knowledge/page/{shared}")).await;
    assert_eq!((status, body["title"].clone()), (200, json!("Dora")));
    assert_eq!(
        patch(&client, app, shared, None, &edit(shared_root, "Mine now?")).await,
        (403, json!({ "detail": "knowledge page access denied" }))
    );
    let owner = signed_in_client(app, ARCHITECT, PASSWORD).await;
    let (_, body) = get(&owner, app, &format!("/api/knowledge/page/{shared}")).await;
    assert_eq!(
        body["content_blocks"][0]["markdown"], "Shared.",
        "unchanged"
    );
}

#[tokio::test]
async fn page_ids_may_contain_slashes_and_invalid_ones_are_a_client_error() {
    let world = World::explorer().await;
    let (status, body) = get(
        &test_user(&world.app).await,
        &world.app,
        "/api/knowledge/page/not/a-uuid",
    )
    .await;
    assert_eq!(
        (status, body),
        (400, json!({ "detail": "invalid knowledge page request" }))
    );
}
