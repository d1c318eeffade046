//! OAuth `state`: random, single use, tied to the member and workspace, 10 minutes. Only its
//! SHA-256 is stored, so the database never holds a usable state.

use crate::{
    auth::CurrentUser,
    db::entities::oauth_state::{self, Purpose as StoredPurpose},
};
use chrono::{DateTime, Duration, Utc};
use oauth2::CsrfToken;
use sea_orm::{
    sea_query::Expr, ActiveModelTrait, ActiveValue::Set, ColumnTrait, DatabaseConnection, DbErr, EntityTrait,
    QueryFilter,
};
use sha2::{Digest, Sha256};

pub const LIFETIME: Duration = Duration::minutes(10);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    Connect,
    Reconnect(i32),
}

/// Why a callback's state was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StateProblem {
    Missing,
    Unknown,
    Expired,
    Reused,
    OtherMember,
}

fn hash(state: &str) -> String {
    hex::encode(Sha256::digest(state.as_bytes()))
}

/// Records a fresh state and returns it (the only copy leaves in the redirect URL).
pub async fn create(
    db: &DatabaseConnection,
    user: &CurrentUser,
    purpose: Purpose,
    same_window: bool,
    now: DateTime<Utc>,
) -> Result<String, DbErr> {
    let state = CsrfToken::new_random_len(32).secret().to_owned();
    let (stored, connection_id) = match purpose {
        Purpose::Connect => (StoredPurpose::Connect, None),
        Purpose::Reconnect(id) => (StoredPurpose::Reconnect, Some(id)),
    };
    oauth_state::ActiveModel {
        state_hash: Set(hash(&state)),
        workspace_id: Set(user.workspace_id),
        user_id: Set(user.user_id),
        purpose: Set(stored),
        connection_id: Set(connection_id),
        same_window: Set(same_window),
        expires_at: Set(now + LIFETIME),
        used_at: Set(None),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok(state)
}

/// A state that was checked and spent.
#[derive(Debug, Clone, Copy)]
pub struct Spent {
    pub purpose: Purpose,
    pub same_window: bool,
}

/// Checks and spends a state. Only one caller can ever spend it.
pub async fn consume(
    db: &DatabaseConnection,
    raw: Option<&str>,
    user: &CurrentUser,
    now: DateTime<Utc>,
) -> Result<Result<Spent, StateProblem>, DbErr> {
    let Some(raw) = raw.filter(|s| !s.is_empty()) else { return Ok(Err(StateProblem::Missing)) };
    let Some(row) = oauth_state::Entity::find().filter(oauth_state::Column::StateHash.eq(hash(raw))).one(db).await?
    else {
        return Ok(Err(StateProblem::Unknown));
    };
    if row.user_id != user.user_id || row.workspace_id != user.workspace_id {
        return Ok(Err(StateProblem::OtherMember));
    }
    if row.used_at.is_some() {
        return Ok(Err(StateProblem::Reused));
    }
    if row.expires_at <= now {
        return Ok(Err(StateProblem::Expired));
    }
    // The conditional update makes spending atomic: a concurrent second callback loses.
    let spent = oauth_state::Entity::update_many()
        .col_expr(oauth_state::Column::UsedAt, Expr::value(now))
        .filter(oauth_state::Column::Id.eq(row.id))
        .filter(oauth_state::Column::UsedAt.is_null())
        .exec(db)
        .await?;
    if spent.rows_affected != 1 {
        return Ok(Err(StateProblem::Reused));
    }
    let purpose = match (row.purpose, row.connection_id) {
        (StoredPurpose::Reconnect, Some(id)) => Purpose::Reconnect(id),
        _ => Purpose::Connect,
    };
    Ok(Ok(Spent { purpose, same_window: row.same_window }))
}

/// Deletes states past their lifetime, used or not; returns how many.
pub async fn delete_expired(db: &DatabaseConnection, now: DateTime<Utc>) -> Result<u64, DbErr> {
    Ok(oauth_state::Entity::delete_many().filter(oauth_state::Column::ExpiresAt.lte(now)).exec(db).await?.rows_affected)
}
