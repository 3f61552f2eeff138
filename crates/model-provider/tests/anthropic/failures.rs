//! Upstream failures: what is retried, how rate limits are waited out, and what each refusal
//! or a silent upstream becomes.

use super::*;

#[tokio::test]
async fn an_overloaded_or_failing_upstream_is_retried() {
    for status in [529, 500] {
        let fake = answering([
            upstream_error(status, "overloaded_error", "Overloaded"),
            text_reply(),
        ])
        .await;
        let response = anthropic(&fake, limits()).chat(&CALL, &hello()).await;
        assert!(response.is_ok(), "{status}: {response:?}");
        assert_eq!(bodies(&fake).len(), 2, "{status}");
    }
}

#[tokio::test]
async fn a_malformed_request_is_rejected_with_the_upstream_message() {
    let rejected = upstream_error(400, "invalid_request_error", "max_tokens: too large");
    let message = "max_tokens: too large".to_owned();
    let error = ProviderError::Rejected {
        provider: "anthropic",
        status: 400,
        message,
    };
    assert_eq!(refusal([rejected, text_reply()]).await, (error, 1));
}

#[tokio::test]
async fn a_hanging_upstream_times_out_within_the_deadline() {
    let fake = answering([Reply::Hang]).await;
    let provider = anthropic(
        &fake,
        Limits {
            deadline: Duration::from_millis(300),
            ..limits()
        },
    );
    let started = Instant::now();
    let error = provider.chat(&CALL, &hello()).await.expect_err("timed out");
    assert!(
        matches!(
            error,
            ProviderError::Timeout {
                provider: "anthropic",
                ..
            }
        ),
        "{error:?}"
    );
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "{:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn a_rate_limited_request_waits_as_retry_after_says() {
    let limited = rate_limited("1");
    let fake = answering([limited, text_reply()]).await;
    let started = Instant::now();
    anthropic(&fake, limits())
        .chat(&CALL, &hello())
        .await
        .expect("a reply");
    assert!(
        started.elapsed() >= Duration::from_secs(1),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(bodies(&fake).len(), 2);
}

#[tokio::test]
async fn rate_limiting_gives_up_after_the_attempt_limit() {
    let limited = rate_limited("0");
    let retry_after = Some(0);
    assert_eq!(
        refusal([limited.clone(), limited.clone(), limited, text_reply()]).await,
        (
            ProviderError::RateLimited {
                provider: "anthropic",
                retry_after
            },
            3
        )
    );
}

#[tokio::test]
async fn a_refused_key_is_an_auth_error_and_not_retried() {
    let refused = upstream_error(401, "authentication_error", "invalid x-api-key");
    let status = 401;
    assert_eq!(
        refusal([refused, text_reply()]).await,
        (
            ProviderError::Auth {
                provider: "anthropic",
                status
            },
            1
        )
    );
}
