//! Outgoing HTTP calls in a client span: [`send`] runs a `reqwest` request in an
//! [`spans::http_client`] span, writes that span's W3C context into the request headers (so the
//! callee's server span is its child) and records the response status or the failure.

use tracing::Instrument;

use super::{propagation, spans};

/// Sends `request` as a traced client call. Errors are `reqwest`'s own, unchanged.
pub async fn send(request: reqwest::RequestBuilder) -> Result<reqwest::Response, reqwest::Error> {
    let (client, request) = request.build_split();
    let mut request = request?;
    let mut shown = request.url().clone();
    shown.set_query(None);
    let _ = shown.set_username("");
    let _ = shown.set_password(None);
    let span = spans::http_client(request.method(), shown.as_str());
    {
        let _entered = span.enter();
        propagation::inject_http(request.headers_mut());
    }
    let sent = client.execute(request).instrument(span.clone()).await;
    match &sent {
        Ok(response) => {
            spans::record_http_status(&span, response.status().as_u16(), spans::Side::Client)
        }
        Err(error) => spans::record_transport_error(&span, error),
    }
    sent
}
