//! Ids the pipeline mints. Each is a UUIDv5 in the job's namespace from a stable key (the
//! record's kind and its normalised name or place in the output), so every attempt of a job
//! mints the same ids and a re-run upserts the records of the first run instead of adding
//! twins.

use uuid::Uuid;

/// Mints ids for one job.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Minter {
    job: Uuid,
}

impl Minter {
    /// The minter of job `job`.
    pub fn new(job: Uuid) -> Self {
        Self { job }
    }

    /// A new entity, known by its normalised name.
    pub fn entity(&self, name: &str) -> Uuid {
        self.derive("entity", &normalise(name))
    }

    /// A new universe, known by its normalised name.
    pub fn universe(&self, name: &str) -> Uuid {
        self.derive("universe", &normalise(name))
    }

    /// A new block of entity `entity`, known by its place (or placeholder) in the entity's
    /// block tree.
    pub fn block(&self, entity: Uuid, key: &str) -> Uuid {
        self.derive("block", &format!("{entity}:{key}"))
    }

    fn derive(&self, kind: &str, key: &str) -> Uuid {
        Uuid::new_v5(&self.job, format!("{kind}:{key}").as_bytes())
    }
}

/// A name as the pipeline compares it: case-folded, whitespace collapsed.
pub fn normalise(name: &str) -> String {
    name.split_whitespace()
        .map(str::to_lowercase)
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_stable_per_job_and_differ_between_jobs_and_kinds() {
        let job = Uuid::new_v4();
        let minter = Minter::new(job);
        assert_eq!(minter.entity("Anna  Berger"), minter.entity("anna berger"));
        assert_ne!(minter.entity("Anna"), minter.universe("Anna"));
        assert_ne!(
            minter.entity("Anna"),
            Minter::new(Uuid::new_v4()).entity("Anna")
        );
        let entity = minter.entity("Anna");
        assert_eq!(minter.block(entity, "root"), minter.block(entity, "root"));
        assert_ne!(minter.block(entity, "root"), minter.block(entity, "1"));
    }
}
