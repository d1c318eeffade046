//! Integration tests: the real app on port 0 with a fresh database (SQLite or Postgres).

mod accounts;
mod health;
mod helpers;
mod sandbox_contract;
mod tiktok_client;
mod tiktok_fixtures;
