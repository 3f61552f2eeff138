//! PostgreSQL storage of user configs: active definitions with their options, and each
//! user's overrides. Every read and write of values is scoped to the user id it is given.

use std::collections::HashMap;

use sqlx::PgPool;
use uuid::Uuid;

use super::error::UserConfigError;
use super::model::{
    ChoiceOption, ConfigDefinition, ConfigType, ConfigUpdate, ConfigValue, UserConfigItem,
};
use super::rules::{self, Change};

/// The user config tables of `assistant_db`.
#[derive(Debug, Clone)]
pub struct UserConfigStore {
    pool: PgPool,
}

#[derive(Debug, sqlx::FromRow)]
struct DefinitionRow {
    id: Uuid,
    key: String,
    name: String,
    description: String,
    config_type: String,
    default_value: serde_json::Value,
}

#[derive(Debug, sqlx::FromRow)]
struct ValueRow {
    #[sqlx(flatten)]
    definition: DefinitionRow,
    stored: Option<serde_json::Value>,
    options: Vec<String>,
}

#[derive(Debug, sqlx::FromRow)]
struct OptionRow {
    definition_id: Uuid,
    option_value: String,
    option_label: String,
}

impl UserConfigStore {
    /// A store over `pool`.
    pub fn new(pool: PgPool) -> Self {
        Self { pool }
    }

    /// Active definitions ordered by (display order, key), each with its active options
    /// ordered by (display order, value).
    pub async fn definitions(&self) -> Result<Vec<ConfigDefinition>, UserConfigError> {
        let rows: Vec<DefinitionRow> = sqlx::query_as(
            "SELECT id, key, name, description, config_type, default_value
             FROM user_config_definitions WHERE is_active
             ORDER BY display_order, key",
        )
        .fetch_all(&self.pool)
        .await
        .map_err(UserConfigError::database("list config definitions"))?;
        let options: Vec<OptionRow> = sqlx::query_as(
            "SELECT o.definition_id, o.option_value, o.option_label
             FROM user_config_choice_options o
             JOIN user_config_definitions d ON d.id = o.definition_id
             WHERE o.is_active AND d.is_active
             ORDER BY o.display_order, o.option_value",
        )
        .fetch_all(&self.pool)
        .await
        .map_err(UserConfigError::database("list config options"))?;
        let mut by_definition: HashMap<Uuid, Vec<ChoiceOption>> = HashMap::new();
        for option in options {
            by_definition
                .entry(option.definition_id)
                .or_default()
                .push(ChoiceOption {
                    value: option.option_value,
                    label: option.option_label,
                });
        }
        rows.into_iter()
            .map(|row| {
                let options = by_definition.remove(&row.id).unwrap_or_default();
                definition(row, options)
            })
            .collect()
    }

    /// Every active config with the value in effect for `user`.
    pub async fn effective(&self, user: Uuid) -> Result<Vec<UserConfigItem>, UserConfigError> {
        let definitions = self.definitions().await?;
        let overrides: Vec<(String, serde_json::Value)> = sqlx::query_as(
            "SELECT d.key, v.value
             FROM user_config_values v
             JOIN user_config_definitions d ON d.id = v.definition_id
             WHERE v.user_id = $1 AND d.is_active",
        )
        .bind(user)
        .fetch_all(&self.pool)
        .await
        .map_err(UserConfigError::database("list config values"))?;
        Ok(rules::effective(
            definitions,
            &overrides.into_iter().collect(),
        ))
    }

    /// The value of `key` in effect for `user`; `None` when no active definition has the key.
    /// One statement reads the definition, the user's override and, of the key's options,
    /// only those the override or the default name (a choice such as the time zone has
    /// hundreds), so the rules of [`UserConfigStore::effective`] apply at the cost of a row.
    pub async fn value(
        &self,
        user: Uuid,
        key: &str,
    ) -> Result<Option<ConfigValue>, UserConfigError> {
        let row: Option<ValueRow> = sqlx::query_as(
            "SELECT d.id, d.key, d.name, d.description, d.config_type, d.default_value,
                    v.value AS stored,
                    COALESCE((SELECT array_agg(o.option_value) FROM user_config_choice_options o
                              WHERE o.definition_id = d.id AND o.is_active
                                AND o.option_value IN (v.value->>'value', d.default_value->>'value')),
                             '{}') AS options
             FROM user_config_definitions d
             LEFT JOIN user_config_values v ON v.definition_id = d.id AND v.user_id = $1
             WHERE d.key = $2 AND d.is_active",
        )
        .bind(user)
        .bind(key)
        .fetch_optional(&self.pool)
        .await
        .map_err(UserConfigError::database("read config value"))?;
        let Some(row) = row else {
            return Ok(None);
        };
        let options = row
            .options
            .into_iter()
            .map(|value| ChoiceOption {
                label: value.clone(),
                value,
            })
            .collect();
        let overrides: HashMap<String, serde_json::Value> = row
            .stored
            .map(|stored| (row.definition.key.clone(), stored))
            .into_iter()
            .collect();
        let definition = definition(row.definition, options)?;
        Ok(rules::effective(vec![definition], &overrides)
            .into_iter()
            .next()
            .map(|item| item.value))
    }

    /// Applies `updates` for `user` after validating all of them (nothing is written when one
    /// is invalid): values equal to the default remove the override, the others are upserted,
    /// in one statement. Returns the effective configs afterwards.
    pub async fn update(
        &self,
        user: Uuid,
        updates: &[ConfigUpdate],
    ) -> Result<Vec<UserConfigItem>, UserConfigError> {
        let changes = rules::plan(&self.definitions().await?, updates)?;
        let mut reset = Vec::new();
        let (mut set_keys, mut set_values) = (Vec::new(), Vec::new());
        for change in changes {
            match change {
                Change::Reset { key } => reset.push(key),
                Change::Set { key, value } => {
                    set_keys.push(key);
                    set_values.push(value.to_stored().to_string());
                }
            }
        }
        sqlx::query(
            "WITH removed AS (
                 DELETE FROM user_config_values v
                 USING user_config_definitions d
                 WHERE v.user_id = $1 AND v.definition_id = d.id AND d.key = ANY($2::text[])
             )
             INSERT INTO user_config_values (user_id, definition_id, value)
             SELECT $1, d.id, i.value::jsonb
             FROM UNNEST($3::text[], $4::text[]) AS i (key, value)
             JOIN user_config_definitions d ON d.key = i.key
             ON CONFLICT (user_id, definition_id)
             DO UPDATE SET value = EXCLUDED.value, updated_at = NOW()",
        )
        .bind(user)
        .bind(reset)
        .bind(set_keys)
        .bind(set_values)
        .execute(&self.pool)
        .await
        .map_err(UserConfigError::database("update config values"))?;
        self.effective(user).await
    }
}

fn definition(
    row: DefinitionRow,
    options: Vec<ChoiceOption>,
) -> Result<ConfigDefinition, UserConfigError> {
    let corrupt = |detail: String| UserConfigError::Database {
        operation: "decode config definition",
        detail,
    };
    let config_type = match row.config_type.as_str() {
        "boolean" => ConfigType::Boolean,
        "choice" => ConfigType::Choice,
        other => {
            return Err(corrupt(format!(
                "{}: unknown config type `{other}`",
                row.key
            )));
        }
    };
    let default_value = match (config_type, row.default_value.get("value")) {
        (ConfigType::Boolean, Some(serde_json::Value::Bool(flag))) => ConfigValue::Boolean(*flag),
        (ConfigType::Choice, Some(serde_json::Value::String(choice))) => {
            ConfigValue::Choice(choice.clone())
        }
        _ => {
            return Err(corrupt(format!(
                "{}: default does not match its type",
                row.key
            )));
        }
    };
    Ok(ConfigDefinition {
        key: row.key,
        name: row.name,
        description: row.description,
        config_type,
        default_value,
        options,
    })
}
