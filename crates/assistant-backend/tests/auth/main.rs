//! Sign-in, tokens, sessions and seeding, tested against the running service.

#[path = "../support/mod.rs"]
mod support;

mod login;
mod principal;
mod seed;
mod sessions;
mod tokens;
mod users_command;
