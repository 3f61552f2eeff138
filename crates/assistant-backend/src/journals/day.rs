//! Which day's journal "now" belongs to: the calendar date in the user's time zone
//! (`journal.time_zone`, UTC by default), formatted `YYYY/MM/DD`.

use chrono::{DateTime, Utc};
use chrono_tz::Tz;

/// The config key naming the user's IANA time zone.
pub const TIME_ZONE_KEY: &str = "journal.time_zone";

/// The reference of the journal that `now` belongs to in `zone`.
pub fn today_reference(now: DateTime<Utc>, zone: Tz) -> String {
    now.with_timezone(&zone).format("%Y/%m/%d").to_string()
}

/// The zone named by an IANA name; unknown names fall back to UTC (logged), so a zone the
/// server's tz data knows but ours does not never breaks the journal.
pub fn parse_zone(name: &str) -> Tz {
    name.parse().unwrap_or_else(|_| {
        tracing::warn!(zone = %name, "unknown time zone; using UTC");
        Tz::UTC
    })
}
