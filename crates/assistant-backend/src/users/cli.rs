//! `assistant-backend users …`: account administration from the shell.
//!
//! `users create --email <email> --name <name> --password-stdin` creates a user with a local
//! identity; the password is read from the first line of standard input (never from the
//! command line, where other users of the machine could see it) and stored as Argon2id.

use std::io::BufRead;

use sqlx::PgPool;
use uuid::Uuid;

use super::{User, store};
use crate::auth::password::{self, Password};

/// What `users` was asked to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UsersCommand {
    /// Create a user whose password comes from standard input.
    Create {
        /// Email (the login name).
        email: String,
        /// Display name.
        name: String,
    },
}

/// Usage of the `users` command.
pub const USAGE: &str = "usage: assistant-backend users create --email <email> --name <name> --password-stdin\n\
    the password (at least 8 characters) is the first line of standard input";

impl UsersCommand {
    /// Parses the words after `users`.
    pub fn parse(args: &[String]) -> Result<Self, String> {
        let Some((subcommand, rest)) = args.split_first() else {
            return Err(USAGE.to_owned());
        };
        if subcommand != "create" {
            return Err(format!("unknown users subcommand `{subcommand}`\n{USAGE}"));
        }
        let (mut email, mut name, mut stdin) = (None, None, false);
        let mut words = rest.iter();
        while let Some(word) = words.next() {
            match word.as_str() {
                "--email" => email = words.next().cloned(),
                "--name" => name = words.next().cloned(),
                "--password-stdin" => stdin = true,
                other => return Err(format!("unexpected argument `{other}`\n{USAGE}")),
            }
        }
        match (email, name, stdin) {
            (Some(email), Some(name), true)
                if !email.trim().is_empty() && !name.trim().is_empty() =>
            {
                Ok(UsersCommand::Create {
                    email: email.trim().to_owned(),
                    name: name.trim().to_owned(),
                })
            }
            _ => Err(format!(
                "--email, --name and --password-stdin are required\n{USAGE}"
            )),
        }
    }

    /// Runs the command; the error is one line for the operator.
    pub async fn run(self, pool: &PgPool) -> Result<(), String> {
        let UsersCommand::Create { email, name } = self;
        let password = read_password()?;
        let hash = password::hash(password)
            .await
            .map_err(|error| error.to_string())?;
        let user = User {
            id: Uuid::new_v4(),
            name,
            email,
        };
        let created = store::create_if_absent(pool, &user, &hash)
            .await
            .map_err(|error| error.to_string())?;
        if !created {
            return Err(format!("a user with email `{}` already exists", user.email));
        }
        println!("created user {} <{}>", user.id, user.email);
        Ok(())
    }
}

fn read_password() -> Result<Password, String> {
    let mut line = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut line)
        .map_err(|error| format!("cannot read the password from standard input: {error}"))?;
    Password::try_from(line.trim_end_matches(['\r', '\n']).to_owned())
}
