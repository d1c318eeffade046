//! sea-orm entities, one module per table.

pub mod app_user;
pub mod membership;
pub mod session;
pub mod workspace;
