//! Members in CSV files: the exports of Ghost, Substack and Mailchimp read into members, and
//! ours written in Ghost's columns (so that any of them reads it back). Pure: bytes in, rows
//! out; the use case (`members::import_csv`) writes them.
//!
//! Consent is kept, never invented: a row becomes an active member only when its file says the
//! person is subscribed (Ghost's `subscribed_to_emails`, Substack's `email_disabled` being
//! false, Mailchimp's opt-in or confirmation time without an unsubscribe time); everyone else is
//! kept as pending, and nobody is e-mailed.

use jiff::Timestamp;
use masthead_core::account::normalize_email;

/// Whose export a file is, by its columns.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Shape {
    Ghost,
    Substack,
    Mailchimp,
    /// Only an e-mail column (and perhaps a name): nobody is taken to have consented.
    Plain,
}

impl std::fmt::Display for Shape {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Shape::Ghost => "Ghost",
            Shape::Substack => "Substack",
            Shape::Mailchimp => "Mailchimp",
            Shape::Plain => "plain",
        })
    }
}

/// One person read from a file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CsvMember {
    /// The line the row starts on (the header is line 1).
    pub line: u64,
    pub email: String,
    pub name: String,
    pub note: String,
    pub labels: Vec<String>,
    pub created_at: Option<Timestamp>,
    /// Whether the file says they are subscribed (consented to e-mail).
    pub subscribed: bool,
    /// When they consented, as far as the file says.
    pub consent_at: Option<Timestamp>,
}

/// Why a file was refused: where, and what to correct.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line}, column {column}: {message}")]
pub struct CsvRefusal {
    pub line: u64,
    pub column: String,
    pub message: String,
}

fn refusal(line: u64, column: &str, message: impl Into<String>) -> CsvRefusal {
    CsvRefusal { line, column: column.to_owned(), message: message.into() }
}

/// Where each column we read is in a file.
struct Columns {
    shape: Shape,
    headers: Vec<String>,
    email: usize,
    name: Option<usize>,
    first_name: Option<usize>,
    last_name: Option<usize>,
    note: Option<usize>,
    labels: Option<usize>,
    created: Option<usize>,
    subscribed: Option<usize>,
    email_disabled: Option<usize>,
    optin: Option<usize>,
    confirm: Option<usize>,
    unsub: Option<usize>,
}

impl Columns {
    fn find(headers: &csv::StringRecord) -> Result<Columns, CsvRefusal> {
        let names: Vec<String> =
            headers.iter().map(|h| h.trim().trim_start_matches('\u{feff}').to_lowercase()).collect();
        let at = |wanted: &[&str]| names.iter().position(|n| wanted.contains(&n.as_str()));
        let email = at(&["email", "email address", "e-mail", "e-mail address"]).ok_or_else(|| {
            refusal(1, "email", "no column of e-mail addresses (\"email\" or \"Email Address\")")
        })?;
        let shape = if at(&["subscribed_to_emails"]).is_some() {
            Shape::Ghost
        } else if at(&["email_disabled", "subscription_date", "active_subscription"]).is_some() {
            Shape::Substack
        } else if names[email] == "email address" || at(&["optin_time", "confirm_time"]).is_some() {
            Shape::Mailchimp
        } else {
            Shape::Plain
        };
        Ok(Columns {
            shape,
            email,
            name: at(&["name"]),
            first_name: at(&["first name", "first_name", "fname"]),
            last_name: at(&["last name", "last_name", "lname"]),
            note: at(&["note", "notes"]),
            labels: at(&["labels", "tags"]),
            created: at(&["created_at", "subscription_date", "created"]),
            subscribed: at(&["subscribed_to_emails"]),
            email_disabled: at(&["email_disabled"]),
            optin: at(&["optin_time"]),
            confirm: at(&["confirm_time"]),
            unsub: at(&["unsub_time"]),
            headers: headers.iter().map(|h| h.trim().trim_start_matches('\u{feff}').to_owned()).collect(),
        })
    }
}

/// Reads a members' CSV file whole, or refuses it at its first bad row.
pub fn read(bytes: &[u8]) -> Result<(Shape, Vec<CsvMember>), CsvRefusal> {
    let mut reader = csv::ReaderBuilder::new().flexible(true).from_reader(bytes);
    let headers =
        reader.headers().map_err(|e| refusal(1, "-", format!("the header cannot be read: {e}")))?.clone();
    let columns = Columns::find(&headers)?;
    let mut out = Vec::new();
    for record in reader.records() {
        let record = record.map_err(|e| {
            let line = e.position().map_or(0, |p| p.line());
            refusal(line, "-", format!("the row cannot be read: {e}"))
        })?;
        let line = record.position().map_or(0, |p| p.line());
        if record.iter().all(|v| v.trim().is_empty()) {
            continue;
        }
        out.push(row(&columns, &record, line)?);
    }
    Ok((columns.shape, out))
}

fn row(c: &Columns, record: &csv::StringRecord, line: u64) -> Result<CsvMember, CsvRefusal> {
    let get = |i: Option<usize>| i.and_then(|i| record.get(i)).map(str::trim).unwrap_or("");
    let header = |i: Option<usize>| i.map_or("-", |i| c.headers[i].as_str()).to_owned();
    let raw_email = get(Some(c.email));
    let email =
        normalize_email(raw_email).filter(|e| e.parse::<lettre::Address>().is_ok()).ok_or_else(|| {
            refusal(line, &c.headers[c.email], format!("{raw_email:?} is not an e-mail address"))
        })?;
    let time = |i: Option<usize>| -> Result<Option<Timestamp>, CsvRefusal> {
        let v = get(i);
        if v.is_empty() {
            return Ok(None);
        }
        parse_time(v)
            .map(Some)
            .ok_or_else(|| refusal(line, &header(i), format!("{v:?} is not a date and time")))
    };
    let flag = |i: Option<usize>| -> Result<bool, CsvRefusal> {
        match get(i).to_lowercase().as_str() {
            "true" | "yes" | "1" => Ok(true),
            "false" | "no" | "0" | "" => Ok(false),
            other => Err(refusal(line, &header(i), format!("{other:?} is neither true nor false"))),
        }
    };
    // Mailchimp has no date of joining: the opt-in time is the nearest.
    let created_at = match (time(c.created)?, c.shape) {
        (None, Shape::Mailchimp) => time(c.optin)?,
        (created, _) => created,
    };
    let (subscribed, consent_at) = match c.shape {
        Shape::Ghost => {
            let yes = flag(c.subscribed)?;
            (yes, created_at.filter(|_| yes))
        }
        Shape::Substack => {
            let yes = !flag(c.email_disabled)?;
            (yes, created_at.filter(|_| yes))
        }
        Shape::Mailchimp => {
            let (optin, confirm, unsub) = (time(c.optin)?, time(c.confirm)?, time(c.unsub)?);
            let consent = confirm.or(optin);
            let yes = unsub.is_none() && consent.is_some();
            (yes, consent.filter(|_| yes))
        }
        Shape::Plain => (false, None),
    };
    let name = match (get(c.name), get(c.first_name), get(c.last_name)) {
        ("", first, last) => format!("{first} {last}").trim().to_owned(),
        (name, ..) => unsafe_cell(name).to_owned(),
    };
    let labels = unsafe_cell(get(c.labels))
        .split(',')
        .map(|l| l.trim().trim_matches('"').trim().to_owned())
        .filter(|l| !l.is_empty())
        .collect();
    Ok(CsvMember {
        line,
        email,
        name,
        note: unsafe_cell(get(c.note)).to_owned(),
        labels,
        created_at,
        subscribed,
        consent_at,
    })
}

/// RFC 3339 ("2024-01-05T10:00:00.000Z"), or a date and time without a zone, taken as UTC
/// ("2024-01-05 10:00:00", Mailchimp's), or a date alone.
fn parse_time(v: &str) -> Option<Timestamp> {
    if let Ok(t) = v.parse::<Timestamp>() {
        return Some(t);
    }
    if let Ok(dt) = v.replacen(' ', "T", 1).parse::<jiff::civil::DateTime>() {
        return dt.to_zoned(jiff::tz::TimeZone::UTC).ok().map(|z| z.timestamp());
    }
    v.parse::<jiff::civil::Date>().ok()?.to_zoned(jiff::tz::TimeZone::UTC).ok().map(|z| z.timestamp())
}

/// A cell a spreadsheet will not take for a formula: text that begins with `=`, `+`, `-`, `@`,
/// a tab or a carriage return gets a `'` before it ([`read`] takes it off again).
pub fn safe_cell(text: &str) -> String {
    if text.starts_with(['=', '+', '-', '@', '\t', '\r']) { format!("'{text}") } else { text.to_owned() }
}

/// `text` without the `'` that [`safe_cell`] put before it.
fn unsafe_cell(text: &str) -> &str {
    match text.strip_prefix('\'') {
        Some(rest) if rest.starts_with(['=', '+', '-', '@', '\t', '\r']) => rest,
        _ => text,
    }
}

/// The header of our export: Ghost's columns first, then ours.
pub const EXPORT_HEADER: [&str; 10] = [
    "id",
    "email",
    "name",
    "note",
    "subscribed_to_emails",
    "labels",
    "created_at",
    "status",
    "newsletters",
    "consent_at",
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_in_each_exports_shape() {
        let t = |s: &str| parse_time(s).map(|t| t.to_string());
        assert_eq!(t("2024-01-05T10:00:00.000Z").as_deref(), Some("2024-01-05T10:00:00Z"));
        assert_eq!(t("2024-01-05 10:00:00").as_deref(), Some("2024-01-05T10:00:00Z"));
        assert_eq!(t("2024-01-05").as_deref(), Some("2024-01-05T00:00:00Z"));
        assert_eq!(t("yesterday"), None);
    }

    #[test]
    fn cells_a_spreadsheet_would_run_are_quoted_and_read_back_as_they_were() {
        assert_eq!(safe_cell("=HYPERLINK(\"http://x\")"), "'=HYPERLINK(\"http://x\")");
        assert_eq!(safe_cell("Ada"), "Ada");
        assert_eq!(safe_cell("'quoted"), "'quoted");
        let file = format!("email,name,note\na@example.org,{},'plain\n", safe_cell("-1+2"));
        let (_, rows) = read(file.as_bytes()).unwrap();
        assert_eq!((rows[0].name.as_str(), rows[0].note.as_str()), ("-1+2", "'plain"));
    }

    #[test]
    fn a_file_without_an_email_column_is_refused_at_its_header() {
        let e = read(b"name,note\nAna,x\n").unwrap_err();
        assert_eq!((e.line, e.column.as_str()), (1, "email"));
    }

    #[test]
    fn a_plain_list_gives_no_consent_and_blank_lines_are_skipped() {
        let (shape, rows) = read(b"email,name\n ANA@Example.org ,Ana\n\n,\nben@example.org,\n").unwrap();
        assert_eq!(shape, Shape::Plain);
        assert_eq!(
            rows.iter().map(|r| r.email.as_str()).collect::<Vec<_>>(),
            ["ana@example.org", "ben@example.org"]
        );
        assert!(rows.iter().all(|r| !r.subscribed && r.consent_at.is_none()));
        assert_eq!(rows[1].line, 5);
    }
}
