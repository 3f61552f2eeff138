// Date texts of the chat: journal references (`YYYY/MM/DD`) and 24-hour message times (`HH:mm`).

/** `HH:mm` (24 h, local time) of an ISO timestamp; empty when there is none or it is invalid. */
export function formatTime(iso: string | null): string {
  if (!iso) return '';
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return '';
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${pad(date.getHours())}:${pad(date.getMinutes())}`;
}

/** Whether `value` looks like a journal reference. */
export const isJournalReference = (value: string) => /^\d{4}\/\d{2}\/\d{2}$/.test(value);
