//! `resto-edge staff add`: console accounts, created or reset from the device itself (the
//! owner's way back in when every password is lost).

use crate::store::{self, staff, staff::Role};
use anyhow::Context;
use clap::Subcommand;
use std::path::{Path, PathBuf};

#[derive(Subcommand)]
pub enum StaffAction {
    /// Create an account, or set a new password/PIN and role for an existing one (this also
    /// unlocks it and logs it out everywhere). The password is read from --password-file or
    /// from the first line of standard input, never from the command line.
    Add {
        name: String,
        #[arg(long, value_parser = ["owner", "staff"])]
        role: String,
        #[arg(long)]
        password_file: Option<PathBuf>,
    },
}

pub fn run(db_path: &Path, action: StaffAction) -> anyhow::Result<()> {
    let StaffAction::Add {
        name,
        role,
        password_file,
    } = action;
    let secret = read_secret(password_file.as_deref())?;
    let secret = secret.trim_end_matches(['\r', '\n']);
    let role = Role::parse(&role).context("--role must be owner or staff")?;
    let conn = store::open(db_path)?;
    let created = staff::add(&conn, &name, role, secret, &store::now())?;
    println!(
        "{} {name} ({}); log in on the console at http://<this device>:8090/",
        if created { "created" } else { "updated" },
        role.as_str()
    );
    Ok(())
}

/// Never from the command line, where `ps` and the shell history would show it.
fn read_secret(password_file: Option<&Path>) -> anyhow::Result<String> {
    match password_file {
        Some(f) => std::fs::read_to_string(f)
            .with_context(|| format!("cannot read --password-file {}", f.display())),
        None => {
            let mut line = String::new();
            std::io::stdin()
                .read_line(&mut line)
                .context("cannot read the password from standard input")?;
            Ok(line)
        }
    }
}
