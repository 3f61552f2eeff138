//! Keyset pagination shared by the listings. Every listing is ordered newest first by
//! `(created_at, id)`; a page continues strictly after the last item of the previous one, so
//! rows added or changed meanwhile never cause duplicates or gaps. Between calls the position
//! travels as an opaque page token.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::domain::InvalidField;

/// Page size used when the caller asks for none.
pub const DEFAULT_PAGE_SIZE: u32 = 50;
/// Largest page size; larger requests are served this many.
pub const MAX_PAGE_SIZE: u32 = 500;

const TOKEN_VERSION: u8 = 1;
const TOKEN_BYTES: usize = 1 + 8 + 16;

/// The position of the last item of a page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cursor {
    /// Its creation time (microsecond precision, as stored).
    pub created_at: DateTime<Utc>,
    /// Its id, which breaks ties between items created in the same transaction.
    pub id: Uuid,
}

impl Cursor {
    /// The page token carrying this position: a version byte, the time in microseconds and
    /// the id, hex-encoded.
    pub fn to_token(&self) -> String {
        let mut bytes = Vec::with_capacity(TOKEN_BYTES);
        bytes.push(TOKEN_VERSION);
        bytes.extend_from_slice(&self.created_at.timestamp_micros().to_be_bytes());
        bytes.extend_from_slice(self.id.as_bytes());
        bytes.iter().map(|byte| format!("{byte:02x}")).collect()
    }

    /// Reads the page token in `field`; empty means the first page.
    pub fn parse_token(field: &str, raw: &str) -> Result<Option<Self>, InvalidField> {
        if raw.is_empty() {
            return Ok(None);
        }
        let invalid = || {
            InvalidField::new(
                field,
                "is not a page token from a previous reply (pass next_page_token unchanged)",
            )
        };
        if raw.len() != TOKEN_BYTES * 2 || !raw.is_ascii() {
            return Err(invalid());
        }
        let bytes = (0..raw.len())
            .step_by(2)
            .map(|at| u8::from_str_radix(&raw[at..at + 2], 16))
            .collect::<Result<Vec<u8>, _>>()
            .map_err(|_| invalid())?;
        let (version, rest) = bytes.split_first().ok_or_else(invalid)?;
        let (micros, id) = rest.split_at(8);
        let micros = i64::from_be_bytes(micros.try_into().map_err(|_| invalid())?);
        let created_at = DateTime::from_timestamp_micros(micros).ok_or_else(invalid)?;
        let id = Uuid::from_slice(id).map_err(|_| invalid())?;
        if *version != TOKEN_VERSION {
            return Err(invalid());
        }
        Ok(Some(Self { created_at, id }))
    }
}

/// Which page of a listing to read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageRequest {
    /// Items per page, `1..=MAX_PAGE_SIZE`.
    size: u32,
    /// Continue after this position; `None` for the first page.
    after: Option<Cursor>,
}

impl PageRequest {
    /// A request for `size` items after `after`: 0 means [`DEFAULT_PAGE_SIZE`], and sizes above
    /// [`MAX_PAGE_SIZE`] are lowered to it.
    pub fn new(size: u32, after: Option<Cursor>) -> Self {
        let size = match size {
            0 => DEFAULT_PAGE_SIZE,
            size => size.min(MAX_PAGE_SIZE),
        };
        Self { size, after }
    }

    /// Items per page.
    pub fn size(&self) -> u32 {
        self.size
    }

    /// The position to continue after.
    pub fn after(&self) -> Option<Cursor> {
        self.after
    }

    /// Rows to fetch: one more than a page, to learn whether another page follows.
    pub(super) fn limit(&self) -> i64 {
        i64::from(self.size) + 1
    }

    /// Cuts `rows` (fetched with [`Self::limit`]) to one page.
    pub(super) fn page<T>(&self, mut rows: Vec<T>, cursor: impl Fn(&T) -> Cursor) -> Page<T> {
        let more = rows.len() > self.size as usize;
        rows.truncate(self.size as usize);
        let next = if more { rows.last().map(cursor) } else { None };
        Page { items: rows, next }
    }
}

/// One page of a listing.
#[derive(Debug, Clone, PartialEq)]
pub struct Page<T> {
    /// The items, newest first.
    pub items: Vec<T>,
    /// Where the next page starts; `None` on the last page.
    pub next: Option<Cursor>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cursor() -> Cursor {
        Cursor {
            created_at: DateTime::from_timestamp_micros(1_764_000_000_123_456).expect("time"),
            id: Uuid::new_v4(),
        }
    }

    #[test]
    fn tokens_round_trip() {
        let cursor = cursor();
        let token = cursor.to_token();
        assert_eq!(
            Cursor::parse_token("page_token", &token).expect("valid"),
            Some(cursor)
        );
        assert_eq!(
            Cursor::parse_token("page_token", "").expect("first page"),
            None
        );
    }

    #[test]
    fn foreign_or_damaged_tokens_are_refused() {
        let token = cursor().to_token();
        let other_version = format!("02{}", &token[2..]);
        let not_hex = format!("zz{}", &token[2..]);
        let multibyte = format!("é{}", &token[2..]);
        for bad in [
            "abc",
            &token[..token.len() - 2],
            &other_version,
            &not_hex,
            &multibyte,
        ] {
            let error = Cursor::parse_token("page_token", bad).expect_err(bad);
            assert_eq!(error.field, "page_token");
        }
    }

    #[test]
    fn page_sizes_default_and_are_capped() {
        assert_eq!(PageRequest::new(0, None).size(), DEFAULT_PAGE_SIZE);
        assert_eq!(PageRequest::new(7, None).size(), 7);
        assert_eq!(PageRequest::new(100_000, None).size(), MAX_PAGE_SIZE);
    }

    #[test]
    fn a_page_points_past_its_last_item_only_when_more_follow() {
        let request = PageRequest::new(2, None);
        let ids: Vec<Cursor> = (0..3).map(|_| cursor()).collect();
        let page = request.page(ids.clone(), |c| *c);
        assert_eq!(page.items, ids[..2]);
        assert_eq!(page.next, Some(ids[1]));
        let last = request.page(ids[..2].to_vec(), |c| *c);
        assert_eq!(last.next, None);
    }
}
