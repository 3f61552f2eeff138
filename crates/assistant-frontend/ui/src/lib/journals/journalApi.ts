// The journal endpoints the chat uses: today's entry (created on demand), the list of journals,
// one entry by reference, and pages of its messages (newest first from the server, returned
// here oldest first, ready to show).
import { get } from '../api/client';
import type { JournalEntry, JournalMessage } from '../api/types';

/** Messages fetched per page (the original's page size). */
export const PAGE_SIZE = 50;

/** Today's journal, created when it does not exist yet. */
export const fetchToday = () => get<JournalEntry>('/api/journal/today?create=true');

/** The user's journals, newest first. */
export const fetchJournals = () => get<JournalEntry[]>('/api/journal?limit=100');

/** One journal by reference (`YYYY/MM/DD`, slashes kept). */
export const fetchJournal = (reference: string) => get<JournalEntry>(`/api/journal/${reference}`);

/** Up to `PAGE_SIZE` messages before `cursor` (a sequence; none = the newest), oldest first. */
export async function fetchMessages(reference: string, cursor: number | null = null): Promise<JournalMessage[]> {
  const query = new URLSearchParams({ limit: String(PAGE_SIZE) });
  if (cursor !== null) query.set('cursor', String(cursor));
  const page = await get<JournalMessage[]>(`/api/journal/${reference}/messages?${query.toString()}`);
  return [...page].sort((a, b) => a.sequence - b.sequence);
}
