// How the explorer and the operations view print times: `YYYY/MM/DD HH:mm` in local time (as the
// original), `—` when there is none.

const pad = (n: number) => String(n).padStart(2, '0');

/** `2026/12/07 09:05` in the reader's time zone; `—` for a missing or unreadable time. */
export function formatDateTime(value: string | null | undefined): string {
  if (!value) return '—';
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) return '—';
  return `${date.getFullYear()}/${pad(date.getMonth() + 1)}/${pad(date.getDate())} ${pad(date.getHours())}:${pad(date.getMinutes())}`;
}
