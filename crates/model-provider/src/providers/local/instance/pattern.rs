//! Example strings for a regular expression, built from its syntax tree: literals as written,
//! a readable character of each class, repetitions at their minimum (the first open-ended one
//! stretched on request) and the first alternative. Look-arounds are skipped and unsupported
//! syntax gives no example: the caller validates every candidate anyway.

use regex_syntax::ParserBuilder;
use regex_syntax::hir::{Class, Hir, HirKind};

use super::MAX_SIZE;

/// Characters preferred from a class, in order.
const READABLE: &str = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ-_. ";
/// Deepest group nesting parsed.
const NEST_LIMIT: u32 = 50;
/// Syntax-tree nodes visited before giving up (empty repetitions do not grow the output).
const MAX_VISITS: usize = 100_000;

/// A string matching `pattern`: the first character class picks its `variant`-th readable
/// character, and the first repetition that may grow repeats `stretch` more times.
pub(super) fn example(pattern: &str, variant: usize, stretch: usize) -> Option<String> {
    let hir = ParserBuilder::new()
        .nest_limit(NEST_LIMIT)
        .build()
        .parse(pattern)
        .ok()?;
    let mut walk = Walk {
        out: String::new(),
        variant: Some(variant),
        stretch,
        visits: 0,
    };
    walk.visit(&hir)?;
    Some(walk.out)
}

struct Walk {
    out: String,
    /// Taken by the first character class.
    variant: Option<usize>,
    /// Taken by the first repetition with room to grow.
    stretch: usize,
    visits: usize,
}

impl Walk {
    fn visit(&mut self, hir: &Hir) -> Option<()> {
        self.visits += 1;
        if self.out.len() as u64 > MAX_SIZE || self.visits > MAX_VISITS {
            return None;
        }
        match hir.kind() {
            HirKind::Empty | HirKind::Look(_) => {}
            HirKind::Literal(literal) => self.out.push_str(std::str::from_utf8(&literal.0).ok()?),
            HirKind::Class(class) => {
                let c = self.pick(class)?;
                self.out.push(c);
            }
            HirKind::Repetition(repetition) => {
                let mut times = repetition.min;
                let room = repetition
                    .max
                    .map_or(u32::MAX, |max| max.saturating_sub(times));
                if self.stretch > 0 && room > 0 {
                    let extra = u32::try_from(self.stretch).unwrap_or(u32::MAX).min(room);
                    times = times.saturating_add(extra);
                    self.stretch = 0;
                }
                if u64::from(times) > MAX_SIZE {
                    return None;
                }
                for _ in 0..times {
                    self.visit(&repetition.sub)?;
                }
            }
            HirKind::Capture(capture) => self.visit(&capture.sub)?,
            HirKind::Concat(subs) => {
                for sub in subs {
                    self.visit(sub)?;
                }
            }
            HirKind::Alternation(subs) => self.visit(subs.first()?)?,
        }
        Some(())
    }

    /// A readable member of `class` (the `variant`-th for the first class), else its first.
    fn pick(&mut self, class: &Class) -> Option<char> {
        let ranges: Vec<(char, char)> = match class {
            Class::Unicode(class) => class
                .ranges()
                .iter()
                .map(|r| (r.start(), r.end()))
                .collect(),
            Class::Bytes(class) => class
                .ranges()
                .iter()
                .filter(|r| r.start().is_ascii())
                .map(|r| (char::from(r.start()), char::from(r.end().min(0x7f))))
                .collect(),
        };
        let contains = |c: char| {
            ranges
                .iter()
                .any(|(start, end)| (*start..=*end).contains(&c))
        };
        let readable: Vec<char> = READABLE.chars().filter(|c| contains(*c)).collect();
        let variant = self.variant.take().unwrap_or(0);
        if readable.is_empty() {
            return ranges.first().map(|(start, _)| *start);
        }
        readable.get(variant % readable.len()).copied()
    }
}
