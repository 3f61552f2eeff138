//! The data layer of the assistant backend against real PostgreSQL and Redis: journals (order,
//! idempotency, paging, search, isolation), their read cache, and user configs.

mod configs;
mod journal_cache;
mod journal_reads;
mod journals;
mod support;
