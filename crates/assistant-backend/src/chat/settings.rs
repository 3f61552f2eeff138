//! Chat settings, read from the environment once at startup.

use std::time::Duration;

use exobrain_common::config::Env;

use super::agent::web::WebSettings;

/// The assistant's persona and house rules, unless `MAIN_AGENT_SYSTEM_PROMPT` replaces them.
const DEFAULT_SYSTEM_PROMPT: &str = "You are Exobrain, the user's personal assistant with a \
living memory. Today's conversation is the user's journal for the day. You can search what the \
user told you before (search_knowledge) and read everything known about one person, place or \
thing (get_entity_context): use them whenever the user refers to people, places, plans or \
facts from earlier days, and say so when your notes hold nothing. Never invent memories. \
Answer in Markdown; write math as $...$ inline or $$...$$ on its own lines, and diagrams as \
fenced mermaid blocks.";

/// How chat turns run and how long their streams are kept.
#[derive(Debug, Clone)]
pub struct ChatSettings {
    /// `MAIN_AGENT_MODEL`: the model alias asked for replies.
    pub model: String,
    /// `MAIN_AGENT_SYSTEM_PROMPT`: the system prompt.
    pub system_prompt: String,
    /// `ASSISTANT_CHAT_CONTEXT_TOKENS`: budget of earlier messages in a turn's context
    /// (estimated at four characters a token).
    pub context_tokens: usize,
    /// `ASSISTANT_CHAT_CONTEXT_MESSAGES`: most earlier messages read for the context.
    pub context_messages: i64,
    /// `ASSISTANT_CHAT_MAX_TOOL_ROUNDS`: model calls that may ask for tools in one turn; the
    /// call after the last round gets no tools and must answer.
    pub max_tool_rounds: usize,
    /// `ASSISTANT_CHAT_TOOL_TIMEOUT_SECONDS`: longest a tool call may take.
    pub tool_timeout: Duration,
    /// `ASSISTANT_CHAT_TURN_TIMEOUT_SECONDS`: longest a whole turn may take.
    pub turn_timeout: Duration,
    /// `ASSISTANT_CHAT_MAX_MESSAGE_CHARS`: longest message accepted.
    pub max_message_chars: usize,
    /// `ASSISTANT_CHAT_KEY_PREFIX`: Redis prefix of the event log.
    pub key_prefix: String,
    /// `ASSISTANT_CHAT_STREAM_TTL_SECONDS`: how long a stream can be replayed.
    pub stream_ttl: Duration,
    /// `ASSISTANT_CHAT_KEEPALIVE_SECONDS`: SSE keep-alive comment interval.
    pub keep_alive: Duration,
    /// `ASSISTANT_CHAT_POLL_MILLISECONDS`: how often a reader polls a stream written by
    /// another replica.
    pub poll: Duration,
    /// `ASSISTANT_CHAT_PROVIDER_CACHE_SECONDS`: how long the alias-to-provider map of
    /// model-provider is reused.
    pub provider_cache: Duration,
    /// `TAVILY_API_KEY` and `TAVILY_BASE_URL`: web search and fetch, offered when a key is set.
    pub web: Option<WebSettings>,
}

impl ChatSettings {
    /// Reads the `MAIN_AGENT_*` and `ASSISTANT_CHAT_*` variables.
    pub fn from_env(env: &mut Env) -> Self {
        Self {
            model: env.string("MAIN_AGENT_MODEL", "agent"),
            system_prompt: env.string("MAIN_AGENT_SYSTEM_PROMPT", DEFAULT_SYSTEM_PROMPT),
            context_tokens: env.bounded("ASSISTANT_CHAT_CONTEXT_TOKENS", 12_000, 500, 1_000_000),
            context_messages: env.bounded("ASSISTANT_CHAT_CONTEXT_MESSAGES", 200, 1, 5_000),
            max_tool_rounds: env.bounded("ASSISTANT_CHAT_MAX_TOOL_ROUNDS", 4, 0, 50),
            tool_timeout: env.seconds(
                "ASSISTANT_CHAT_TOOL_TIMEOUT_SECONDS",
                Duration::from_secs(15),
            ),
            turn_timeout: env.seconds(
                "ASSISTANT_CHAT_TURN_TIMEOUT_SECONDS",
                Duration::from_secs(300),
            ),
            max_message_chars: env.bounded(
                "ASSISTANT_CHAT_MAX_MESSAGE_CHARS",
                32_000,
                1,
                1_000_000,
            ),
            key_prefix: env
                .string("ASSISTANT_CHAT_KEY_PREFIX", "assistant:chat")
                .trim_matches(':')
                .to_owned(),
            stream_ttl: Duration::from_secs(env.bounded(
                "ASSISTANT_CHAT_STREAM_TTL_SECONDS",
                3_600,
                60,
                604_800,
            )),
            keep_alive: env.seconds("ASSISTANT_CHAT_KEEPALIVE_SECONDS", Duration::from_secs(15)),
            poll: Duration::from_millis(env.bounded(
                "ASSISTANT_CHAT_POLL_MILLISECONDS",
                100,
                5,
                10_000,
            )),
            provider_cache: env.seconds(
                "ASSISTANT_CHAT_PROVIDER_CACHE_SECONDS",
                Duration::from_secs(30),
            ),
            web: env.optional("TAVILY_API_KEY").map(|api_key| WebSettings {
                base_url: env.string("TAVILY_BASE_URL", "https://api.tavily.com"),
                api_key,
            }),
        }
    }
}
