//! Where one TikTok user's tokens may be held. TikTok may hand a user the same token again
//! (a second authorization while the first is live), so a token of theirs is revoked only when
//! nothing here may hold it: no live connection of theirs (in any workspace) and no
//! authorization of theirs waiting for its picker. Whatever decides to revoke asks under
//! [`lock`], so two such decisions about one user take turns (two workspaces' Disconnects never
//! each see the other still live and both keep the token). The revoke itself follows the
//! decision; an authorization of the same user that lands in between is not covered.

use crate::db::entities::{
    tiktok_connection::{self, AuthStatus},
    tiktok_pending_grant,
};
use chrono::{DateTime, Utc};
use sea_orm::{
    sea_query::{Alias, Expr, ExprTrait, Query, SimpleExpr},
    ColumnTrait, ConnectionTrait, DatabaseBackend, DatabaseConnection, DbErr, Statement, TransactionTrait,
};

/// Who else may hold a token of the TikTok user.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Holders {
    /// Nobody: the token may be revoked.
    None,
    /// A live connection or a waiting authorization in the asking workspace.
    ThisWorkspace,
    /// Only in other workspaces (not the asking workspace's to know).
    OtherWorkspaces,
}

/// Takes the TikTok user's lock until the end of the transaction `txn` (Postgres: a
/// transaction-scoped advisory lock; SQLite: one writer at a time already serializes them).
pub async fn lock(txn: &impl ConnectionTrait, tiktok_user_key: &str) -> Result<(), DbErr> {
    if txn.get_database_backend() == DatabaseBackend::Postgres {
        txn.execute_raw(Statement::from_sql_and_values(
            DatabaseBackend::Postgres,
            "SELECT pg_advisory_xact_lock(hashtextextended($1, 7166))",
            [tiktok_user_key.into()],
        ))
        .await?;
    }
    Ok(())
}

/// Who, apart from connection `except`, may hold a token of this TikTok user, as seen from
/// `workspace_id`; in one statement, so both halves see the same moment.
pub async fn holders(
    db: &impl ConnectionTrait,
    tiktok_user_key: &str,
    except: Option<i32>,
    workspace_id: i32,
    now: DateTime<Utc>,
) -> Result<Holders, DbErr> {
    let uses = |here: bool| -> SimpleExpr {
        let mut live = Query::select()
            .expr(Expr::val(1))
            .from(tiktok_connection::Entity)
            .and_where(tiktok_connection::Column::TiktokUserKey.eq(tiktok_user_key))
            .and_where(tiktok_connection::Column::AuthStatus.ne(AuthStatus::Disconnected))
            .to_owned();
        if let Some(except) = except {
            live.and_where(tiktok_connection::Column::Id.ne(except));
        }
        let mut waiting = Query::select()
            .expr(Expr::val(1))
            .from(tiktok_pending_grant::Entity)
            .and_where(tiktok_pending_grant::Column::TiktokUserKey.eq(tiktok_user_key))
            .and_where(tiktok_pending_grant::Column::ImportedAt.is_null())
            .and_where(tiktok_pending_grant::Column::ExpiresAt.gt(now))
            .to_owned();
        if here {
            live.and_where(tiktok_connection::Column::WorkspaceId.eq(workspace_id));
            waiting.and_where(tiktok_pending_grant::Column::WorkspaceId.eq(workspace_id));
        }
        Expr::case(Expr::exists(live).or(Expr::exists(waiting)), 1).finally(0).into()
    };
    let query =
        Query::select().expr_as(uses(true), Alias::new("here")).expr_as(uses(false), Alias::new("anywhere")).to_owned();
    let Some(row) = db.query_one(&query).await? else { return Ok(Holders::None) };
    let (here, anywhere): (i32, i32) = (row.try_get("", "here")?, row.try_get("", "anywhere")?);
    Ok(match (here, anywhere) {
        (1, _) => Holders::ThisWorkspace,
        (_, 1) => Holders::OtherWorkspaces,
        _ => Holders::None,
    })
}

/// Whether nothing here may hold a token of this TikTok user, asked under [`lock`]: then a
/// token of theirs that is not kept may be revoked.
pub async fn nobody_holds(db: &DatabaseConnection, tiktok_user_key: &str, now: DateTime<Utc>) -> Result<bool, DbErr> {
    let txn = db.begin().await?;
    lock(&txn, tiktok_user_key).await?;
    let found = holders(&txn, tiktok_user_key, None, 0, now).await?;
    txn.commit().await?;
    Ok(found == Holders::None)
}
