//! `assistant-backend users …`: account administration from the shell.
//!
//! `users create --email <email> --name <name> [--role user|operator] --password-stdin`
//! creates a user with a local identity; the password is read from the first line of standard
//! input (never from the command line, where other users of the machine could see it) and
//! stored as Argon2id. `users set-role --email <email> --role user|operator` changes the role
//! of an existing user (an operator may open the operations view).

use std::io::BufRead;

use sqlx::PgPool;
use uuid::Uuid;

use super::{Role, User, store};
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
        /// Role (default `user`).
        role: Role,
    },
    /// Change the role of an existing user.
    SetRole {
        /// The user's email.
        email: String,
        /// The new role.
        role: Role,
    },
}

/// Usage of the `users` command.
pub const USAGE: &str = "usage: assistant-backend users create --email <email> --name <name> [--role user|operator] --password-stdin\n\
    the password (at least 8 characters) is the first line of standard input\n\
    usage: assistant-backend users set-role --email <email> --role user|operator";

/// The options after a subcommand.
#[derive(Debug, Default)]
struct Options {
    email: Option<String>,
    name: Option<String>,
    role: Option<Role>,
    stdin: bool,
}

impl Options {
    fn parse(words: &[String]) -> Result<Self, String> {
        let mut options = Options::default();
        let mut words = words.iter();
        while let Some(word) = words.next() {
            match word.as_str() {
                "--email" => options.email = nonblank(words.next()),
                "--name" => options.name = nonblank(words.next()),
                "--role" => {
                    let role = words
                        .next()
                        .ok_or_else(|| format!("--role needs a value\n{USAGE}"))?;
                    options.role = Some(role.parse().map_err(|e| format!("{e}\n{USAGE}"))?);
                }
                "--password-stdin" => options.stdin = true,
                other => return Err(format!("unexpected argument `{other}`\n{USAGE}")),
            }
        }
        Ok(options)
    }
}

fn nonblank(word: Option<&String>) -> Option<String> {
    word.map(|word| word.trim().to_owned())
        .filter(|word| !word.is_empty())
}

impl UsersCommand {
    /// Parses the words after `users`.
    pub fn parse(args: &[String]) -> Result<Self, String> {
        let Some((subcommand, rest)) = args.split_first() else {
            return Err(USAGE.to_owned());
        };
        let options = Options::parse(rest)?;
        match (subcommand.as_str(), options) {
            (
                "create",
                Options {
                    email: Some(email),
                    name: Some(name),
                    role,
                    stdin: true,
                },
            ) => Ok(UsersCommand::Create {
                email,
                name,
                role: role.unwrap_or_default(),
            }),
            ("create", _) => Err(format!(
                "--email, --name and --password-stdin are required\n{USAGE}"
            )),
            (
                "set-role",
                Options {
                    email: Some(email),
                    name: None,
                    role: Some(role),
                    stdin: false,
                },
            ) => Ok(UsersCommand::SetRole { email, role }),
            ("set-role", _) => Err(format!("--email and --role (only) are required\n{USAGE}")),
            (other, _) => Err(format!("unknown users subcommand `{other}`\n{USAGE}")),
        }
    }

    /// Runs the command; the error is one line for the operator.
    pub async fn run(self, pool: &PgPool) -> Result<(), String> {
        match self {
            UsersCommand::Create { email, name, role } => create(pool, email, name, role).await,
            UsersCommand::SetRole { email, role } => {
                let found = store::set_role(pool, &email, role)
                    .await
                    .map_err(|error| error.to_string())?;
                if !found {
                    return Err(format!("no user with email `{email}`"));
                }
                println!("{email} is now {}", role.as_str());
                Ok(())
            }
        }
    }
}

async fn create(pool: &PgPool, email: String, name: String, role: Role) -> Result<(), String> {
    let password = read_password()?;
    let hash = password::hash(password)
        .await
        .map_err(|error| error.to_string())?;
    let user = User {
        id: Uuid::new_v4(),
        name,
        email,
        role,
    };
    let created = store::create_if_absent(pool, &user, &hash)
        .await
        .map_err(|error| error.to_string())?;
    if !created {
        return Err(format!("a user with email `{}` already exists", user.email));
    }
    println!(
        "created user {} <{}> ({})",
        user.id,
        user.email,
        role.as_str()
    );
    Ok(())
}

fn read_password() -> Result<Password, String> {
    let mut line = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut line)
        .map_err(|error| format!("cannot read the password from standard input: {error}"))?;
    Password::try_from(line.trim_end_matches(['\r', '\n']).to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(words: &[&str]) -> Result<UsersCommand, String> {
        let words: Vec<String> = words.iter().map(|w| (*w).to_owned()).collect();
        UsersCommand::parse(&words)
    }

    #[test]
    fn create_takes_an_optional_role_defaulting_to_user() {
        let base = [
            "create",
            "--email",
            "a@b",
            "--name",
            "A",
            "--password-stdin",
        ];
        assert_eq!(
            parse(&base),
            Ok(UsersCommand::Create {
                email: "a@b".into(),
                name: "A".into(),
                role: Role::User,
            })
        );
        let mut with_role = base.to_vec();
        with_role.extend(["--role", "operator"]);
        assert!(matches!(
            parse(&with_role),
            Ok(UsersCommand::Create {
                role: Role::Operator,
                ..
            })
        ));
        with_role.pop();
        with_role.push("admin");
        assert!(parse(&with_role).is_err());
    }

    #[test]
    fn set_role_needs_an_email_and_a_role() {
        assert_eq!(
            parse(&["set-role", "--email", "a@b", "--role", "operator"]),
            Ok(UsersCommand::SetRole {
                email: "a@b".into(),
                role: Role::Operator,
            })
        );
        assert!(parse(&["set-role", "--email", "a@b"]).is_err());
        assert!(parse(&["set-role", "--role", "user"]).is_err());
        assert!(parse(&["delete", "--email", "a@b"]).is_err());
    }
}
