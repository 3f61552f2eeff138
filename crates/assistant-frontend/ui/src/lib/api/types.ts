// Narrow request/response types of the backend calls the chat side of the UI makes, written from
// docs/assistant-api.md and the UI contract until `schema.d.ts` is generated from the OpenAPI
// document; then these become aliases of `Schemas[...]`. Only fields the UI reads are listed.

/** `GET /api/users/me`. */
export interface CurrentUser {
  name: string;
  email: string;
  /** `operator` may open the operations view. Required, so the contract catches a rename. */
  role: 'user' | 'operator';
}

/** `POST /api/auth/login` body for a browser cookie session. */
export interface LoginRequest {
  email: string;
  password: string;
  session_mode: 'web';
  issuance_policy: 'session';
}

/** A journal (one conversation per day); `reference` is `YYYY/MM/DD`. */
export interface JournalEntry {
  id: string;
  reference: string;
  created_at?: string | null;
  updated_at?: string | null;
  last_message_at?: string | null;
  message_count: number;
  status?: string;
}

/** A tool call stored on an assistant reply. */
export interface StoredToolCall {
  id?: string;
  tool_call_id: string;
  title: string;
  description: string;
  response?: string | null;
  error?: string | null;
}

/** One stored message of a journal. */
export interface JournalMessage {
  id: string;
  role: 'user' | 'assistant';
  /** Null while the reply is still being written. */
  content: string | null;
  sequence: number;
  status?: 'complete' | 'streaming' | 'failed';
  created_at?: string | null;
  metadata?: { stream_id?: string; error?: string; [key: string]: unknown } | null;
  tool_calls?: StoredToolCall[] | null;
}

/** `POST /api/chat/message`. */
export interface SendMessageRequest {
  message: string;
  client_message_id: string;
}

/** Answer of `POST /api/chat/message`. */
export interface SendMessageResponse {
  stream_id: string;
}

/** One choice of a `choice` config. */
export interface ConfigOption {
  value: string;
  label: string;
}

/** A user preference (`GET /api/users/me/configs`). */
export interface UserConfigItem {
  key: string;
  name: string;
  config_type: 'boolean' | 'choice';
  description?: string | null;
  options?: ConfigOption[];
  value: string | boolean;
  default_value?: string | boolean;
  using_default?: boolean;
}

/** `GET|PATCH /api/users/me/configs` answer. */
export interface UserConfigsResponse {
  configs: UserConfigItem[];
}
