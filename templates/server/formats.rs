//! The `format`s a request value is checked against, each by its grammar: dates and times
//! (RFC 3339, read with chrono), durations (ISO 8601), UUIDs (the uuid crate), email
//! addresses (RFC 5321), hostnames (RFC 1123), IP addresses (std), URIs and URI references
//! (RFC 3986, the iri-string crate), base64 text, and the ranges of number formats. A
//! format not named here is an annotation and checks nothing ([`Format::None`]).
//!
//! Where a grammar leaves a choice, the choice made (and tested in the templates crate):
//!
//! - `date-time` and `time`: RFC 3339's ABNF, so `T` (or `t`) between date and time, never
//!   a space; an offset is required (`Z`, `z` or `±HH:MM`); a leap second (`:60`) only where
//!   the time is 23:59 in UTC.
//! - `duration`: ISO 8601 as RFC 3339's appendix writes it (`P1Y2M3DT4H5M6S`, `P2W`), and
//!   as ISO 8601 also allows: components skipped (`P1Y1D`, `PT1H1S`) and a decimal fraction
//!   on the last one (`PT0.5S`). No sign, and weeks stand alone.
//! - `uuid`: the hyphenated form only (`8-4-4-4-12` hex digits, either case), not the
//!   braced, URN or bare forms the uuid crate also reads.
//! - `email`: RFC 5321's `Mailbox`: a dot-atom or quoted local part (at most 64 octets),
//!   then a hostname or an address literal (`[192.0.2.1]`, `[IPv6:2001:db8::1]`); ASCII
//!   only (non-ASCII addresses are `idn-email`), at most 254 characters.
//! - `hostname`: RFC 1123: dot-separated labels of 1 to 63 letters, digits and hyphens, not
//!   starting or ending with a hyphen, at most 253 characters, no trailing dot.
//! - `ipv4`: dotted decimal, no leading zeros; `ipv6`: RFC 4291's text forms (compressed,
//!   with an embedded IPv4 address), no zone (`%eth0`) and no brackets.
//! - `uri` has a scheme (`https://example.com`, `urn:isbn:0451450523`); `uri-reference` may
//!   also be relative (`/a?b`, `../c`, `#top`, the empty string). ASCII only (non-ASCII is
//!   an IRI), percent-encoding well formed.
//! - `byte`: standard base64 with padding.
//! - `float`: a finite number within `f32`'s range (precision may be lost); `double`: a
//!   finite number (any JSON number serde reads).

use ::std::net::{Ipv4Addr, Ipv6Addr};

/// A `format` that is checked; [`Format::None`] for none, or one that is only an annotation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    None,
    Int32,
    Int64,
    /// A number within `f32`'s range.
    Float,
    /// A finite number.
    Double,
    Date,
    DateTime,
    Time,
    Duration,
    Uuid,
    Email,
    Hostname,
    Ipv4,
    Ipv6,
    Uri,
    UriReference,
    /// Base64 text.
    Byte,
}

/// Every format, for tests and tools that go through them all.
pub const ALL: [Format; 17] = [
    Format::None,
    Format::Int32,
    Format::Int64,
    Format::Float,
    Format::Double,
    Format::Date,
    Format::DateTime,
    Format::Time,
    Format::Duration,
    Format::Uuid,
    Format::Email,
    Format::Hostname,
    Format::Ipv4,
    Format::Ipv6,
    Format::Uri,
    Format::UriReference,
    Format::Byte,
];

impl Format {
    /// The format as a spec writes it (`date-time`); `""` for [`Format::None`].
    pub fn keyword(self) -> &'static str {
        match self {
            Format::None => "",
            Format::Int32 => "int32",
            Format::Int64 => "int64",
            Format::Float => "float",
            Format::Double => "double",
            Format::Date => "date",
            Format::DateTime => "date-time",
            Format::Time => "time",
            Format::Duration => "duration",
            Format::Uuid => "uuid",
            Format::Email => "email",
            Format::Hostname => "hostname",
            Format::Ipv4 => "ipv4",
            Format::Ipv6 => "ipv6",
            Format::Uri => "uri",
            Format::UriReference => "uri-reference",
            Format::Byte => "byte",
        }
    }

    /// Whether the format constrains strings (rather than numbers, or nothing).
    pub fn is_text(self) -> bool {
        !matches!(self, Format::None | Format::Int32 | Format::Int64 | Format::Float | Format::Double)
    }

    /// The lengths, in characters, a text of the format can have: the shortest and the
    /// longest (`None`: no limit). `(0, None)` for formats that are not text.
    pub fn lengths(self) -> (usize, Option<usize>) {
        match self {
            Format::Date => (10, Some(10)),
            Format::DateTime => (20, None),
            Format::Time => (9, None),
            Format::Duration => (3, None),
            Format::Uuid => (36, Some(36)),
            Format::Email => (3, Some(MAX_EMAIL)),
            Format::Hostname => (1, Some(MAX_HOSTNAME)),
            Format::Ipv4 => (7, Some(15)),
            Format::Ipv6 => (2, Some(45)),
            Format::Uri => (2, None),
            _ => (0, None),
        }
    }

    /// What a text that breaks the format must be, as a refusal says it after "must be":
    /// the format's keyword, the grammar, an example; `""` for formats that are not text.
    pub fn expected(self) -> &'static str {
        match self {
            Format::Date => "a date (YYYY-MM-DD)",
            Format::DateTime => "a date-time (RFC 3339, such as 2024-03-01T12:34:56Z)",
            Format::Time => "a time (RFC 3339, such as 12:34:56Z)",
            Format::Duration => "a duration (ISO 8601, such as P3DT4H)",
            Format::Uuid => "a uuid (hex digits as 8-4-4-4-12)",
            Format::Email => "an email address (RFC 5321, such as name@example.com)",
            Format::Hostname => "a hostname (RFC 1123, such as api.example.com)",
            Format::Ipv4 => "an ipv4 address (such as 192.0.2.1)",
            Format::Ipv6 => "an ipv6 address (such as 2001:db8::1)",
            Format::Uri => "a uri (RFC 3986, with a scheme, such as https://example.com/a)",
            Format::UriReference => "a uri-reference (RFC 3986, such as /a?b or https://example.com/a)",
            Format::Byte => "base64 text (format byte)",
            Format::Float | Format::Double | Format::Int32 | Format::Int64 | Format::None => "",
        }
    }

    /// The range a number of the format must fit in, as a refusal says it after "must fit
    /// in" (`a 32-bit float`); `""` for formats that are not numbers.
    pub fn range(self) -> &'static str {
        match self {
            Format::Int32 => "a signed 32-bit integer",
            Format::Int64 => "a signed 64-bit integer",
            Format::Float => "a 32-bit float",
            Format::Double => "a 64-bit float",
            _ => "",
        }
    }

    /// Whether `text` is written in this format; true for formats that are not text.
    pub fn accepts(self, text: &str) -> bool {
        match self {
            Format::Date => is_date(text),
            Format::DateTime => is_date_time(text),
            Format::Time => is_time(text),
            Format::Duration => is_duration(text),
            Format::Uuid => text.len() == 36 && ::uuid::Uuid::parse_str(text).is_ok(),
            Format::Email => is_email(text),
            Format::Hostname => is_hostname(text),
            Format::Ipv4 => text.parse::<Ipv4Addr>().is_ok(),
            Format::Ipv6 => text.parse::<Ipv6Addr>().is_ok(),
            Format::Uri => ::iri_string::validate::iri::<::iri_string::spec::UriSpec>(text).is_ok(),
            Format::UriReference => {
                ::iri_string::validate::iri_reference::<::iri_string::spec::UriSpec>(text).is_ok()
            }
            Format::Byte => {
                use ::base64::Engine as _;
                ::base64::engine::general_purpose::STANDARD.decode(text).is_ok()
            }
            Format::None | Format::Int32 | Format::Int64 | Format::Float | Format::Double => true,
        }
    }

    /// Whether the number `value` is within the format's range; true for formats that are
    /// not numbers (integers are checked as JSON integers by the schema check).
    pub fn admits(self, value: f64) -> bool {
        match self {
            Format::Float => value.is_finite() && value.abs() <= f64::from(f32::MAX),
            Format::Double => value.is_finite(),
            _ => true,
        }
    }
}

/// The longest email address: RFC 5321's 256-octet path less its angle brackets.
const MAX_EMAIL: usize = 254;
/// The longest local part of an email address (RFC 5321, 4.5.3.1.1).
const MAX_LOCAL_PART: usize = 64;
/// The longest hostname: 255 octets on the wire (RFC 1035) are 253 characters of text.
const MAX_HOSTNAME: usize = 253;
/// The longest label of a hostname.
const MAX_LABEL: usize = 63;

// ---------------------------------------------------------------------------------------
// Dates and times

/// Whether `text` has `shape`'s length and, byte by byte, a digit where `shape` has `d` and
/// `shape`'s byte elsewhere.
fn shaped(text: &str, shape: &[u8]) -> bool {
    text.len() == shape.len()
        && text.bytes().zip(shape).all(|(byte, want)| if *want == b'd' { byte.is_ascii_digit() } else { byte == *want })
}

/// `full-date`: four-digit year, two-digit month and day, a day the month has.
fn is_date(text: &str) -> bool {
    shaped(text, b"dddd-dd-dd") && ::chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d").is_ok()
}

/// `full-date "T" full-time`, a time that exists (chrono checks the ranges).
fn is_date_time(text: &str) -> bool {
    let (Some(date), Some(separator), Some(time)) = (text.get(..10), text.get(10..11), text.get(11..)) else {
        return false;
    };
    is_date(date) && matches!(separator, "T" | "t") && is_full_time_shape(time) && leap_second_fits(text)
}

/// `full-time`: `HH:MM:SS`, an optional fraction, an offset; checked with a date so chrono
/// can place a leap second.
fn is_time(text: &str) -> bool {
    is_full_time_shape(text) && leap_second_fits(&format!("2000-01-01T{text}"))
}

/// The characters of `partial-time time-offset`, before their values are checked.
fn is_full_time_shape(text: &str) -> bool {
    if !text.get(..8).is_some_and(|time| shaped(time, b"dd:dd:dd")) {
        return false;
    }
    let mut rest = &text[8..];
    if let Some(fraction) = rest.strip_prefix('.') {
        let digits = fraction.len() - fraction.trim_start_matches(|c: char| c.is_ascii_digit()).len();
        if digits == 0 {
            return false;
        }
        rest = &fraction[digits..];
    }
    matches!(rest, "Z" | "z") || rest.strip_prefix(['+', '-']).is_some_and(|offset| shaped(offset, b"dd:dd"))
}

/// Whether chrono reads the RFC 3339 date-time `text` (hours, minutes, seconds and offset
/// in range), with a second of 60 only at 23:59 UTC.
fn leap_second_fits(text: &str) -> bool {
    use ::chrono::Timelike as _;
    let Ok(parsed) = ::chrono::DateTime::parse_from_rfc3339(text) else { return false };
    let utc = parsed.naive_utc();
    text.get(17..19) != Some("60") || (utc.hour() == 23 && utc.minute() == 59)
}

/// ISO 8601 durations (see the module docs).
fn is_duration(text: &str) -> bool {
    let Some(body) = text.strip_prefix('P') else { return false };
    if let Some(weeks) = body.strip_suffix('W') {
        return is_decimal(weeks);
    }
    let (date, time) = match body.split_once('T') {
        Some((date, time)) => (date, Some(time)),
        None => (body, None),
    };
    let Some(mut fractions) = duration_components(date, "YMD") else { return false };
    match time.map(|time| duration_components(time, "HMS")) {
        None => {}
        Some(Some(time)) if !time.is_empty() => fractions.extend(time),
        Some(_) => return false,
    }
    // At least one component; only the last may have a fraction.
    fractions.split_last().is_some_and(|(_, before)| !before.contains(&true))
}

/// The components of one part of a duration (`1Y2M`), each a number and a unit of `units`
/// in order: for each, whether its number has a fraction. `None` when the part is not so.
fn duration_components(part: &str, units: &str) -> Option<Vec<bool>> {
    let mut fractions = Vec::new();
    let (mut rest, mut next_unit) = (part, 0);
    while !rest.is_empty() {
        let end = rest.find(|c: char| !(c.is_ascii_digit() || c == '.' || c == ','))?;
        let (number, tail) = rest.split_at(end);
        let unit = tail.chars().next()?;
        next_unit += units.get(next_unit..)?.find(unit)? + 1;
        if !is_decimal(number) {
            return None;
        }
        fractions.push(number.contains(['.', ',']));
        rest = &tail[unit.len_utf8()..];
    }
    Some(fractions)
}

/// Digits, with an optional fraction after `.` or `,`.
fn is_decimal(text: &str) -> bool {
    let digits = |part: &str| !part.is_empty() && part.bytes().all(|byte| byte.is_ascii_digit());
    match text.split_once(['.', ',']) {
        Some((whole, fraction)) => digits(whole) && digits(fraction),
        None => digits(text),
    }
}

// ---------------------------------------------------------------------------------------
// Names and addresses

/// RFC 1123 hostnames (see the module docs).
fn is_hostname(text: &str) -> bool {
    !text.is_empty() && text.len() <= MAX_HOSTNAME && text.split('.').all(is_label)
}

fn is_label(label: &str) -> bool {
    let bytes = label.as_bytes();
    (1..=MAX_LABEL).contains(&bytes.len())
        && bytes.iter().all(|byte| byte.is_ascii_alphanumeric() || *byte == b'-')
        && bytes.first() != Some(&b'-')
        && bytes.last() != Some(&b'-')
}

/// RFC 5321 `Mailbox` (see the module docs).
fn is_email(text: &str) -> bool {
    // An address literal holds no `[`, so the last one opens it; else the domain holds no `@`.
    let split = if text.ends_with(']') {
        text.rfind('[').and_then(|open| Some((text[..open].strip_suffix('@')?, &text[open..])))
    } else {
        text.rsplit_once('@')
    };
    let Some((local, domain)) = split else { return false };
    text.len() <= MAX_EMAIL && is_local_part(local) && (is_hostname(domain) || is_address_literal(domain))
}

/// `Dot-string / Quoted-string`, at most 64 octets.
fn is_local_part(local: &str) -> bool {
    if local.is_empty() || local.len() > MAX_LOCAL_PART {
        return false;
    }
    match local.strip_prefix('"').and_then(|quoted| quoted.strip_suffix('"')) {
        Some(quoted) => is_quoted_content(quoted),
        None => local.split('.').all(|atom| !atom.is_empty() && atom.bytes().all(is_atext)),
    }
}

fn is_atext(byte: u8) -> bool {
    byte.is_ascii_alphanumeric() || b"!#$%&'*+-/=?^_`{|}~".contains(&byte)
}

/// `*QcontentSMTP`: printable ASCII and spaces, `"` and `\` only escaped by `\`.
fn is_quoted_content(quoted: &str) -> bool {
    let mut bytes = quoted.bytes();
    while let Some(byte) = bytes.next() {
        let fine = match byte {
            b'\\' => bytes.next().is_some_and(|escaped| (32..=126).contains(&escaped)),
            b'"' => false,
            other => (32..=126).contains(&other),
        };
        if !fine {
            return false;
        }
    }
    true
}

/// `"[" (IPv4 / "IPv6:" IPv6 / tag ":" content) "]"`.
fn is_address_literal(domain: &str) -> bool {
    let Some(inner) = domain.strip_prefix('[').and_then(|rest| rest.strip_suffix(']')) else { return false };
    if let Some(address) = inner.strip_prefix("IPv6:") {
        return address.parse::<Ipv6Addr>().is_ok();
    }
    if inner.parse::<Ipv4Addr>().is_ok() {
        return true;
    }
    // `General-address-literal`: a standardized tag (an `Ldh-str`), `:`, printable ASCII
    // but `[`, `\` and `]`.
    let Some((tag, content)) = inner.split_once(':') else { return false };
    is_label(tag)
        && !content.is_empty()
        && content.bytes().all(|byte| (33..=126).contains(&byte) && !matches!(byte, b'[' | b'\\' | b']'))
}
