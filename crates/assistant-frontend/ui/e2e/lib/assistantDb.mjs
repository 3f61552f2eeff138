// Direct writes to the assistant database of the suite under test, for state the UI cannot
// create itself (a journal of an earlier day). Runs `psql` against ASSISTANT_DB_DSN, else the
// DSN the native infrastructure wrote to .agent/state/native-infra.env, else the native default.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const infraEnv = path.resolve(here, '../../../../../.agent/state/native-infra.env');
const NATIVE_DSN = 'postgresql://assistant_backend:assistant_backend@127.0.0.1:5432/assistant_db';

function assistantDsn() {
  if (process.env.ASSISTANT_DB_DSN) return process.env.ASSISTANT_DB_DSN;
  try {
    const match = /^export ASSISTANT_DB_DSN=(\S+)$/m.exec(readFileSync(infraEnv, 'utf8'));
    if (match) return match[1];
  } catch {
    // no native infrastructure file: the native default below
  }
  return NATIVE_DSN;
}

// Numbers the two messages the way the backend does (migration 0004): the conversation's
// `last_sequence` is bumped in the same transaction as the inserts, so the journal stays
// consistent when the day already has messages. They are marked as already in the knowledge
// base, so a later knowledge update does not read this made-up exchange.
const APPEND_EXCHANGE = `
BEGIN;
INSERT INTO conversations (user_id, reference)
SELECT id, :'reference' FROM users WHERE email = :'email'
ON CONFLICT (user_id, reference) DO NOTHING;
WITH numbered AS (
    UPDATE conversations c
    SET last_sequence = c.last_sequence + 2, updated_at = NOW()
    FROM users u
    WHERE c.user_id = u.id AND u.email = :'email' AND c.reference = :'reference'
    RETURNING c.id, c.user_id, c.last_sequence
)
INSERT INTO messages
    (conversation_id, user_id, role, content, sequence, status, committed_to_knowledge_base)
SELECT id, user_id, 'user', :'question', last_sequence - 1, 'complete', TRUE FROM numbered
UNION ALL
SELECT id, user_id, 'assistant', :'answer', last_sequence, 'complete', TRUE FROM numbered;
COMMIT;
`;

/** Appends a question and its answer to `email`'s journal of `reference` (created if missing). */
export function appendExchange({ email, reference, question, answer }) {
  const variables = { email, reference, question, answer };
  const args = [assistantDsn(), '--no-psqlrc', '-v', 'ON_ERROR_STOP=1'];
  for (const [name, value] of Object.entries(variables)) args.push('-v', `${name}=${value}`);
  const output = execFileSync('psql', [...args, '-f', '-'], { input: APPEND_EXCHANGE, encoding: 'utf8' });
  if (!/INSERT 0 2/.test(output)) {
    throw new Error(`no journal written for ${email} (does the user exist?): ${output}`);
  }
}

/** The day before `reference` (`YYYY/MM/DD`, calendar arithmetic in UTC). */
export function dayBefore(reference) {
  const [year, month, day] = reference.split('/').map(Number);
  const date = new Date(Date.UTC(year, month - 1, day - 1));
  const pad = (value) => String(value).padStart(2, '0');
  return `${date.getUTCFullYear()}/${pad(date.getUTCMonth() + 1)}/${pad(date.getUTCDate())}`;
}
