//! Integration tests: the real app on port 0 with a fresh database (SQLite or Postgres).

mod accounts;
mod attribution;
mod bounds;
mod connect;
mod edges;
mod faults;
mod health;
mod helpers;
mod history;
mod instances;
mod key_rotation;
mod live_mode;
mod logs;
mod metrics;
mod outage;
mod process;
mod queue;
mod refusals;
mod reports;
mod sandbox_contract;
mod security;
mod stopping;
mod sync;
mod tiktok_client;
mod tiktok_fixtures;
mod tokens;
