//! Workspaces, users and memberships: the queries sign-in, the guard and the CLI run. Password
//! hashing happens above this layer (`auth`); here a hash is just a column.

use super::entities::{app_user, membership, workspace};
use crate::roles::Role;
use chrono::Utc;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait,
    FromQueryResult, JoinType, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, RelationTrait,
};

pub fn normalize_email(email: &str) -> String {
    email.trim().to_lowercase()
}

/// A member of a workspace with their role.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Member {
    pub user_id: i32,
    pub email: String,
    pub workspace_id: i32,
    pub workspace_name: String,
    pub role: Role,
}

#[derive(FromQueryResult)]
struct MemberRow {
    user_id: i32,
    email: String,
    workspace_id: i32,
    workspace_name: String,
    role: String,
}

/// The member `user_id` of `workspace_id`, if that membership exists (one query).
pub async fn member(db: &impl ConnectionTrait, user_id: i32, workspace_id: i32) -> Result<Option<Member>, DbErr> {
    let row = membership::Entity::find()
        .select_only()
        .column_as(membership::Column::UserId, "user_id")
        .column_as(app_user::Column::Email, "email")
        .column_as(membership::Column::WorkspaceId, "workspace_id")
        .column_as(workspace::Column::Name, "workspace_name")
        .column_as(membership::Column::Role, "role")
        .join(JoinType::InnerJoin, membership::Relation::AppUser.def())
        .join(JoinType::InnerJoin, membership::Relation::Workspace.def())
        .filter(membership::Column::UserId.eq(user_id))
        .filter(membership::Column::WorkspaceId.eq(workspace_id))
        .into_model::<MemberRow>()
        .one(db)
        .await?;
    Ok(row.and_then(|r| match r.role.parse::<Role>() {
        Ok(role) => Some(Member {
            user_id: r.user_id,
            email: r.email,
            workspace_id: r.workspace_id,
            workspace_name: r.workspace_name,
            role,
        }),
        Err(_) => {
            tracing::warn!(
                user.id = r.user_id,
                workspace.id = r.workspace_id,
                "membership has an unknown role; treating as no access"
            );
            None
        }
    }))
}

/// The user behind an email, with their stored password hash.
pub async fn user_by_email(db: &DatabaseConnection, email: &str) -> Result<Option<app_user::Model>, DbErr> {
    app_user::Entity::find().filter(app_user::Column::Email.eq(normalize_email(email))).one(db).await
}

/// The workspace a user signs into: their first membership.
pub async fn first_workspace_of(db: &DatabaseConnection, user_id: i32) -> Result<Option<i32>, DbErr> {
    Ok(membership::Entity::find()
        .filter(membership::Column::UserId.eq(user_id))
        .order_by_asc(membership::Column::Id)
        .one(db)
        .await?
        .map(|m| m.workspace_id))
}

pub async fn has_users(db: &DatabaseConnection) -> Result<bool, DbErr> {
    Ok(app_user::Entity::find().count(db).await? > 0)
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AddUserOutcome {
    Created,
    /// The email existed; its password was kept and the membership set to this role.
    AddedToWorkspace,
}

/// Creates the workspace if needed, the user (with `password_hash`) if needed, and their
/// membership with `role`.
pub async fn add_user(
    db: &DatabaseConnection,
    workspace_name: &str,
    email: &str,
    role: Role,
    password_hash: String,
) -> Result<AddUserOutcome, DbErr> {
    let email = normalize_email(email);
    let txn = super::begin_write(db).await?;
    let ws = find_or_create_workspace(&txn, workspace_name).await?;
    let existing = app_user::Entity::find().filter(app_user::Column::Email.eq(&email)).one(&txn).await?;
    let (user_id, outcome) = match existing {
        Some(u) => (u.id, AddUserOutcome::AddedToWorkspace),
        None => {
            let user = app_user::ActiveModel {
                email: Set(email),
                password_hash: Set(password_hash),
                created_at: Set(Utc::now()),
                ..Default::default()
            }
            .insert(&txn)
            .await?;
            (user.id, AddUserOutcome::Created)
        }
    };
    match membership::Entity::find()
        .filter(membership::Column::UserId.eq(user_id))
        .filter(membership::Column::WorkspaceId.eq(ws.id))
        .one(&txn)
        .await?
    {
        Some(m) => {
            let mut m: membership::ActiveModel = m.into();
            m.role = Set(role.as_str().to_owned());
            m.update(&txn).await?;
        }
        None => {
            membership::ActiveModel {
                workspace_id: Set(ws.id),
                user_id: Set(user_id),
                role: Set(role.as_str().to_owned()),
                created_at: Set(Utc::now()),
                ..Default::default()
            }
            .insert(&txn)
            .await?;
        }
    }
    txn.commit().await?;
    Ok(outcome)
}

/// The workspace named `name` (surrounding blanks ignored), if there is one.
pub async fn workspace_named(db: &DatabaseConnection, name: &str) -> Result<Option<workspace::Model>, DbErr> {
    workspace::Entity::find().filter(workspace::Column::Name.eq(name.trim())).one(db).await
}

async fn find_or_create_workspace(db: &impl ConnectionTrait, name: &str) -> Result<workspace::Model, DbErr> {
    let name = name.trim();
    if let Some(ws) = workspace::Entity::find().filter(workspace::Column::Name.eq(name)).one(db).await? {
        return Ok(ws);
    }
    workspace::ActiveModel { name: Set(name.to_owned()), created_at: Set(Utc::now()), ..Default::default() }
        .insert(db)
        .await
}
