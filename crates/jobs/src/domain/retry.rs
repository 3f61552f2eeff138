//! Retry delays: exponential backoff with jitter, so a burst of failures does not come back
//! as a burst of retries.

use std::time::Duration;

/// Spread of the jitter around the nominal delay (±20 %).
const JITTER: f64 = 0.2;

/// The delay before the retry that follows failed attempt `attempt` (from 1): `base ×
/// 2^(attempt-1)`, at most `max`, then moved by a random ±20 %.
pub fn backoff(base: Duration, max: Duration, attempt: i32) -> Duration {
    let exponent = u32::try_from(attempt.saturating_sub(1))
        .unwrap_or(0)
        .min(30);
    let nominal = base.saturating_mul(1 << exponent).min(max);
    let factor = 1.0 + JITTER * (2.0 * fastrand::f64() - 1.0);
    nominal.mul_f64(factor)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delays_double_per_attempt_within_the_jitter() {
        let base = Duration::from_secs(2);
        for (attempt, nominal) in [(1, 2.0), (2, 4.0), (3, 8.0), (5, 32.0)] {
            for _ in 0..50 {
                let delay = backoff(base, Duration::from_secs(300), attempt).as_secs_f64();
                assert!(
                    (nominal * 0.8..=nominal * 1.2).contains(&delay),
                    "{attempt}: {delay}"
                );
            }
        }
    }

    #[test]
    fn delays_stop_growing_at_the_cap() {
        let delay = backoff(Duration::from_secs(2), Duration::from_secs(60), 40).as_secs_f64();
        assert!((48.0..=72.0).contains(&delay), "{delay}");
    }

    #[test]
    fn the_jitter_spreads_retries() {
        let delays: std::collections::HashSet<_> = (0..20)
            .map(|_| backoff(Duration::from_secs(1), Duration::from_secs(60), 1))
            .collect();
        assert!(delays.len() > 1);
    }
}
