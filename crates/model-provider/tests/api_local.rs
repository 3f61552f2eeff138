//! The gateway with no key at all (every alias served by the built-in `local` provider):
//! `/v1/models`, OpenAI-shaped errors on every route, the body limit, the bearer token,
//! structured output and forced tool calls that validate against their schemas on both chat
//! routes, native stream frames, and real local embeddings.

mod support;

use serde_json::{Value, json};
use support::{shipped_aliases, spawn_gateway};

fn validates(schema: &Value, instance: &Value) {
    let validator = jsonschema::validator_for(schema).expect("schema compiles");
    let errors: Vec<String> = validator
        .iter_errors(instance)
        .map(|e| e.to_string())
        .collect();
    assert!(
        errors.is_empty(),
        "{instance} does not validate: {errors:?}"
    );
}

fn cosine(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

#[tokio::test]
async fn models_lists_every_alias_with_the_provider_that_answers_it() {
    let gateway = spawn_gateway(&shipped_aliases(), &[]).await;
    let models = gateway.get("/v1/models").await;
    let data = models["data"].as_array().expect("list");
    let ids: Vec<&str> = data.iter().filter_map(|m| m["id"].as_str()).collect();
    assert_eq!(
        ids,
        [
            "router",
            "worker",
            "reasoner",
            "coder",
            "agent",
            "architect",
            "all-purpose"
        ]
    );
    for model in data {
        assert_eq!(model["provider"], "local", "{model}");
        assert!(
            model["fallback_reason"]
                .as_str()
                .unwrap_or("")
                .ends_with("is not set"),
            "{model}"
        );
    }
    let embeddings = &data[6];
    assert_eq!(
        (
            embeddings["kind"].as_str(),
            embeddings["dimensions"].as_u64()
        ),
        (Some("embedding"), Some(384))
    );
    assert_eq!(embeddings["upstream_model"], "all-minilm-l6-v2");
    assert_eq!(data[4]["kind"], "chat");
}

#[tokio::test]
async fn every_route_answers_mistakes_with_an_openai_error_that_names_the_field() {
    let gateway = spawn_gateway(
        &shipped_aliases(),
        &[("MODEL_PROVIDER_MAX_BODY_BYTES", "2048")],
    )
    .await;
    let cases = [
        (
            "/v1/chat/completions",
            json!({ "model": "nope", "messages": [] }),
            400,
            "model",
        ),
        (
            "/v1/chat/completions",
            json!({ "messages": [] }),
            400,
            "model",
        ),
        (
            "/v1/chat/completions",
            json!({ "model": "all-purpose", "messages": [{ "role": "user", "content": "x" }] }),
            400,
            "model",
        ),
        (
            "/v1/embeddings",
            json!({ "model": "agent", "input": "x" }),
            400,
            "model",
        ),
        (
            "/v1/embeddings",
            json!({ "model": "all-purpose", "input": [1, 2] }),
            400,
            "input[0]",
        ),
        (
            "/v1/chat/completions",
            json!({ "model": "agent", "messages": [{ "role": "user",
            "content": [{ "type": "image_url", "image_url": { "url": "x" } }] }] }),
            400,
            "messages[0].content[0]",
        ),
        (
            "/v1/chat/completions",
            json!({ "model": "agent", "messages": [{ "role": "assistant", "content": null,
            "tool_calls": [{ "id": "c", "type": "function", "function": { "name": "f", "arguments": "{oops" } }] }] }),
            400,
            "messages[0].tool_calls[0].function.arguments",
        ),
        (
            "/v1/chat/completions",
            json!({ "model": "agent", "messages": [{ "role": "user", "content": "x" }],
            "response_format": { "type": "json_schema", "json_schema": { "name": "n" } } }),
            400,
            "response_format.json_schema.schema",
        ),
        (
            "/v1/internal/chat/messages",
            json!({ "model": "agent", "messages": [{ "role": "user",
            "content": [{ "type": "tool_result", "tool_call_id": "ghost", "content": "x" }] }] }),
            400,
            "messages",
        ),
    ];
    for (path, body, status, param) in cases {
        let (got, reply) = gateway.post(path, &body).await;
        assert_eq!(got, status, "{path} {body}: {reply}");
        assert_eq!(reply["error"]["param"], param, "{path} {body}: {reply}");
        assert!(
            reply["error"]["message"]
                .as_str()
                .is_some_and(|m| !m.is_empty())
        );
        assert!(reply["error"]["type"].is_string());
    }
    let raw = gateway
        .client
        .post(format!("{}/v1/chat/completions", gateway.base))
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .expect("request");
    assert_eq!(raw.status(), 400);
    let huge =
        json!({ "model": "agent", "messages": [{ "role": "user", "content": "x".repeat(5000) }] });
    let (status, reply) = gateway.post("/v1/chat/completions", &huge).await;
    assert_eq!(
        (status, reply["error"]["code"].as_str()),
        (413, Some("request_too_large"))
    );
}

#[tokio::test]
async fn each_calling_service_presents_its_own_credential() {
    let worker = "worker-token-0123456789abcdef0123456789abcdef";
    let backend = "backend-token-0123456789abcdef0123456789abcd";
    let list = format!("job-orchestrator-worker={worker},assistant-backend={backend}");
    let gateway = spawn_gateway(
        &shipped_aliases(),
        &[("EXOBRAIN_SERVICE_CREDENTIALS", &list)],
    )
    .await;
    let url = format!("{}/v1/models", gateway.base);
    for token in [worker, backend] {
        let allowed = gateway.client.get(&url).bearer_auth(token).send().await;
        assert_eq!(allowed.expect("request").status(), 200);
    }
    let body = json!({ "model": "agent", "messages": [{ "role": "user", "content": "hi" }] });
    for path in [
        "/v1/chat/completions",
        "/v1/internal/chat/messages",
        "/v1/embeddings",
    ] {
        let (status, reply) = gateway.post(path, &body).await;
        assert_eq!(
            (status, reply["error"]["code"].as_str()),
            (401, Some("invalid_api_key")),
            "{path}"
        );
    }
    let revoked = spawn_gateway(
        &shipped_aliases(),
        &[(
            "EXOBRAIN_SERVICE_CREDENTIALS",
            &format!("assistant-backend={backend}"),
        )],
    )
    .await;
    let url = format!("{}/v1/models", revoked.base);
    let worker_refused = revoked.client.get(&url).bearer_auth(worker).send().await;
    assert_eq!(worker_refused.expect("request").status(), 401);
    let backend_served = revoked.client.get(&url).bearer_auth(backend).send().await;
    assert_eq!(backend_served.expect("request").status(), 200);
}

#[tokio::test]
async fn a_configured_token_is_required_on_every_v1_route() {
    let gateway = spawn_gateway(
        &shipped_aliases(),
        &[("MODEL_PROVIDER_API_TOKEN", "letmein")],
    )
    .await;
    let url = format!("{}/v1/models", gateway.base);
    let denied = gateway.client.get(&url).send().await.expect("request");
    assert_eq!(denied.status(), 401);
    let body: Value = denied.json().await.expect("json");
    assert_eq!(body["error"]["code"], "invalid_api_key");
    let wrong = gateway
        .client
        .get(&url)
        .bearer_auth("guess")
        .send()
        .await
        .expect("request");
    assert_eq!(wrong.status(), 401);
    let allowed = gateway
        .client
        .get(&url)
        .bearer_auth("letmein")
        .send()
        .await
        .expect("request");
    assert_eq!(allowed.status(), 200);
    let health = gateway
        .client
        .get(format!("{}/healthz", gateway.base))
        .send()
        .await
        .expect("request");
    assert_eq!(health.status(), 200, "health stays open");
}

#[tokio::test]
async fn structured_output_and_forced_tool_calls_validate_against_their_schemas() {
    let gateway = spawn_gateway(&shipped_aliases(), &[]).await;
    let schema = json!({
        "type": "object", "additionalProperties": false, "required": ["entities", "mood"],
        "properties": {
            "entities": { "type": "array", "minItems": 2, "items": {
                "type": "object", "required": ["name", "type", "aliases"], "additionalProperties": false,
                "properties": { "name": { "type": "string", "minLength": 3 },
                                "type": { "enum": ["person", "place", "thing"] },
                                "aliases": { "type": "array", "items": { "type": "string" } } } } },
            "mood": { "type": "string", "enum": ["calm", "happy"] },
            "score": { "type": "integer", "minimum": 1, "maximum": 5 },
        },
    });
    let request = json!({ "model": "worker", "messages": [{ "role": "user", "content": "Alice met Bob in Paris." }],
        "response_format": { "type": "json_schema", "json_schema": { "name": "extraction", "schema": schema, "strict": true } } });
    let (status, reply) = gateway.post("/v1/chat/completions", &request).await;
    assert_eq!(status, 200, "{reply}");
    let document: Value = serde_json::from_str(
        reply["choices"][0]["message"]["content"]
            .as_str()
            .expect("text"),
    )
    .expect("json text");
    validates(&schema, &document);
    let (_, again) = gateway.post("/v1/chat/completions", &request).await;
    assert_eq!(
        again["choices"][0]["message"], reply["choices"][0]["message"],
        "deterministic"
    );

    let tool_schema = json!({ "type": "object", "required": ["city", "days"],
        "properties": { "city": { "type": "string" }, "days": { "type": "integer", "minimum": 1, "maximum": 14 } } });
    let native = json!({ "model": "agent", "messages": [{ "role": "user", "content": [{ "type": "text", "text": "weather in Oslo" }] }],
        "tools": [{ "type": "function", "name": "other", "parameters": { "type": "object" } },
                  { "type": "function", "name": "forecast", "parameters": tool_schema }],
        "tool_choice": { "type": "tool", "name": "forecast" } });
    let (status, reply) = gateway.post("/v1/internal/chat/messages", &native).await;
    assert_eq!(status, 200, "{reply}");
    assert_eq!(reply["finish_reason"], "tool_calls");
    let call = &reply["message"]["content"][0];
    assert_eq!(
        (call["type"].as_str(), call["name"].as_str()),
        (Some("tool_call"), Some("forecast"))
    );
    validates(&tool_schema, &call["arguments"]);

    let mut streamed = native.clone();
    streamed["stream"] = json!(true);
    let frames = gateway
        .stream("/v1/internal/chat/messages", &streamed)
        .await;
    let kinds: Vec<&str> = frames.iter().filter_map(|f| f["type"].as_str()).collect();
    assert_eq!(kinds, ["tool_call", "completion", "usage"]);
    assert_eq!(
        frames[0]["arguments"], call["arguments"],
        "the stream carries the same call"
    );
}

#[tokio::test]
async fn local_embeddings_are_real_ordered_and_report_their_dimensions() {
    let gateway = spawn_gateway(&shipped_aliases(), &[]).await;
    let texts = [
        "a cat sits on the mat",
        "a kitten rests on a rug",
        "quarterly tax filing deadline",
    ];
    let (status, reply) = gateway
        .post(
            "/v1/embeddings",
            &json!({ "model": "all-purpose", "input": texts }),
        )
        .await;
    assert_eq!(status, 200, "{reply}");
    let vectors: Vec<Vec<f64>> = reply["data"]
        .as_array()
        .expect("data")
        .iter()
        .map(|item| {
            item["embedding"]
                .as_array()
                .expect("floats")
                .iter()
                .filter_map(Value::as_f64)
                .collect()
        })
        .collect();
    assert!(vectors.iter().all(|v| v.len() == 384));
    assert!(cosine(&vectors[0], &vectors[1]) > cosine(&vectors[0], &vectors[2]) + 0.2);
    for (index, text) in texts.iter().enumerate() {
        let (_, alone) = gateway
            .post(
                "/v1/embeddings",
                &json!({ "model": "all-purpose", "input": text }),
            )
            .await;
        let single: Vec<f64> = alone["data"][0]["embedding"]
            .as_array()
            .expect("floats")
            .iter()
            .filter_map(Value::as_f64)
            .collect();
        assert!(
            cosine(&single, &vectors[index]) > 0.9999,
            "batch order kept for input {index}"
        );
    }
    let (status, reply) = gateway
        .post(
            "/v1/embeddings",
            &json!({ "model": "all-purpose", "input": "x", "dimensions": 3072 }),
        )
        .await;
    assert_eq!(status, 400, "{reply}");
}

#[tokio::test]
async fn a_forced_tool_whose_schema_is_not_an_object_is_refused_clearly() {
    let gateway = spawn_gateway(&shipped_aliases(), &[]).await;
    let request = json!({ "model": "agent", "messages": [{ "role": "user", "content": "x" }],
        "tools": [{ "type": "function", "function": { "name": "count", "parameters": { "type": "integer" } } }],
        "tool_choice": "required" });
    let (status, reply) = gateway.post("/v1/chat/completions", &request).await;
    assert_eq!(status, 400, "{reply}");
    assert!(
        reply["error"]["message"]
            .as_str()
            .unwrap_or("")
            .contains("tool count parameters"),
        "{reply}"
    );
}

#[tokio::test]
async fn without_the_model_files_embeddings_fall_back_to_hashing_and_say_so() {
    let gateway = spawn_gateway(
        &shipped_aliases(),
        &[("MODEL_PROVIDER_EMBEDDING_MODEL_DIR", "/nonexistent/minilm")],
    )
    .await;
    let models = gateway.get("/v1/models").await;
    let embeddings = &models["data"][6];
    assert_eq!(embeddings["upstream_model"], "hash", "{embeddings}");
    assert!(
        embeddings["embedder_note"]
            .as_str()
            .unwrap_or("")
            .contains("fetch-embedding-model.sh"),
        "{embeddings}"
    );
    let (status, reply) = gateway
        .post(
            "/v1/embeddings",
            &json!({ "model": "all-purpose", "input": ["a", "b"] }),
        )
        .await;
    assert_eq!(status, 200, "{reply}");
    assert_eq!(
        reply["data"][1]["embedding"].as_array().map(Vec::len),
        Some(384)
    );
}
