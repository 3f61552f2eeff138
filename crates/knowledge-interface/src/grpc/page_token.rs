//! `ListEntitiesByType` page tokens: opaque keyset cursors (`k1.` + base64url JSON of the
//! last item's relevance, update time and id), and the original's decimal offsets, still
//! accepted up to [`MAX_PAGE_OFFSET`].

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::error::KnowledgeError;
use crate::graph::reads::{Cursor, PageStart};
use crate::limits::MAX_PAGE_OFFSET;

const PREFIX: &str = "k1.";

#[derive(Serialize, Deserialize)]
struct Token {
    r: f64,
    u: DateTime<Utc>,
    i: Uuid,
}

/// The token that continues after `cursor`.
pub fn encode(cursor: &Cursor) -> String {
    let token = Token {
        r: cursor.relevance,
        u: cursor.updated_at,
        i: cursor.id,
    };
    let json = serde_json::to_vec(&token).unwrap_or_default();
    format!("{PREFIX}{}", URL_SAFE_NO_PAD.encode(json))
}

/// Where a page starts; blank means the first page.
pub fn decode(token: &str) -> Result<PageStart, KnowledgeError> {
    let token = token.trim();
    if token.is_empty() {
        return Ok(PageStart::First);
    }
    if token.bytes().all(|b| b.is_ascii_digit()) {
        return match token.parse::<u64>() {
            Ok(offset) if offset <= MAX_PAGE_OFFSET => Ok(PageStart::Offset(offset)),
            _ => Err(KnowledgeError::Invalid(format!(
                "page_token: offsets up to {MAX_PAGE_OFFSET} are accepted; page further with the next_page_token each reply carries"
            ))),
        };
    }
    let invalid = || KnowledgeError::Invalid("page_token must be a valid pagination cursor".into());
    let body = token.strip_prefix(PREFIX).ok_or_else(invalid)?;
    let json = URL_SAFE_NO_PAD.decode(body).map_err(|_| invalid())?;
    let token: Token = serde_json::from_slice(&json).map_err(|_| invalid())?;
    if !token.r.is_finite() {
        return Err(invalid());
    }
    Ok(PageStart::After(Cursor {
        relevance: token.r,
        updated_at: token.u,
        id: token.i,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_offsets_and_garbage_are_told_apart() {
        let cursor = Cursor {
            relevance: 0.4771212547196624,
            updated_at: DateTime::parse_from_rfc3339("2026-01-02T03:04:05.123456Z")
                .unwrap()
                .with_timezone(&Utc),
            id: Uuid::new_v4(),
        };
        assert_eq!(decode(&encode(&cursor)).unwrap(), PageStart::After(cursor));
        assert_eq!(decode(" 100 ").unwrap(), PageStart::Offset(100));
        assert_eq!(
            decode("1000000").unwrap(),
            PageStart::Offset(MAX_PAGE_OFFSET)
        );
        for past in ["1000001", "18446744073709551615", "99999999999999999999999"] {
            let refused = decode(past).expect_err(past).to_string();
            assert!(refused.contains("page_token"), "{refused}");
        }
        assert_eq!(decode("").unwrap(), PageStart::First);
        for bad in ["abc", "k1.!!", "-3", "k1.e30"] {
            assert!(decode(bad).is_err(), "{bad}");
        }
    }
}
