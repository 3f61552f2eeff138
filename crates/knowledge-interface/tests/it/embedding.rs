//! The embedding client against model-provider: the real one serving local all-MiniLM-L6-v2
//! (model info, batching in input order, bearer token), and a scripted fake for failures
//! (retries on 5xx and 429, no retry on 400 or a malformed reply, unknown and chat aliases,
//! timeouts bounded by the retry budget, an unreachable provider).

use std::time::Duration;

use crate::support::fake_provider::{FakeProvider, Reply};
use crate::support::model_provider::{
    EMBEDDING_ALIAS, spawn_model_provider, spawn_model_provider_with,
};
use exobrain_common::auth::ServiceToken;
use knowledge_interface::embedding::{EmbeddingClient, EmbeddingError, EmbeddingSettings};
use serde_json::json;

/// A client of `base_url` with small budgets so failing tests end quickly.
fn settings(base_url: &str) -> EmbeddingSettings {
    EmbeddingSettings {
        base_url: base_url.to_owned(),
        alias: EMBEDDING_ALIAS.to_owned(),
        timeout: Duration::from_millis(300),
        retry_budget: Duration::from_secs(1),
        ..EmbeddingSettings::default()
    }
}

fn client(settings: EmbeddingSettings) -> EmbeddingClient {
    EmbeddingClient::new(settings).expect("client")
}

fn texts(items: &[&str]) -> Vec<String> {
    items.iter().map(|text| (*text).to_owned()).collect()
}

fn cosine(a: &[f32], b: &[f32]) -> f32 {
    let dot = |x: &[f32], y: &[f32]| x.iter().zip(y).map(|(p, q)| p * q).sum::<f32>();
    dot(a, b) / (dot(a, a).sqrt() * dot(b, b).sqrt())
}

fn assert_close(a: &[f32], b: &[f32]) {
    assert_eq!(a.len(), b.len());
    let worst = a
        .iter()
        .zip(b)
        .map(|(x, y)| (x - y).abs())
        .fold(0.0, f32::max);
    assert!(worst <= 1e-4, "vectors differ by {worst}");
}

/// Fails instead of hanging if a bug keeps a call from ending.
async fn bounded<T>(call: impl Future<Output = T>) -> T {
    tokio::time::timeout(Duration::from_secs(30), call)
        .await
        .expect("the call never ended")
}

#[tokio::test]
async fn model_info_reports_the_local_minilm_model_with_384_dimensions() {
    let provider = spawn_model_provider().await;
    let info = client(settings(&provider.base_url))
        .model_info()
        .await
        .expect("model info");
    assert_eq!(info.alias, EMBEDDING_ALIAS);
    assert_eq!(info.provider, "local");
    assert_eq!(info.upstream_model, "all-minilm-l6-v2");
    assert_eq!(info.dims, 384);
    assert_eq!(info.identity(), "local/all-minilm-l6-v2@384");
}

#[tokio::test]
async fn embedding_130_texts_in_batches_of_16_returns_every_vector_in_input_order() {
    let provider = spawn_model_provider().await;
    let embedder = client(EmbeddingSettings {
        batch_size: 16,
        concurrency: 3,
        timeout: Duration::from_secs(60),
        retry_budget: Duration::from_secs(5),
        ..settings(&provider.base_url)
    });
    let topics = [
        "the garden needs water",
        "renew the passport",
        "call the dentist",
    ];
    let mut input: Vec<String> = (0..130)
        .map(|i| format!("note {i}: {}", topics[i % topics.len()]))
        .collect();
    input[5] = "a cat sits on the mat".into();
    input[77] = "a kitten rests on a rug".into();
    input[129] = "quarterly tax filing deadline".into();

    let vectors = embedder.embed(&input).await.expect("embed");

    assert_eq!(vectors.len(), 130);
    assert!(vectors.iter().all(|vector| vector.len() == 384));
    for index in [0, 5, 16, 77, 100, 129] {
        let alone = embedder
            .embed(&input[index..=index])
            .await
            .expect("embed one");
        assert_close(&vectors[index], &alone[0]);
    }
    let (near, far) = (
        cosine(&vectors[5], &vectors[77]),
        cosine(&vectors[5], &vectors[129]),
    );
    assert!(near > far, "paraphrase {near}, unrelated {far}");
}

#[tokio::test]
async fn a_token_protected_model_provider_needs_the_configured_token() {
    let provider = spawn_model_provider_with(&[("MODEL_PROVIDER_API_TOKEN", "s3cret")]).await;

    let error = client(settings(&provider.base_url))
        .model_info()
        .await
        .expect_err("no token");
    assert!(
        matches!(&error, EmbeddingError::Misconfigured(message) if message.contains("MODEL_PROVIDER_API_TOKEN")),
        "{error}"
    );

    let embedder = client(EmbeddingSettings {
        token: ServiceToken::new("s3cret").expect("ascii"),
        timeout: Duration::from_secs(30),
        ..settings(&provider.base_url)
    });
    assert_eq!(embedder.model_info().await.expect("model info").dims, 384);
    let vectors = embedder.embed(&texts(&["hello"])).await.expect("embed");
    assert_eq!(vectors[0].len(), 384);
}

#[tokio::test]
async fn batches_respect_size_and_concurrency_and_come_back_in_input_order() {
    let fake = FakeProvider::start().await;
    let embedder = client(EmbeddingSettings {
        batch_size: 3,
        concurrency: 2,
        ..settings(&fake.base_url)
    });
    let input: Vec<String> = (0..10).map(|i| "x".repeat(i + 1)).collect();

    let vectors = embedder.embed(&input).await.expect("embed");

    let expected: Vec<Vec<f32>> = input
        .iter()
        .map(|text| FakeProvider::vector_of(text))
        .collect();
    assert_eq!(vectors, expected);
    let sizes: Vec<usize> = fake
        .seen()
        .iter()
        .map(|seen| seen.body["input"].as_array().map_or(0, Vec::len))
        .collect();
    assert_eq!(sizes.iter().sum::<usize>(), 10);
    assert_eq!(sizes.len(), 4, "{sizes:?}");
    assert!(
        fake.most_in_flight() <= 2,
        "{} in flight",
        fake.most_in_flight()
    );
    assert!(
        fake.seen()
            .iter()
            .all(|seen| seen.body["model"] == EMBEDDING_ALIAS)
    );
}

#[tokio::test]
async fn empty_input_makes_no_request_and_an_empty_text_is_refused_before_any() {
    let fake = FakeProvider::start().await;
    let embedder = client(settings(&fake.base_url));
    assert!(embedder.embed(&[]).await.expect("nothing").is_empty());
    let error = embedder
        .embed(&texts(&["a", "", "c"]))
        .await
        .expect_err("empty text");
    assert_eq!(error, EmbeddingError::EmptyText { index: 1 });
    assert!(fake.seen().is_empty());
}

#[tokio::test]
async fn a_503_and_a_429_are_retried_until_the_provider_answers() {
    let fake = FakeProvider::start().await;
    let overloaded = json!({ "error": { "message": "busy" } });
    fake.reply([
        Reply::Json(503, overloaded.clone()),
        Reply::Json(429, overloaded),
    ]);
    let embedder = client(EmbeddingSettings {
        retry_budget: Duration::from_secs(10),
        ..settings(&fake.base_url)
    });

    let vectors = embedder.embed(&texts(&["hello"])).await.expect("embed");

    assert_eq!(vectors, [FakeProvider::vector_of("hello")]);
    assert_eq!(fake.seen().len(), 3);
}

#[tokio::test]
async fn a_400_is_not_retried_and_the_error_carries_the_providers_message() {
    let fake = FakeProvider::start().await;
    fake.reply([Reply::Json(
        400,
        json!({ "error": { "message": "input[0]: too many tokens", "type": "invalid_request_error" } }),
    )]);

    let error = client(settings(&fake.base_url))
        .embed(&texts(&["hello"]))
        .await
        .expect_err("refused");

    assert!(
        matches!(&error, EmbeddingError::Rejected(message)
            if message.contains("status 400") && message.contains("input[0]: too many tokens")),
        "{error}"
    );
    assert!(!error.is_retryable());
    assert_eq!(fake.seen().len(), 1);
}

#[tokio::test]
async fn a_reply_with_a_missing_or_repeated_index_is_rejected_without_retry() {
    let fake = FakeProvider::start().await;
    fake.reply([
        Reply::Json(200, json!({ "data": [ { "embedding": [1.0, 2.0, 3.0] } ] })),
        Reply::Json(
            200,
            json!({ "data": [
            { "index": 0, "embedding": [1.0, 2.0, 3.0] },
            { "index": 0, "embedding": [1.0, 2.0, 3.0] },
        ] }),
        ),
    ]);
    let embedder = client(settings(&fake.base_url));

    let missing = embedder.embed(&texts(&["a"])).await.expect_err("no index");
    let repeated = embedder
        .embed(&texts(&["a", "b"]))
        .await
        .expect_err("index twice");

    assert!(
        matches!(&missing, EmbeddingError::Rejected(message) if message.contains("index")),
        "{missing}"
    );
    assert!(
        matches!(&repeated, EmbeddingError::Rejected(message) if message.contains("index 0 appears twice")),
        "{repeated}"
    );
    assert_eq!(fake.seen().len(), 2);
}

#[tokio::test]
async fn model_info_for_an_unknown_alias_lists_the_embedding_aliases() {
    let fake = FakeProvider::start().await;
    let error = client(EmbeddingSettings {
        alias: "embeddings-v9".into(),
        ..settings(&fake.base_url)
    })
    .model_info()
    .await
    .expect_err("unknown alias");
    let EmbeddingError::Misconfigured(message) = &error else {
        panic!("{error}");
    };
    assert!(message.contains("`embeddings-v9`"), "{message}");
    assert!(message.contains("all-purpose, search"), "{message}");
    assert!(!message.contains("router"), "{message}");
}

#[tokio::test]
async fn model_info_refuses_a_chat_alias() {
    let fake = FakeProvider::start().await;
    let error = client(EmbeddingSettings {
        alias: "router".into(),
        ..settings(&fake.base_url)
    })
    .model_info()
    .await
    .expect_err("chat alias");
    assert!(
        matches!(&error, EmbeddingError::Misconfigured(message) if message.contains("is a chat alias")),
        "{error}"
    );
}

#[tokio::test]
async fn two_aliases_of_one_model_share_an_identity() {
    let fake = FakeProvider::start().await;
    let info = |alias: &str| {
        client(EmbeddingSettings {
            alias: alias.into(),
            ..settings(&fake.base_url)
        })
    };
    let (a, b) = (
        info("all-purpose").model_info().await.expect("all-purpose"),
        info("search").model_info().await.expect("search"),
    );
    assert_ne!(a.alias, b.alias);
    assert_eq!(a.identity(), b.identity());
    assert_eq!(a.identity(), "openai/text-embedding-3-small@3");
}

#[tokio::test]
async fn a_hanging_provider_times_out_each_attempt_and_gives_up_after_the_budget() {
    let fake = FakeProvider::start().await;
    fake.reply(std::iter::repeat_n(Reply::Hang, 100));

    let error = bounded(client(settings(&fake.base_url)).embed(&texts(&["hello"])))
        .await
        .expect_err("hangs");

    assert!(error.is_retryable(), "{error}");
    assert!(
        error
            .to_string()
            .contains("KNOWLEDGE_EMBEDDING_TIMEOUT_SECONDS"),
        "{error}"
    );
    assert!(fake.seen().len() >= 2, "{} attempts", fake.seen().len());
}

#[tokio::test]
async fn an_unreachable_provider_is_reported_unavailable() {
    let closed = exobrain_testkit::bind_ephemeral().await;
    let base_url = format!("http://{}/v1", closed.local_addr().expect("addr"));
    drop(closed);

    let error = bounded(client(settings(&base_url)).model_info())
        .await
        .expect_err("nobody listens");

    assert!(
        matches!(&error, EmbeddingError::Unavailable(message)
            if message.contains("cannot connect") && message.contains(&base_url)),
        "{error}"
    );
}

#[tokio::test]
async fn a_bad_base_url_is_refused_at_construction() {
    let error = EmbeddingClient::new(settings("localhost:8010")).expect_err("no scheme");
    assert!(
        matches!(&error, EmbeddingError::Misconfigured(message) if message.contains("MODEL_PROVIDER_BASE_URL")),
        "{error}"
    );
}
