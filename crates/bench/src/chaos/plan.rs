//! The drill's schedule, drawn from the seed alone: which faults happen, in which order, how
//! long each lasts and how long the load runs undisturbed before each. Faults run one at a
//! time, so each one's recovery can be timed on its own; the same seed gives the same
//! schedule (what happens inside the services still varies from run to run).

use std::time::Duration;

/// One thing the drill does to the system.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Event {
    /// SIGKILL worker `worker`, start a new one after `down`.
    KillWorker { worker: usize, down: Duration },
    /// SIGSTOP worker `worker` for `frozen` (longer than a lease), then SIGCONT: it wakes up
    /// holding attempts that other workers have taken over meanwhile.
    FreezeWorker { worker: usize, frozen: Duration },
    /// Stop NATS, start it again after `down`.
    RestartNats { down: Duration },
    /// Stop PostgreSQL, start it again after `down`.
    RestartPostgres { down: Duration },
    /// Publish malformed messages onto the request subject.
    Poison,
    /// Send requests over the services' size limits.
    Oversize,
}

/// An event and the undisturbed time before it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Step {
    /// How long the load runs before the event.
    pub after: Duration,
    /// What happens.
    pub event: Event,
}

/// How many of each event a drill holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Counts {
    pub worker_kills: usize,
    pub worker_freezes: usize,
    pub nats_restarts: usize,
    pub postgres_restarts: usize,
    pub poison_rounds: usize,
    pub oversize_rounds: usize,
}

impl Counts {
    /// The full drill.
    pub fn full() -> Self {
        Self {
            worker_kills: 20,
            worker_freezes: 2,
            nats_restarts: 2,
            postgres_restarts: 2,
            poison_rounds: 3,
            oversize_rounds: 3,
        }
    }

    /// A smoke run: one of each fault, three kills.
    pub fn quick() -> Self {
        Self {
            worker_kills: 3,
            worker_freezes: 1,
            nats_restarts: 1,
            postgres_restarts: 1,
            poison_rounds: 1,
            oversize_rounds: 1,
        }
    }
}

/// The events of `counts` in a random order, each after a random pause of `pause` (a range
/// of seconds); `workers` workers can be hit, a frozen one for longer than `lease`.
pub fn draw(
    counts: Counts,
    workers: usize,
    lease: Duration,
    pause: (f64, f64),
    rng: &mut fastrand::Rng,
) -> Vec<Step> {
    let mut events = Vec::new();
    for _ in 0..counts.worker_kills {
        let down = between(rng, 0.2, 3.0);
        events.push(Event::KillWorker { worker: 0, down });
    }
    for _ in 0..counts.worker_freezes {
        let frozen = lease + between(rng, 1.0, 4.0);
        events.push(Event::FreezeWorker { worker: 0, frozen });
    }
    for _ in 0..counts.nats_restarts {
        let down = between(rng, 1.0, 5.0);
        events.push(Event::RestartNats { down });
    }
    for _ in 0..counts.postgres_restarts {
        let down = between(rng, 2.0, 6.0);
        events.push(Event::RestartPostgres { down });
    }
    events.extend(std::iter::repeat_n(Event::Poison, counts.poison_rounds));
    events.extend(std::iter::repeat_n(Event::Oversize, counts.oversize_rounds));
    rng.shuffle(&mut events);
    events
        .into_iter()
        .map(|event| {
            let event = match event {
                Event::KillWorker { down, .. } => Event::KillWorker {
                    worker: rng.usize(..workers),
                    down,
                },
                Event::FreezeWorker { frozen, .. } => Event::FreezeWorker {
                    worker: rng.usize(..workers),
                    frozen,
                },
                other => other,
            };
            let after = between(rng, pause.0, pause.1);
            Step { after, event }
        })
        .collect()
}

/// A random duration between `low` and `high` seconds.
fn between(rng: &mut fastrand::Rng, low: f64, high: f64) -> Duration {
    Duration::from_secs_f64(low + rng.f64() * (high - low))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plan(seed: u64) -> Vec<Step> {
        let mut rng = fastrand::Rng::with_seed(seed);
        draw(
            Counts::full(),
            2,
            Duration::from_secs(10),
            (1.5, 5.0),
            &mut rng,
        )
    }

    #[test]
    fn a_plan_holds_every_event_asked_for() {
        let steps = plan(7);
        let count = |wanted: fn(&Event) -> bool| steps.iter().filter(|s| wanted(&s.event)).count();
        assert_eq!(count(|e| matches!(e, Event::KillWorker { .. })), 20);
        assert_eq!(count(|e| matches!(e, Event::FreezeWorker { .. })), 2);
        assert_eq!(count(|e| matches!(e, Event::RestartNats { .. })), 2);
        assert_eq!(count(|e| matches!(e, Event::RestartPostgres { .. })), 2);
        assert_eq!(count(|e| matches!(e, Event::Poison)), 3);
        assert_eq!(count(|e| matches!(e, Event::Oversize)), 3);
    }

    #[test]
    fn the_seed_decides_the_plan() {
        assert_eq!(plan(42), plan(42));
        assert_ne!(plan(42), plan(43));
    }

    #[test]
    fn frozen_workers_outlive_their_lease_and_pauses_stay_in_range() {
        for step in plan(3) {
            assert!((1.5..=5.0).contains(&step.after.as_secs_f64()));
            match step.event {
                Event::FreezeWorker { worker, frozen } => {
                    assert!(worker < 2 && frozen > Duration::from_secs(10));
                }
                Event::KillWorker { worker, down } => {
                    assert!(worker < 2 && down <= Duration::from_secs(3));
                }
                _ => {}
            }
        }
    }
}
