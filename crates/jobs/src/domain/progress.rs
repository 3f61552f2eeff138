//! A running job's progress detail: the user-facing line a watcher sees while the job is
//! STARTED (`step 8/11 entity graphs 4/9`). It is bounded to [`MAX_DETAIL_CHARS`] characters
//! (longer text is cut with an ellipsis) and holds no NUL character (PostgreSQL's `text`
//! cannot store one; each becomes U+FFFD), so any text a handler reports can be stored.

/// Longest progress detail, in characters.
pub const MAX_DETAIL_CHARS: usize = 200;

/// A bounded, storable progress detail.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProgressDetail(String);

impl ProgressDetail {
    /// `detail`, cut to [`MAX_DETAIL_CHARS`] characters and with NUL characters replaced.
    pub fn new(detail: impl Into<String>) -> Self {
        let mut detail: String = detail.into();
        if detail.chars().nth(MAX_DETAIL_CHARS).is_some() {
            detail = detail.chars().take(MAX_DETAIL_CHARS - 1).collect();
            detail.push('…');
        }
        if detail.contains('\0') {
            detail = detail.replace('\0', "\u{FFFD}");
        }
        Self(detail)
    }

    /// The detail.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_detail_is_kept_as_reported_when_it_fits() {
        assert_eq!(ProgressDetail::new("step 8/11").as_str(), "step 8/11");
        let exact = "é".repeat(MAX_DETAIL_CHARS);
        assert_eq!(ProgressDetail::new(exact.clone()).as_str(), exact);
    }

    #[test]
    fn a_long_detail_is_cut_and_a_nul_replaced() {
        let cut = ProgressDetail::new("é".repeat(MAX_DETAIL_CHARS + 50));
        assert_eq!(cut.as_str().chars().count(), MAX_DETAIL_CHARS);
        assert!(cut.as_str().ends_with('…'));
        assert_eq!(ProgressDetail::new("a\0b").as_str(), "a\u{FFFD}b");
    }
}
