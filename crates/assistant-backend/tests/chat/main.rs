//! Chat end to end: real PostgreSQL and Redis, a knowledge interface and model-provider in
//! process (offline, or routing the chat alias to a scripted model), the backend over HTTP.

#[path = "../support/mod.rs"]
mod support;

mod offline;
mod scripted;
mod streams;
mod web;
mod world;
