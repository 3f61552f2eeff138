// The list of the user's journals for the sidebar, with today's reference (the server's day in
// the user's time zone, never the browser's). Reloaded after each finished chat turn.
import { fetchJournals, fetchToday } from './journalApi';
import type { JournalEntry } from '../api/types';

/** Today's reference and the other journals, newest first. */
export class JournalList {
  today = $state<string | null>(null);
  entries = $state<JournalEntry[]>([]);
  error = $state<string | null>(null);

  /** The journals other than today, newest first. */
  get past(): JournalEntry[] {
    return this.entries.filter((entry) => entry.reference !== this.today);
  }

  /** Forgets everything (sign-out). */
  clear(): void {
    this.today = null;
    this.entries = [];
    this.error = null;
  }

  /** Loads today's entry (creating it) and the list; a failure keeps the last list. */
  async load(): Promise<void> {
    try {
      const [today, entries] = await Promise.all([fetchToday(), fetchJournals()]);
      this.today = today.reference;
      this.entries = entries;
      this.error = null;
    } catch {
      this.error = 'Could not load journals.';
    }
  }
}
