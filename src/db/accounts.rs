//! Workspaces, users and memberships: the plain functions handlers and the CLI call.

use super::entities::{app_user, membership, workspace};
use crate::{auth::password, auth::CurrentUser, roles::Role};
use chrono::Utc;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait,
    PaginatorTrait, QueryFilter, QueryOrder, TransactionTrait,
};

pub fn normalize_email(email: &str) -> String {
    email.trim().to_lowercase()
}

/// The member `user_id` of `workspace_id`, if that membership exists.
pub async fn member(db: &DatabaseConnection, user_id: i32, workspace_id: i32) -> Result<Option<CurrentUser>, DbErr> {
    let Some((m, Some(user))) = membership::Entity::find()
        .filter(membership::Column::UserId.eq(user_id))
        .filter(membership::Column::WorkspaceId.eq(workspace_id))
        .find_also_related(app_user::Entity)
        .one(db)
        .await?
    else {
        return Ok(None);
    };
    let Some(ws) = workspace::Entity::find_by_id(workspace_id).one(db).await? else {
        return Ok(None);
    };
    let Ok(role) = m.role.parse::<Role>() else {
        tracing::warn!(membership.id = m.id, "membership has an unknown role; treating as no access");
        return Ok(None);
    };
    Ok(Some(CurrentUser { user_id, email: user.email, workspace_id, workspace_name: ws.name, role }))
}

/// Checks an email and password. `None` for an unknown email or a wrong password alike.
/// Signs into the member's first workspace.
pub async fn verify_login(db: &DatabaseConnection, email: &str, pw: &str) -> Result<Option<CurrentUser>, DbErr> {
    let user = app_user::Entity::find().filter(app_user::Column::Email.eq(normalize_email(email))).one(db).await?;
    let stored = user.as_ref().map(|u| u.password_hash.clone()).unwrap_or_else(|| password::decoy_hash().to_owned());
    let password_owned = pw.to_owned();
    let ok = tokio::task::spawn_blocking(move || password::verify(&password_owned, &stored))
        .await
        .map_err(|e| DbErr::Custom(format!("password check panicked: {e}")))?;
    let (Some(user), true) = (user, ok) else {
        return Ok(None);
    };
    let Some(first) = membership::Entity::find()
        .filter(membership::Column::UserId.eq(user.id))
        .order_by_asc(membership::Column::Id)
        .one(db)
        .await?
    else {
        return Ok(None);
    };
    member(db, user.id, first.workspace_id).await
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AddUserOutcome {
    Created,
    /// The email existed; its password was kept and the membership set to this role.
    AddedToWorkspace,
}

/// Creates the workspace if needed, the user if needed, and their membership with `role`.
pub async fn add_user(
    db: &DatabaseConnection,
    workspace_name: &str,
    email: &str,
    role: Role,
    pw: &str,
) -> Result<AddUserOutcome, DbErr> {
    let email = normalize_email(email);
    let hash = password::hash(pw);
    let txn = db.begin().await?;
    let ws = find_or_create_workspace(&txn, workspace_name).await?;
    let existing = app_user::Entity::find().filter(app_user::Column::Email.eq(&email)).one(&txn).await?;
    let (user_id, outcome) = match existing {
        Some(u) => (u.id, AddUserOutcome::AddedToWorkspace),
        None => {
            let user = app_user::ActiveModel {
                email: Set(email),
                password_hash: Set(hash),
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

async fn find_or_create_workspace(db: &impl ConnectionTrait, name: &str) -> Result<workspace::Model, DbErr> {
    let name = name.trim();
    if let Some(ws) = workspace::Entity::find().filter(workspace::Column::Name.eq(name)).one(db).await? {
        return Ok(ws);
    }
    workspace::ActiveModel { name: Set(name.to_owned()), created_at: Set(Utc::now()), ..Default::default() }
        .insert(db)
        .await
}

pub const DEMO_WORKSPACE: &str = "Demo Agency";

/// On an empty database, creates the demo workspace with one member per role and returns
/// their sign-in details (shown once in the log); `None` when users already exist.
/// `password` fixes every demo password (for end-to-end tests); otherwise each is random.
pub async fn seed_demo(
    db: &DatabaseConnection,
    password: Option<&str>,
) -> Result<Option<Vec<(String, Role, String)>>, DbErr> {
    if app_user::Entity::find().count(db).await? > 0 {
        return Ok(None);
    }
    let mut created = Vec::new();
    for role in Role::ALL {
        let email = format!("{}@demo.wevion.test", role.as_str().replace('_', "-"));
        let pw = password.map(str::to_owned).unwrap_or_else(demo_password);
        add_user(db, DEMO_WORKSPACE, &email, role, &pw).await?;
        created.push((email, role, pw));
    }
    Ok(Some(created))
}

fn demo_password() -> String {
    use rand::{distributions::Alphanumeric, Rng};
    rand::thread_rng().sample_iter(&Alphanumeric).take(16).map(char::from).collect()
}
