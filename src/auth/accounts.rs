//! Members and their passwords: sign-in checks, adding users, the demo workspace.

use super::password;
use crate::{
    db::accounts::{self, AddUserOutcome, Member},
    roles::Role,
};
use sea_orm::{DatabaseConnection, DbErr};
use strum::VariantArray;

/// Checks an email and password, in the turn `turn` of the [`password::PasswordGate`]. `None`
/// for an unknown email or a wrong password alike (both cost one hash verification). Signs into
/// the member's first workspace.
pub async fn verify_login(
    db: &DatabaseConnection,
    email: &str,
    pw: &str,
    turn: tokio::sync::OwnedSemaphorePermit,
) -> Result<Option<Member>, DbErr> {
    let user = accounts::user_by_email(db, email).await?;
    let stored = user.as_ref().map(|u| u.password_hash.clone()).unwrap_or_else(|| password::decoy_hash().to_owned());
    let candidate = pw.to_owned();
    let ok = tokio::task::spawn_blocking(move || {
        let _turn = turn;
        password::verify(&candidate, &stored)
    })
    .await
    .map_err(|e| DbErr::Custom(format!("password check panicked: {e}")))?;
    let (Some(user), true) = (user, ok) else {
        return Ok(None);
    };
    let Some(workspace_id) = accounts::first_workspace_of(db, user.id).await? else {
        return Ok(None);
    };
    accounts::member(db, user.id, workspace_id).await
}

/// Adds a user (hashing the password) to a workspace, creating what does not exist yet.
pub async fn add_user(
    db: &DatabaseConnection,
    workspace: &str,
    email: &str,
    role: Role,
    pw: &str,
) -> Result<AddUserOutcome, DbErr> {
    let pw = pw.to_owned();
    let hash = tokio::task::spawn_blocking(move || password::hash(&pw))
        .await
        .map_err(|e| DbErr::Custom(format!("password hashing panicked: {e}")))?;
    accounts::add_user(db, workspace, email, role, hash).await
}

pub const DEMO_WORKSPACE: &str = "Demo Agency";

/// A seeded demo member's sign-in details.
pub struct DemoUser {
    pub email: String,
    pub role: Role,
    pub password: String,
}

/// On an empty database, creates the demo workspace with one member per role and returns
/// their sign-in details (shown once in the log); `None` when users already exist.
/// `password` fixes every demo password (for end-to-end tests); otherwise each is random.
pub async fn seed_demo(db: &DatabaseConnection, password: Option<&str>) -> Result<Option<Vec<DemoUser>>, DbErr> {
    if accounts::has_users(db).await? {
        return Ok(None);
    }
    let mut created = Vec::new();
    for &role in Role::VARIANTS {
        let email = format!("{}@demo.wevion.test", role.as_str().replace('_', "-"));
        let pw = password.map(str::to_owned).unwrap_or_else(demo_password);
        add_user(db, DEMO_WORKSPACE, &email, role, &pw).await?;
        created.push(DemoUser { email, role, password: pw });
    }
    Ok(Some(created))
}

fn demo_password() -> String {
    use rand::{distributions::Alphanumeric, Rng};
    rand::thread_rng().sample_iter(&Alphanumeric).take(16).map(char::from).collect()
}
