//! How `jobctl` prints what the API returned: aligned text for people, or one JSON object per
//! line (`--json`) for scripts. The JSON keys are the proto field names and states are the
//! proto enum names, so a script reads the same vocabulary as the contract. Printing never
//! decides anything; the commands do.

use std::io::{self, Write};

use exobrain_proto::job_orchestrator::{
    BatchStatus, BatchStatusEvent, DeadLetter, GetJobStatusReply, JobLifecycleState, JobStatusEvent,
};
use serde_json::{Value, json};

use super::args::State;

/// Writes command results to `out` as text or JSON lines.
#[derive(Debug)]
pub struct Printer<'w, W> {
    out: &'w mut W,
    json: bool,
}

impl<'w, W: Write> Printer<'w, W> {
    /// A printer for text, or for JSON lines when `json`.
    pub fn new(out: &'w mut W, json: bool) -> Self {
        Self { out, json }
    }

    /// A page of jobs, then the token of the next page when there is one.
    pub fn jobs(&mut self, jobs: &[GetJobStatusReply], next_page_token: &str) -> io::Result<()> {
        self.listing(&JOBS, jobs, next_page_token)
    }

    /// One job in full.
    pub fn job(&mut self, job: &GetJobStatusReply) -> io::Result<()> {
        if self.json {
            return self.line(&job_json(job));
        }
        let terminal = if job.terminal { " (terminal)" } else { "" };
        let fields = [
            ("job", job.job_id.clone()),
            ("type", job.job_type.clone()),
            ("state", format!("{}{terminal}", state_word(job.state))),
            ("attempt", job.attempt.to_string()),
            ("seq", job.seq.to_string()),
            ("created", job.created_at.clone()),
            ("updated", job.updated_at.clone()),
            ("detail", job.detail.clone()),
        ];
        for (name, value) in fields.iter().filter(|(_, value)| !value.is_empty()) {
            writeln!(self.out, "{name:<8} {value}")?;
        }
        Ok(())
    }

    /// One state change of a watched job, flushed at once.
    pub fn job_event(&mut self, event: &JobStatusEvent) -> io::Result<()> {
        if self.json {
            self.line(&event_json(event))?;
        } else {
            writeln!(self.out, "{}  {}", event.emitted_at, event_text(event))?;
        }
        self.out.flush()
    }

    /// A batch's progress and each of its jobs.
    pub fn batch(&mut self, batch: &BatchStatus) -> io::Result<()> {
        if self.json {
            let mut value = counts_json(batch);
            value["jobs"] = batch.jobs.iter().map(job_json).collect();
            return self.line(&value);
        }
        writeln!(self.out, "batch    {}", batch.batch_id)?;
        writeln!(self.out, "progress {}\n", counts_text(batch))?;
        self.jobs(&batch.jobs, "")
    }

    /// One progress change of a watched batch, flushed at once.
    pub fn batch_event(&mut self, event: &BatchStatusEvent) -> io::Result<()> {
        let status = event.status.clone().unwrap_or_default();
        if self.json {
            let job_event = event.job_event.as_ref().map_or(Value::Null, event_json);
            self.line(&json!({ "status": counts_json(&status), "job_event": job_event }))?;
        } else {
            let cause = event.job_event.as_ref().map_or(String::new(), |job| {
                format!("  [job {}  {}]", job.job_id, event_text(job))
            });
            writeln!(self.out, "{}{cause}", counts_text(&status))?;
        }
        self.out.flush()
    }

    /// A page of dead letters, then the token of the next page when there is one.
    pub fn dead_letters(
        &mut self,
        letters: &[DeadLetter],
        next_page_token: &str,
    ) -> io::Result<()> {
        self.listing(&DEAD_LETTERS, letters, next_page_token)
    }

    /// The job a replayed dead letter became.
    pub fn replayed(&mut self, dead_letter_id: &str, job_id: &str) -> io::Result<()> {
        if self.json {
            return self.line(&json!({ "dead_letter_id": dead_letter_id, "job_id": job_id }));
        }
        writeln!(
            self.out,
            "replayed dead letter {dead_letter_id} as job {job_id}"
        )
    }

    fn listing<T>(
        &mut self,
        kind: &Listing<T>,
        items: &[T],
        next_page_token: &str,
    ) -> io::Result<()> {
        if self.json {
            for item in items {
                self.line(&(kind.json)(item))?;
            }
        } else {
            let rows = items.iter().map(kind.row).collect();
            table(self.out, kind.header, rows, kind.empty)?;
        }
        match (next_page_token.is_empty(), self.json) {
            (true, _) => Ok(()),
            (false, true) => self.line(&json!({ "next_page_token": next_page_token })),
            (false, false) => writeln!(self.out, "next page: --page-token {next_page_token}"),
        }
    }

    fn line(&mut self, value: &Value) -> io::Result<()> {
        writeln!(self.out, "{value}")
    }
}

/// How one kind of record looks in a listing: a table row, or a JSON line.
struct Listing<T> {
    header: &'static [&'static str],
    row: fn(&T) -> Vec<String>,
    json: fn(&T) -> Value,
    /// Printed, in parentheses, instead of an empty table.
    empty: &'static str,
}

const JOBS: Listing<GetJobStatusReply> = Listing {
    header: &["JOB ID", "TYPE", "STATE", "ATTEMPT", "UPDATED", "DETAIL"],
    row: |job| {
        vec![
            job.job_id.clone(),
            job.job_type.clone(),
            state_word(job.state),
            job.attempt.to_string(),
            job.updated_at.clone(),
            job.detail.clone(),
        ]
    },
    json: job_json,
    empty: "no jobs",
};

const DEAD_LETTERS: Listing<DeadLetter> = Listing {
    header: &[
        "DEAD LETTER ID",
        "JOB ID",
        "TYPE",
        "REASON",
        "ATTEMPTS",
        "CREATED",
        "REPLAYED",
        "DETAIL",
    ],
    row: |letter| {
        vec![
            letter.id.clone(),
            or_dash(&letter.job_id),
            or_dash(&letter.job_type),
            letter.reason.clone(),
            letter.attempts.to_string(),
            letter.created_at.clone(),
            or_dash(&letter.replayed_at),
            letter.detail.clone(),
        ]
    },
    json: dead_letter_json,
    empty: "no dead letters",
};

/// The operator's word for a wire state (`failed` for FAILED_FINAL), or the number.
fn state_word(raw: i32) -> String {
    State::from_wire(raw).map_or_else(|| format!("unknown({raw})"), |s| s.word().to_owned())
}

/// The proto enum name of a wire state, or the number when this build does not know it.
fn state_json(raw: i32) -> Value {
    JobLifecycleState::try_from(raw).map_or(json!(raw), |state| json!(state.as_str_name()))
}

fn job_json(job: &GetJobStatusReply) -> Value {
    json!({
        "job_id": job.job_id,
        "job_type": job.job_type,
        "state": state_json(job.state),
        "attempt": job.attempt,
        "terminal": job.terminal,
        "seq": job.seq,
        "detail": job.detail,
        "created_at": job.created_at,
        "updated_at": job.updated_at,
    })
}

fn event_json(event: &JobStatusEvent) -> Value {
    json!({
        "job_id": event.job_id,
        "state": state_json(event.state),
        "attempt": event.attempt,
        "terminal": event.terminal,
        "seq": event.seq,
        "detail": event.detail,
        "emitted_at": event.emitted_at,
    })
}

/// `seq 2  started  attempt 1`, then the detail when there is one.
fn event_text(event: &JobStatusEvent) -> String {
    let text = format!(
        "seq {}  {}  attempt {}",
        event.seq,
        state_word(event.state),
        event.attempt
    );
    if event.detail.is_empty() {
        text
    } else {
        format!("{text}  {}", event.detail)
    }
}

fn counts_json(batch: &BatchStatus) -> Value {
    json!({
        "batch_id": batch.batch_id,
        "total": batch.total,
        "pending": batch.pending,
        "running": batch.running,
        "succeeded": batch.succeeded,
        "failed": batch.failed,
        "cancelled": batch.cancelled,
        "terminal": batch.terminal,
    })
}

fn counts_text(batch: &BatchStatus) -> String {
    let done = batch.succeeded + batch.failed + batch.cancelled;
    format!(
        "{done}/{} done: {} pending, {} running, {} succeeded, {} failed, {} cancelled{}",
        batch.total,
        batch.pending,
        batch.running,
        batch.succeeded,
        batch.failed,
        batch.cancelled,
        if batch.terminal { " (terminal)" } else { "" }
    )
}

fn dead_letter_json(letter: &DeadLetter) -> Value {
    json!({
        "id": letter.id,
        "job_id": letter.job_id,
        "job_type": letter.job_type,
        "user_id": letter.user_id,
        "reason": letter.reason,
        "detail": letter.detail,
        "attempts": letter.attempts,
        "created_at": letter.created_at,
        "replayed_at": letter.replayed_at,
    })
}

fn or_dash(text: &str) -> String {
    if text.is_empty() { "-" } else { text }.to_owned()
}

/// Left-aligned columns two spaces apart; the last column is not padded. `empty` is printed
/// instead when there are no rows.
fn table(
    out: &mut impl Write,
    header: &[&str],
    rows: Vec<Vec<String>>,
    empty: &str,
) -> io::Result<()> {
    if rows.is_empty() {
        return writeln!(out, "({empty})");
    }
    let header: Vec<String> = header.iter().map(|name| (*name).to_owned()).collect();
    let mut widths: Vec<usize> = header.iter().map(|name| name.chars().count()).collect();
    for row in &rows {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.chars().count());
        }
    }
    for row in std::iter::once(&header).chain(&rows) {
        let mut line = String::new();
        for (cell, width) in row.iter().zip(&widths) {
            line.push_str(&format!("{cell:<width$}  "));
        }
        writeln!(out, "{}", line.trim_end())?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_align_columns_and_say_when_they_are_empty() {
        let mut out = Vec::new();
        let rows = vec![
            vec!["a".to_owned(), "long value".to_owned(), "x".to_owned()],
            vec!["bbb".to_owned(), "v".to_owned(), String::new()],
        ];
        table(&mut out, &["ID", "VALUE", "NOTE"], rows, "none").expect("write");
        assert_eq!(
            String::from_utf8(out).expect("utf-8"),
            "ID   VALUE       NOTE\na    long value  x\nbbb  v\n"
        );
        let mut out = Vec::new();
        table(&mut out, &["ID"], Vec::new(), "no jobs").expect("write");
        assert_eq!(out, b"(no jobs)\n");
    }

    #[test]
    fn unknown_wire_states_print_as_numbers_instead_of_failing() {
        assert_eq!(state_word(42), "unknown(42)");
        assert_eq!(state_json(42), json!(42));
        assert_eq!(state_json(4), json!("FAILED_FINAL"));
    }
}
