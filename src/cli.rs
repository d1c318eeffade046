//! The `wevion` command line: serve (default), migrate, user add, sandbox.

use crate::{
    auth::accounts,
    clock::SystemClock,
    credentials::{Credentials, RowFailure},
    db::{self, accounts::AddUserOutcome},
    roles::Role,
    server::{AppState, Application},
    settings::Settings,
};
use anyhow::Context;
use clap::{Parser, Subcommand};
use std::io::Read;

#[derive(Debug, Parser)]
#[command(name = "wevion", version, about = "Connect TikTok For Business and keep ad data flowing in.")]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the web app (the default).
    Serve,
    /// Serve only the TikTok sandbox on 127.0.0.1:PORT, for pointing other clients at it.
    Sandbox {
        #[arg(long, default_value_t = 9900)]
        port: u16,
    },
    /// Re-encrypt every stored TikTok token with TIKTOK_TOKEN_KEY (reading TIKTOK_TOKEN_KEY_PREVIOUS).
    RotateTokenKey,
    /// Run database migrations and exit.
    Migrate,
    /// Manage users.
    User {
        #[command(subcommand)]
        command: UserCommand,
    },
}

#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Add a user to a workspace (creating the workspace if it does not exist).
    Add {
        #[arg(long)]
        workspace: String,
        #[arg(long)]
        email: String,
        /// mediabuyer, manager, admin, owner or super_admin.
        #[arg(long)]
        role: Role,
        /// The password; prefer WEVION_PASSWORD or --password-stdin so it stays out of shell history.
        #[arg(long, env = "WEVION_PASSWORD", hide_env_values = true)]
        password: Option<String>,
        /// Read the password from standard input.
        #[arg(long, conflicts_with = "password")]
        password_stdin: bool,
    },
}

pub async fn run(cli: Cli) -> anyhow::Result<()> {
    let settings = Settings::from_env()?;
    match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => Application::build(settings).await?.run_until_stopped().await?,
        Command::Sandbox { port } => crate::sandbox::serve_standalone(settings, port).await?,
        Command::RotateTokenKey => {
            let conn = db::connect(&settings.database_url).await?;
            db::migrate(&conn).await?;
            let key_id = settings.token_keys.current_key_id().to_owned();
            let addr = settings.leptos.site_addr;
            let state = AppState::new(settings, conn, addr, std::sync::Arc::new(SystemClock))?;
            let credentials: Credentials = state.credentials;
            let report = credentials.rotate_keys().await?;
            println!("re-encrypted {} stored TikTok token(s) with key {key_id}", report.resealed);
            if !report.failed.is_empty() {
                for row in &report.failed {
                    eprintln!("could not re-encrypt {} {}: {}", row.what, row.id, row.reason);
                }
                let unreadable = report.failed.iter().filter(|r| r.failure == RowFailure::Unreadable).count();
                anyhow::bail!(
                    "{} stored token(s) are still sealed the old way: {unreadable} could not be read with \
                     TIKTOK_TOKEN_KEY or TIKTOK_TOKEN_KEY_PREVIOUS (their connections need Reconnect), {} could \
                     not be written (run the command again)",
                    report.failed.len(),
                    report.failed.len() - unreadable
                );
            }
        }
        Command::Migrate => {
            let conn = db::connect(&settings.database_url).await?;
            db::migrate(&conn).await?;
            println!("migrations applied");
        }
        Command::User { command: UserCommand::Add { workspace, email, role, password, password_stdin } } => {
            let password = match (password, password_stdin) {
                (_, true) => {
                    let mut buf = String::new();
                    std::io::stdin().read_to_string(&mut buf).context("reading the password from stdin")?;
                    buf.trim_end_matches(['\r', '\n']).to_string()
                }
                (Some(p), false) => p,
                (None, false) => anyhow::bail!("a password is needed: --password, --password-stdin or WEVION_PASSWORD"),
            };
            validate_new_user(&email, &password, &workspace)?;
            let conn = db::connect(&settings.database_url).await?;
            db::migrate(&conn).await?;
            let outcome = accounts::add_user(&conn, &workspace, &email, role, &password).await?;
            match outcome {
                AddUserOutcome::Created => println!("created {email} as {role} in {workspace}"),
                AddUserOutcome::AddedToWorkspace => {
                    println!("{email} already existed (password unchanged); now {role} in {workspace}")
                }
            }
        }
    }
    Ok(())
}

fn validate_new_user(email: &str, password: &str, workspace: &str) -> anyhow::Result<()> {
    anyhow::ensure!(email.contains('@') && email.trim().len() >= 3, "--email must be an email address");
    anyhow::ensure!(password.chars().count() >= 8, "the password must be at least 8 characters");
    anyhow::ensure!(!workspace.trim().is_empty(), "--workspace must not be empty");
    Ok(())
}
