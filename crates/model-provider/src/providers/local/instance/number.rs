//! Numbers and integers: 0 when every bound allows it, else the smallest value above the lower
//! bound (the largest below the upper one when only that is given), honouring `minimum`,
//! `maximum`, `exclusiveMinimum`/`exclusiveMaximum` (numeric, or draft 4's booleans) and every
//! `multipleOf`; later variants step away from it to keep array items unique. Pure arithmetic:
//! the caller validates what comes out.

use serde_json::{Number, Value};

use super::InstanceError;
use super::node::Atom;

/// How many values are offered, so that a `not` or `oneOf` can reject a few.
const FALLBACKS: usize = 3;
/// Largest magnitude at which every integer is exact in an `f64`.
const EXACT_INTEGERS: f64 = 9_007_199_254_740_992.0;

#[derive(Clone, Copy, Debug)]
struct Bound {
    value: f64,
    exclusive: bool,
}

/// The numeric constraints of a flattened node.
#[derive(Debug)]
struct Range {
    low: Option<Bound>,
    high: Option<Bound>,
    /// Values must be multiples of this (1 for integers); `None` when any number will do.
    step: Option<f64>,
}

/// Numbers for `atoms` (integers when `integer`), best first: the preferred one moved
/// `variant` steps away, then the next few.
pub(super) fn candidates(
    atoms: &[Atom<'_, '_>],
    integer: bool,
    variant: usize,
) -> Result<Vec<Value>, InstanceError> {
    let at = atoms.first().map_or("#", |atom| atom.at);
    let range = Range::of(atoms, integer, at)?;
    let (start, direction) = range.start();
    if !range.allows(start) {
        return Err(InstanceError::unsatisfiable(
            at,
            format!("no number satisfies {}", range.describe()),
        ));
    }
    let mut out = Vec::new();
    for nth in variant..variant + FALLBACKS {
        let value = to_json(range.nth(start, direction, nth), at)?;
        if !out.contains(&value) {
            out.push(value);
        }
    }
    Ok(out)
}

impl Range {
    fn of(atoms: &[Atom<'_, '_>], integer: bool, at: &str) -> Result<Self, InstanceError> {
        let mut range = Self {
            low: None,
            high: None,
            step: integer.then_some(1.0),
        };
        for atom in atoms {
            let number = |keyword| atom.get(keyword).and_then(Value::as_f64);
            let flag = |keyword| atom.get(keyword) == Some(&Value::Bool(true));
            if let Some(value) = number("minimum") {
                let exclusive = flag("exclusiveMinimum");
                tighten(&mut range.low, Bound { value, exclusive }, |new, old| {
                    new > old
                });
            }
            if let Some(value) = number("exclusiveMinimum") {
                let exclusive = true;
                tighten(&mut range.low, Bound { value, exclusive }, |new, old| {
                    new > old
                });
            }
            if let Some(value) = number("maximum") {
                let exclusive = flag("exclusiveMaximum");
                tighten(&mut range.high, Bound { value, exclusive }, |new, old| {
                    new < old
                });
            }
            if let Some(value) = number("exclusiveMaximum") {
                let exclusive = true;
                tighten(&mut range.high, Bound { value, exclusive }, |new, old| {
                    new < old
                });
            }
            if let Some(multiple) = number("multipleOf").filter(|m| *m > 0.0 && m.is_finite()) {
                range.step = Some(match range.step {
                    None => multiple,
                    Some(step) => common_multiple(step, multiple).ok_or_else(|| {
                        InstanceError::unsatisfiable(
                            atom.at,
                            format!("found no common multiple of {step} and {multiple}"),
                        )
                    })?,
                });
            }
        }
        if let (Some(low), Some(high)) = (range.low, range.high)
            && (low.value > high.value
                || low.value == high.value && (low.exclusive || high.exclusive))
        {
            return Err(InstanceError::unsatisfiable(
                at,
                format!("no number satisfies {}", range.describe()),
            ));
        }
        Ok(range)
    }

    /// The preferred value and the direction further values lie in.
    fn start(&self) -> (f64, f64) {
        if self.allows(0.0) {
            let up = self.allows(self.step.unwrap_or(1.0));
            return (0.0, if up { 1.0 } else { -1.0 });
        }
        match (self.low, self.high) {
            (Some(low), _) => (self.above(low), 1.0),
            (None, Some(high)) => (self.below(high), -1.0),
            (None, None) => (0.0, 1.0),
        }
    }

    /// The smallest allowed value at or above `low`.
    fn above(&self, low: Bound) -> f64 {
        match self.step {
            Some(step) => {
                let first = round_like((low.value / step).ceil() * step, step);
                if first < low.value || first == low.value && low.exclusive {
                    round_like(first + step, step)
                } else {
                    first
                }
            }
            None if !low.exclusive => low.value,
            None => {
                let next = low.value.floor() + 1.0;
                match self.high {
                    Some(high) if !self.allows(next) => low.value + (high.value - low.value) / 2.0,
                    _ => next,
                }
            }
        }
    }

    /// The largest allowed value at or below `high`.
    fn below(&self, high: Bound) -> f64 {
        match self.step {
            Some(step) => {
                let last = round_like((high.value / step).floor() * step, step);
                if last > high.value || last == high.value && high.exclusive {
                    round_like(last - step, step)
                } else {
                    last
                }
            }
            None if !high.exclusive => high.value,
            None => high.value.ceil() - 1.0,
        }
    }

    /// The `variant`-th value from `start` in `direction`, turning back or halving towards the
    /// bound when a whole step does not fit.
    fn nth(&self, start: f64, direction: f64, variant: usize) -> f64 {
        if variant == 0 {
            return start;
        }
        let steps = variant as f64;
        let delta = self.step.unwrap_or(1.0);
        for sign in [direction, -direction] {
            let next = start + sign * steps * delta;
            let next = self.step.map_or(next, |step| round_like(next, step));
            if self.allows(next) {
                return next;
            }
        }
        let bound = if direction > 0.0 { self.high } else { self.low };
        bound.map_or(start, |bound| {
            start + (bound.value - start) * steps / (steps + 1.0)
        })
    }

    fn allows(&self, value: f64) -> bool {
        value.is_finite()
            && self
                .low
                .is_none_or(|low| value > low.value || value == low.value && !low.exclusive)
            && self
                .high
                .is_none_or(|high| value < high.value || value == high.value && !high.exclusive)
            && self.step.is_none_or(|step| is_multiple(value, step))
    }

    fn describe(&self) -> String {
        let mut parts = Vec::new();
        if let Some(low) = self.low {
            parts.push(format!(
                "{} {}",
                if low.exclusive { ">" } else { ">=" },
                low.value
            ));
        }
        if let Some(high) = self.high {
            parts.push(format!(
                "{} {}",
                if high.exclusive { "<" } else { "<=" },
                high.value
            ));
        }
        match self.step {
            Some(1.0) => parts.push("a whole number".to_owned()),
            Some(step) => parts.push(format!("a multiple of {step}")),
            None => {}
        }
        parts.join(", ")
    }
}

fn tighten(slot: &mut Option<Bound>, new: Bound, tighter: impl Fn(f64, f64) -> bool) {
    let replace = match slot {
        None => true,
        Some(old) => tighter(new.value, old.value) || new.value == old.value && new.exclusive,
    };
    if replace {
        *slot = Some(new);
    }
}

/// Whether `value / step` is (within rounding) a whole number.
fn is_multiple(value: f64, step: f64) -> bool {
    let quotient = value / step;
    quotient.is_finite() && (quotient - quotient.round()).abs() <= 1e-9 * quotient.abs().max(1.0)
}

/// The smallest common multiple of two positive steps that this module can find.
fn common_multiple(a: f64, b: f64) -> Option<f64> {
    if is_multiple(a, b) {
        return Some(a);
    }
    if is_multiple(b, a) {
        return Some(b);
    }
    let whole = |x: f64| x.fract() == 0.0 && x < EXACT_INTEGERS;
    if whole(a) && whole(b) {
        let (x, y) = (a as u64, b as u64);
        let lcm = (x / gcd(x, y)).checked_mul(y)?;
        return Some(lcm as f64).filter(|lcm| *lcm < EXACT_INTEGERS);
    }
    (2..=1000_u32)
        .map(|factor| round_like(f64::from(factor) * a, a))
        .find(|candidate| is_multiple(*candidate, b))
}

fn gcd(mut a: u64, mut b: u64) -> u64 {
    while b != 0 {
        (a, b) = (b, a % b);
    }
    a
}

/// `value` rounded to as many decimals as `step` is written with, so that multiples of 0.1
/// read as 0.3 rather than 0.30000000000000004.
fn round_like(value: f64, step: f64) -> f64 {
    let written = step.to_string();
    let decimals = written
        .split_once('.')
        .map_or(0, |(_, fraction)| fraction.len());
    if decimals > 15 {
        return value;
    }
    format!("{value:.decimals$}").parse().unwrap_or(value)
}

/// `value` as JSON: an integer when it is a whole number an `f64` holds exactly.
fn to_json(value: f64, at: &str) -> Result<Value, InstanceError> {
    if value.fract() == 0.0 && value.abs() < EXACT_INTEGERS {
        return Ok(Value::from(value as i64));
    }
    Number::from_f64(value)
        .map(Value::Number)
        .ok_or_else(|| InstanceError::unsatisfiable(at, "the number would not be finite"))
}
