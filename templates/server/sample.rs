//! JSON values generated from the static schemas of `schema.rs`, for round-trip tests and
//! mock responses: [`Sampler::value_with`] builds a value for a [`Schema`] in a [`Shape`]
//! (minimal, maximal or random), deterministically from a seed. Every value returned passes
//! [`schema::is_valid`] for its schema (the sampler checks before returning); what cannot be
//! satisfied is an [`Unsatisfiable`] naming where (a JSON pointer into the value) and why.
//!
//! Decisions a caller relies on:
//!
//! - **Determinism.** The same seed, schema and shape give the same value on every machine
//!   and with every version of every dependency: the random numbers come from splitmix64,
//!   written here, not from a crate whose algorithm may change in an update, and nothing
//!   depends on hash-map order. The one exception is `pattern` strings: they follow the
//!   regex parse tree of `regex-syntax` (the parser behind `regex`, already built for the
//!   validator), so an update of that crate that reshapes its tree may change them.
//! - **Dates and times** are spelled as chrono writes them, so a value decoded into
//!   `NaiveDate` / `DateTime<FixedOffset>` and encoded again is the same string: dates
//!   `YYYY-MM-DD`, years 0001 to 9999; date-times `2024-03-01T12:34:56Z` (chrono writes a zero
//!   offset as `Z`, never `+00:00`), other offsets `+05:30` (whole minutes), fractional
//!   seconds absent or with 3, 6 or 9 digits, the fewest that are exact (chrono's `AutoSi`).
//!   UUIDs are lower-case and hyphenated; `byte` is standard base64 with padding; `time` is
//!   a date-time's time of day (`12:34:56.789-04:45`).
//! - **Other formats** follow their grammar (`server/formats.rs`) in its most widely read
//!   forms, aiming at a length the bounds allow: durations as RFC 3339's appendix writes them
//!   (`P1Y2M`, `PT36H`, `P4W`; no fractions), emails `local@host` (dot-atoms, quoted now
//!   and then), hostnames whose last label is letters (no URL parser reads them as IPv4),
//!   dotted-decimal IPv4, IPv6 compressed or not (an IPv4 tail now and then), URIs
//!   `https://host/path?query#fragment` or `scheme:path`, URI references also relative.
//!   With the alphanumeric alphabet, emails, URIs and references keep to letters, digits and
//!   the characters their grammar needs (`@ . - : / ? #`).
//! - **Numbers.** `integer`s are JSON integers within the format's range (`int32`, else
//!   `i64`). `number`s are always JSON floats (`2.0`, never `2`), on a grid of quarters where
//!   the bounds allow (`1.25`, `-3.5`), so they print the same in f64, f32 and most
//!   languages; multiples of a fractional `multipleOf` are rounded to its decimals (`0.3`,
//!   not `0.30000000000000004`). A harness comparing decoded-and-encoded values should
//!   compare numbers by value (an enum literal `2` of a `number` schema comes back `2.0`).
//! - **Absent vs null.** Null appears only where a schema is `nullable`; a free-form
//!   (`Kind::Any`) value is never null otherwise, since `Option<Value>` turns null into
//!   absent. Objects never get properties the schema does not declare unless
//!   `additionalProperties` gives them a schema or `minProperties` needs more than it
//!   declares (a struct would drop them). Object keys come in declaration order, but a
//!   harness should compare objects as maps: a Rust struct encodes in its field order.
//! - **Best effort below the root.** An optional property, an item beyond `minItems` or a
//!   nullable value that cannot be generated is left out (or null) rather than failing the
//!   whole value; only what is required is reported as [`Unsatisfiable`].
//!
//! Shapes: [`Shape::Minimal`] has only required properties, arrays of `minItems`, the lowest
//! numbers, the shortest strings, the alternative with the smallest value, and null for
//! nullable structures (objects, arrays, alternatives, free-form values); [`Shape::Maximal`] has every optional
//! property, longer arrays and strings (non-ASCII and emoji included), the highest numbers,
//! and null for nullable scalars; [`Shape::Random`] mixes them, with boundary values now and
//! then. So each nullable schema is null in one of the fixed shapes and not in the other.
//!
//! Recursion is bounded: from nesting depth 8 (or after 2,000 values) a value is built
//! as small as possible (required properties, `minItems`, null where allowed, the
//! alternative with the shallowest smallest value), and a schema whose every value would be
//! deeper than 64 levels, or larger than 20,000 values, is refused.
//!
//! Patterns: a string for `pattern` is built by walking the pattern's parse tree (literals,
//! classes, repetitions, alternations, groups; anchors and word boundaries are left to the
//! final check against the pattern itself), aiming at a length the length bounds allow.
//! Look-around and backreferences are not supported by `regex`, so the validator does not
//! check such patterns and neither does the sampler.

use ::std::collections::{HashMap, HashSet};
use ::std::fmt;
use ::std::sync::Arc;

use ::regex_syntax::hir::{Class, ClassUnicode, ClassUnicodeRange, Hir, HirKind, Repetition};
use ::serde_json::{Map, Number, Value};

use super::schema::{self, Additional, At, Format, Kind, Literal, Property, Schema};
use super::validate::{Pattern, Violations};

/// Value nesting from which values are built as small as possible.
const SOFT_DEPTH: usize = 8;
/// Values generated in one call after which the rest are built as small as possible.
const SOFT_SIZE: usize = 2_000;
/// Values generated in one call after which generation gives up.
const MAX_SIZE: usize = 20_000;
/// Schema steps (references, properties, items, alternatives) a value may go through; the
/// validator refuses nesting beyond 128.
const MAX_STEPS: usize = 64;
/// Items beyond `minItems` an array gets at most (and `Maximal` arrays get, when allowed).
const MAX_ITEMS: usize = 4;
/// The longest `minLength` the sampler builds.
const MAX_LENGTH: usize = 100_000;
/// Characters a `Maximal` string without `maxLength` gets.
const MAX_TEXT: usize = 40;
/// Candidates tried for one string, number or item before giving up.
const ATTEMPTS: usize = 12;
/// Candidates tried for a string with a pattern (more: a format may also have to hold).
const PATTERN_ATTEMPTS: usize = 24;
/// Candidates tried for an item of a `uniqueItems` array.
const UNIQUE_ATTEMPTS: usize = 64;
/// Splits of a length over the parts of a sequence tried before giving up.
const SPLITS: usize = 8;
/// Steps one walk of a pattern's parse tree may take.
const PATTERN_STEPS: usize = 100_000;
/// The span of numbers drawn where a bound is missing (2^20: exact in f32 in quarters).
const NUMBER_SPAN: f64 = 1_048_576.0;
/// The widest number sampled for `format: float`: f32's range, rounded to print short.
const FLOAT_LIMIT: f64 = 3.4e38;
/// The cost of a schema with no finite value.
const NO_WAY_OUT: u32 = u32::MAX;

const ALPHANUMERIC: &[u8] = b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
const NON_ASCII: &[char] = &[
    'é', 'ü', 'ß', 'ñ', 'ç', 'ø', 'å', 'ł', 'ž', 'Ω', 'λ', 'π', 'ж', 'щ', 'я', '中', '文', '字', '日', '本', '한', 'ع',
];
const EMOJI: &[char] = &['🦀', '😀', '🎉', '🚀', '👍', '🌍'];
const PUNCTUATION: &[u8] = b"-_./:,;!?&=+%#@'\"()[]{}~*$|\\<>^`";
/// The characters of an email's local part beside letters, digits and `.` (RFC 5321 `atext`).
const ATEXT: &[u8] = b"!#$%&'*+-/=?^_`{|}~";
/// The longest local part of an email address (RFC 5321).
const MAX_LOCAL_PART: usize = 64;
/// The longest label of a hostname.
const MAX_LABEL: usize = 63;

/// What a generated value looks like.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    /// Only required properties, `minItems` items, the lowest numbers, the shortest
    /// strings (empty where allowed), the smallest alternative, null for nullable
    /// structures (not for scalars).
    Minimal,
    /// Every optional property, more items, the highest numbers, long strings with non-ASCII
    /// letters and emoji, null for nullable scalars.
    Maximal,
    /// Random choices, boundary values among them.
    Random,
}

impl Shape {
    /// The shape of the `variant`th value of a schema: 0 minimal, 1 maximal, then random.
    pub fn of_variant(variant: u64) -> Shape {
        match variant {
            0 => Shape::Minimal,
            1 => Shape::Maximal,
            _ => Shape::Random,
        }
    }
}

/// The characters of strings that no `format` or `pattern` constrains.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Alphabet {
    /// ASCII letters and digits, non-ASCII letters, emoji and punctuation (`/`, `%`, `&`,
    /// quotes, inner spaces): exercises escaping and percent-encoding.
    Unicode,
    /// ASCII letters and digits only: safe in headers, path segments and delimited
    /// parameters. Pattern classes prefer them too, free-form values are scalars whose text
    /// reads back as the same JSON (strings start with a letter), and plain strings are not
    /// empty where the schema allows, as parameters carry them.
    Alphanumeric,
}

/// Why no value could be generated: where (a JSON pointer into the value, `""` for the
/// value itself) and what stands in the way.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unsatisfiable {
    pub at: String,
    pub reason: String,
}

impl fmt::Display for Unsatisfiable {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.at.is_empty() {
            write!(f, "the value cannot be generated: {}", self.reason)
        } else {
            write!(f, "`{}` cannot be generated: {}", self.at, self.reason)
        }
    }
}

impl ::std::error::Error for Unsatisfiable {}

/// splitmix64 (Steele, Lea and Flood, "Fast splittable pseudorandom number generators",
/// 2014): tiny, fast, statistically fine for test data, and fixed here forever.
#[derive(Debug, Clone)]
struct SplitMix64 {
    state: u64,
}

impl SplitMix64 {
    fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `0..bound` (0 when `bound` is 0), by multiply-shift.
    fn below(&mut self, bound: u64) -> u64 {
        ((u128::from(self.next_u64()) * u128::from(bound)) >> 64) as u64
    }

    fn index(&mut self, len: usize) -> usize {
        self.below(len as u64) as usize
    }

    /// Uniform in `low..=high`; `low` when `high <= low`.
    fn between(&mut self, low: usize, high: usize) -> usize {
        if high <= low {
            return low;
        }
        low + self.below(((high - low) as u64).saturating_add(1)) as usize
    }

    /// Uniform in `low..=high` for wide ranges (the whole of i64 included).
    fn between_wide(&mut self, low: i128, high: i128) -> i128 {
        if high <= low {
            return low;
        }
        let span = (high - low) as u128 + 1;
        let draw = (u128::from(self.next_u64()) << 64) | u128::from(self.next_u64());
        low + (draw % span) as i128
    }

    /// True once in `times`.
    fn one_in(&mut self, times: u64) -> bool {
        self.below(times) == 0
    }

    fn shuffle<T>(&mut self, items: &mut [T]) {
        for last in (1..items.len()).rev() {
            let other = self.index(last + 1);
            items.swap(last, other);
        }
    }
}

/// Generates values for schemas; deterministic from its seed (see the module docs).
#[derive(Debug)]
pub struct Sampler {
    rng: SplitMix64,
    alphabet: Alphabet,
    /// Parse trees of patterns, by source; `None` when `regex-syntax` cannot parse one.
    patterns: HashMap<&'static str, Option<Arc<Hir>>>,
    /// The fewest schema steps a value of a schema needs (by address), [`NO_WAY_OUT`] when
    /// every value would be infinitely deep.
    costs: HashMap<usize, u32>,
    // The state of one call.
    shape: Shape,
    path: Vec<String>,
    nodes: usize,
}

impl Sampler {
    pub fn new(seed: u64) -> Self {
        Sampler {
            rng: SplitMix64 { state: seed },
            alphabet: Alphabet::Unicode,
            patterns: HashMap::new(),
            costs: HashMap::new(),
            shape: Shape::Random,
            path: Vec::new(),
            nodes: 0,
        }
    }

    /// The same sampler with another alphabet for unconstrained strings.
    pub fn with_alphabet(mut self, alphabet: Alphabet) -> Self {
        self.alphabet = alphabet;
        self
    }

    /// Starts over from `seed`, keeping what was learnt about schemas and patterns:
    /// `reseed(s)` then `value_with` gives what a fresh `Sampler::new(s)` would.
    pub fn reseed(&mut self, seed: u64) {
        self.rng = SplitMix64 { state: seed };
    }

    /// A random value that satisfies `schema` (`value_with(schema, Shape::Random)`).
    pub fn value(&mut self, schema: &'static Schema) -> Result<Value, Unsatisfiable> {
        self.value_with(schema, Shape::Random)
    }

    /// A value of `shape` that satisfies `schema`, or why none can be made.
    pub fn value_with(&mut self, schema: &'static Schema, shape: Shape) -> Result<Value, Unsatisfiable> {
        self.shape = shape;
        self.path.clear();
        self.nodes = 0;
        let value = self.generate(schema, 0, 0)?;
        let mut violations = Violations::new();
        schema::check(schema, &value, &At::Root(""), &mut violations);
        match violations.as_slice().first() {
            None => Ok(value),
            Some(violation) => Err(Unsatisfiable {
                at: violation.at.clone(),
                reason: format!(
                    "the value generated breaks the schema ({}); this is a bug in the sampler",
                    violation.message
                ),
            }),
        }
    }

    // -----------------------------------------------------------------------------------
    // The walk

    fn refuse<T>(&self, reason: impl Into<String>) -> Result<T, Unsatisfiable> {
        Err(Unsatisfiable { at: self.pointer(), reason: reason.into() })
    }

    fn pointer(&self) -> String {
        self.path.iter().map(|segment| format!("/{segment}")).collect()
    }

    /// Runs `step` with `segment` appended to the path.
    fn inside<T>(&mut self, segment: &str, step: impl FnOnce(&mut Self) -> T) -> T {
        self.path.push(segment.replace('~', "~0").replace('/', "~1"));
        let result = step(self);
        self.path.pop();
        result
    }

    /// Runs `step` in another shape (retries want fresh random choices).
    fn shaped<T>(&mut self, shape: Shape, step: impl FnOnce(&mut Self) -> T) -> T {
        let saved = ::std::mem::replace(&mut self.shape, shape);
        let result = step(self);
        self.shape = saved;
        result
    }

    /// A value for `schema`, `steps` schema steps and `level` values deep.
    fn generate(&mut self, schema: &'static Schema, steps: usize, level: usize) -> Result<Value, Unsatisfiable> {
        self.nodes += 1;
        if self.nodes > MAX_SIZE {
            return self.refuse(format!("the value would hold more than {MAX_SIZE} values"));
        }
        let cost = self.cost(schema);
        if cost == NO_WAY_OUT {
            return self.refuse("the schema requires itself: every value would be infinitely deep");
        }
        if steps + cost as usize > MAX_STEPS {
            return self.refuse(format!("the value would be nested deeper than {MAX_STEPS} levels"));
        }
        let lean = level >= SOFT_DEPTH || self.nodes >= SOFT_SIZE;
        if schema.nullable && self.prefers_null(schema, lean) {
            return Ok(Value::Null);
        }
        match self.non_null(schema, steps, level, lean) {
            Err(_) if schema.nullable => Ok(Value::Null),
            other => other,
        }
    }

    fn prefers_null(&mut self, schema: &Schema, lean: bool) -> bool {
        if lean {
            return true;
        }
        // Between them, the two fixed shapes give every nullable schema once as null and once
        // not: a null structure is the smallest value, a null scalar is the edge a maximal
        // value lacks.
        match self.shape {
            Shape::Minimal => !is_scalar(schema),
            Shape::Maximal => is_scalar(schema),
            Shape::Random => self.rng.one_in(4),
        }
    }

    fn non_null(
        &mut self,
        schema: &'static Schema,
        steps: usize,
        level: usize,
        lean: bool,
    ) -> Result<Value, Unsatisfiable> {
        match schema.kind {
            // The validator ignores the rules of a reference itself, as the generator emits none.
            Kind::Ref(inner) => self.generate(inner, steps + 1, level),
            _ if !schema.enumeration.is_empty() => self.literal(schema),
            Kind::Any => Ok(self.any(lean)),
            Kind::String => self.string(schema).map(Value::String),
            Kind::Integer => self.integer(schema),
            Kind::Number => self.number(schema),
            Kind::Boolean => Ok(Value::Bool(match self.shape {
                Shape::Minimal => false,
                Shape::Maximal => true,
                Shape::Random => self.rng.one_in(2),
            })),
            Kind::Array(items) => self.array(schema, items, steps, level, lean),
            Kind::Object(properties) => self.object(schema, properties, steps, level, lean),
            Kind::OneOf(alternatives) | Kind::AnyOf(alternatives) => {
                self.alternatives(schema, alternatives, steps, level, lean)
            }
        }
    }

    /// One of the `enum` values that also passes the schema's other rules.
    fn literal(&mut self, schema: &Schema) -> Result<Value, Unsatisfiable> {
        let allowed: Vec<Value> = schema
            .enumeration
            .iter()
            .filter_map(literal_value)
            .filter(|value| schema::is_valid(schema, value))
            .collect();
        let chosen = match self.shape {
            Shape::Minimal => allowed.first(),
            Shape::Maximal => allowed.last(),
            Shape::Random => allowed.get(self.rng.index(allowed.len())),
        };
        match chosen {
            Some(value) => Ok(value.clone()),
            None => {
                let listed: Vec<String> = schema.enumeration.iter().map(Literal::text).collect();
                self.refuse(format!("none of the enum values {} satisfies the schema's other rules", listed.join(", ")))
            }
        }
    }

    /// A free-form value: never null (see the module docs), small, of any JSON type.
    fn any(&mut self, lean: bool) -> Value {
        if self.alphabet == Alphabet::Alphanumeric {
            return match self.any_scalar() {
                Value::String(text) => Value::String(format!("{}{text}", char::from(ALPHANUMERIC[self.rng.index(26)]))),
                scalar => scalar,
            };
        }
        match self.shape {
            _ if lean => Value::Object(Map::new()),
            Shape::Minimal => Value::Object(Map::new()),
            Shape::Maximal => {
                let mut map = Map::new();
                map.insert("text".to_owned(), Value::String(self.plain_text(1, Some(12))));
                map.insert("number".to_owned(), quarter(-6.0).unwrap_or(Value::Null));
                map.insert("integer".to_owned(), Value::from(i64::MAX));
                map.insert("flag".to_owned(), Value::Bool(true));
                map.insert(
                    "list".to_owned(),
                    Value::Array(vec![Value::from(1), Value::from("two"), Value::Bool(false)]),
                );
                Value::Object(map)
            }
            Shape::Random => match self.rng.below(6) {
                0 => Value::Array((0..self.rng.between(0, 3)).map(|_| self.any_scalar()).collect()),
                1 => {
                    let count = self.rng.between(0, 3);
                    let mut map = Map::new();
                    for _ in 0..count {
                        let key = self.plain_text(1, Some(8));
                        let value = self.any_scalar();
                        map.insert(key, value);
                    }
                    Value::Object(map)
                }
                _ => self.any_scalar(),
            },
        }
    }

    fn any_scalar(&mut self) -> Value {
        match self.rng.below(4) {
            0 => Value::String(self.plain_text(0, Some(12))),
            1 => Value::from(self.rng.between_wide(-1000, 1000) as i64),
            2 => quarter(self.rng.between_wide(-4000, 4000) as f64).unwrap_or(Value::Null),
            _ => Value::Bool(self.rng.one_in(2)),
        }
    }

    // -----------------------------------------------------------------------------------
    // Strings

    fn string(&mut self, schema: &Schema) -> Result<String, Unsatisfiable> {
        let min = schema.min_length.unwrap_or(0);
        if let Some(max) = schema.max_length.filter(|max| *max < min) {
            return self.refuse(format!("minLength {min} is greater than maxLength {max}"));
        }
        if min > MAX_LENGTH {
            return self
                .refuse(format!("minLength {min} is longer than the {MAX_LENGTH} characters a sample may have"));
        }
        // A pattern the regex crate cannot compile is not checked by the validator.
        let pattern = schema.pattern.filter(|pattern| pattern.is_match("").is_some());
        match (schema.format, pattern) {
            (format, _) if format.is_text() => self.formatted(schema, pattern),
            (_, Some(pattern)) => self.patterned(schema, pattern),
            // Text on the wire: an empty item or value cannot be told from none.
            _ if self.alphabet == Alphabet::Alphanumeric && schema.max_length != Some(0) => {
                Ok(self.plain_text(min.max(1), schema.max_length))
            }
            _ => Ok(self.plain_text(min, schema.max_length)),
        }
    }

    /// A string of the schema's format, within its length bounds where the format has a
    /// string of such a length (the pattern, if any, decides when none is found).
    fn formatted(&mut self, schema: &Schema, pattern: Option<&'static Pattern>) -> Result<String, Unsatisfiable> {
        let (min, max) = (schema.min_length.unwrap_or(0), schema.max_length);
        let (shortest, longest) = schema.format.lengths();
        let (low, high) = (min.max(shortest), max.into_iter().chain(longest).min());
        if high.is_none_or(|high| low <= high) {
            for attempt in 0..ATTEMPTS {
                let shape = if attempt == 0 { self.shape } else { Shape::Random };
                let text = self.shaped(shape, |sampler| sampler.format_text(schema.format, low, high));
                if let Some(text) = text.filter(|text| string_is_valid(schema, text)) {
                    return Ok(text);
                }
            }
        }
        if let Some(pattern) = pattern {
            return self.patterned(schema, pattern);
        }
        let format = format_name(schema.format);
        let own = match (shortest, longest) {
            (0, None) => String::new(),
            (shortest, None) => format!(" ({format} strings have at least {shortest} characters)"),
            (shortest, Some(longest)) if shortest == longest => format!(" ({format} strings have {shortest} characters)"),
            (shortest, Some(longest)) => format!(" ({format} strings have {shortest}..={longest} characters)"),
        };
        self.refuse(format!("no {format} string fits{}{own}", length_note(min, max)))
    }

    /// A string of `format` whose length is within `low..=high` where the format lets the
    /// sampler aim (fixed-length formats and dates and times ignore the bounds).
    fn format_text(&mut self, format: Format, low: usize, high: Option<usize>) -> Option<String> {
        match format {
            Format::Date => Some(self.date()),
            Format::DateTime => Some(self.date_time()),
            Format::Time => Some(self.time()),
            Format::Duration => self.duration(low, high),
            Format::Uuid => Some(self.uuid()),
            Format::Email => self.email(low, high),
            Format::Hostname => {
                let length = self.text_length(low, high, 24);
                Some(self.hostname_of(length))
            }
            Format::Ipv4 => self.ipv4(low, high),
            Format::Ipv6 => self.ipv6(low, high),
            Format::Uri => {
                let length = self.text_length(low, high, 40);
                Some(self.uri_of(length))
            }
            Format::UriReference => self.uri_reference(low, high),
            Format::Byte => self.base64(low, high),
            Format::None | Format::Int32 | Format::Int64 | Format::Float | Format::Double => None,
        }
    }

    /// A length within `low..=high` for a text that is about `natural` characters long
    /// when free: `low` when minimal, the longest such when maximal, between when random.
    fn text_length(&mut self, low: usize, high: Option<usize>, natural: usize) -> usize {
        let roof = high.unwrap_or(usize::MAX).min(natural.max(low.saturating_add(8))).max(low);
        match self.shape {
            Shape::Minimal => low,
            Shape::Maximal => roof,
            Shape::Random => self.rng.between(low, roof),
        }
    }

    fn date(&mut self) -> String {
        let (year, month, day) = match self.shape {
            Shape::Minimal => (1, 1, 1),
            Shape::Maximal => (9999, 12, 31),
            Shape::Random => {
                let year = self.rng.between(1970, 2100);
                let month = self.rng.between(1, 12);
                (year, month, self.rng.between(1, days_in_month(year, month)))
            }
        };
        format!("{year:04}-{month:02}-{day:02}")
    }

    fn date_time(&mut self) -> String {
        let date = self.date();
        format!("{date}T{}", self.time())
    }

    /// `HH:MM:SS`, a fraction now and then, an offset (RFC 3339 `full-time`).
    fn time(&mut self) -> String {
        match self.shape {
            Shape::Minimal => "00:00:00Z".to_owned(),
            Shape::Maximal => "23:59:59.999999999+14:00".to_owned(),
            Shape::Random => {
                let (hour, minute, second) =
                    (self.rng.between(0, 23), self.rng.between(0, 59), self.rng.between(0, 59));
                let nanos = match self.rng.below(4) {
                    0 | 1 => 0,
                    2 => self.rng.between(1, 999) * 1_000_000,
                    _ => self.rng.between(1, 999_999_999),
                };
                let offset = self.offset();
                format!("{hour:02}:{minute:02}:{second:02}{}{offset}", seconds_fraction(nanos))
            }
        }
    }

    /// `Z` or a whole quarter-hour offset between -12:00 and +14:00 (never `+00:00`).
    fn offset(&mut self) -> String {
        let minutes = self.rng.between(0, 26 * 4) as i64 * 15 - 12 * 60;
        if minutes == 0 || self.rng.one_in(2) {
            return "Z".to_owned();
        }
        let sign = if minutes < 0 { '-' } else { '+' };
        format!("{sign}{:02}:{:02}", minutes.abs() / 60, minutes.abs() % 60)
    }

    fn uuid(&mut self) -> String {
        let bits = match self.shape {
            Shape::Minimal => 0,
            Shape::Maximal => u128::MAX,
            Shape::Random => {
                let random = (u128::from(self.rng.next_u64()) << 64) | u128::from(self.rng.next_u64());
                // Version 4 and the RFC 4122 variant.
                (random & !(0xF << 76) | (0x4 << 76)) & !(0x3 << 62) | (0x2 << 62)
            }
        };
        ::uuid::Uuid::from_u128(bits).hyphenated().to_string()
    }

    /// Standard base64 (with padding) of random bytes, whose length fits the bounds.
    fn base64(&mut self, min: usize, max: Option<usize>) -> Option<String> {
        use ::base64::Engine as _;
        let encoded_length = |bytes: usize| bytes.div_ceil(3) * 4;
        let fits = |bytes: &usize| encoded_length(*bytes) >= min && max.is_none_or(|max| encoded_length(*bytes) <= max);
        let first = (0..=min / 4 * 3 + 3).find(fits)?;
        let last = (first..=first.saturating_add(48)).rev().find(fits).unwrap_or(first);
        let count = match self.shape {
            Shape::Minimal => first,
            Shape::Maximal => last,
            Shape::Random => {
                (first..=self.rng.between(first, last.min(first.saturating_add(16)))).rev().find(fits).unwrap_or(first)
            }
        };
        let bytes: Vec<u8> = (0..count).map(|_| self.rng.below(256) as u8).collect();
        Some(::base64::engine::general_purpose::STANDARD.encode(bytes))
    }

    // -----------------------------------------------------------------------------------
    // Formats whose length varies: each aims at a length within the bounds

    /// An ISO 8601 duration as RFC 3339's appendix writes it (consecutive components, no
    /// fractions): `P0D` when minimal, every component when maximal, weeks now and then.
    fn duration(&mut self, low: usize, high: Option<usize>) -> Option<String> {
        const UNITS: [char; 6] = ['Y', 'M', 'D', 'H', 'M', 'S'];
        let length = self.text_length(low, high, 16);
        if self.shape == Shape::Random && self.rng.one_in(8) {
            return Some(format!("P{}W", self.digits(length.checked_sub(2)?)));
        }
        let (first, mut last) = match self.shape {
            Shape::Minimal => (2, 2),
            Shape::Maximal => (0, 5),
            Shape::Random => {
                let first = self.rng.index(UNITS.len());
                (first, self.rng.between(first, UNITS.len() - 1))
            }
        };
        // `P`, each unit with at least one digit, and `T` before the first unit of time.
        let overhead = |first: usize, last: usize| 1 + 2 * (last - first + 1) + usize::from(last >= 3);
        while overhead(first, last) > length && last > first {
            last -= 1;
        }
        let (first, last) = if overhead(first, last) > length { (2, 2) } else { (first, last) };
        let count = last - first + 1;
        let widths = self.widths(count, count + length.checked_sub(overhead(first, last))?, 1, usize::MAX)?;
        let mut text = String::from("P");
        for (unit, width) in (first..=last).zip(widths) {
            if unit >= 3 && !text.contains('T') {
                text.push('T');
            }
            text.push_str(&self.digits(width));
            text.push(UNITS[unit]);
        }
        Some(text)
    }

    /// `local@domain`: a dot-atom local part (quoted now and then) and a hostname.
    fn email(&mut self, low: usize, high: Option<usize>) -> Option<String> {
        let length = self.text_length(low, high, 28);
        // The local part and the domain share what the `@` leaves; the local part gets about
        // a third, at most 64.
        let room = length.checked_sub(1)?;
        let most = MAX_LOCAL_PART.min(room.checked_sub(1)?);
        let local = match self.shape {
            Shape::Minimal => 1,
            _ => self.rng.between((room / 4).max(1), (room / 2).max(1)).clamp(1, most.max(1)),
        };
        let local_part = self.local_part(local);
        Some(format!("{local_part}@{}", self.hostname_of(room - local)))
    }

    /// A local part of `length` characters: atoms of letters and digits (and, for the
    /// Unicode alphabet, other `atext` now and then) joined by single dots, or a quoted string.
    fn local_part(&mut self, length: usize) -> String {
        let rich = self.alphabet == Alphabet::Unicode && self.shape != Shape::Minimal;
        if rich && length >= 4 && self.rng.one_in(10) {
            let inner: String = (0..length - 2)
                .map(|index| if index > 0 && index + 3 < length && self.rng.one_in(5) { ' ' } else { self.alphanumeric() })
                .collect();
            return format!("\"{inner}\"");
        }
        let mut text = String::with_capacity(length);
        for index in 0..length {
            let interior = index > 0 && index + 1 < length && !text.ends_with('.');
            let next = match self.rng.below(if rich { 24 } else { 8 }) {
                0 if interior => '.',
                1 | 2 if rich => char::from(b"+-_"[self.rng.index(3)]),
                3 if rich => char::from(ATEXT[self.rng.index(ATEXT.len())]),
                _ => self.alphanumeric(),
            };
            text.push(next);
        }
        text
    }

    /// A hostname of `length` (1..=253) characters: labels of letters, digits and inner
    /// hyphens, the last of letters (a top-level name, so no URL parser reads the host as an
    /// IPv4 number); as few labels as can be when minimal.
    fn hostname_of(&mut self, length: usize) -> String {
        let mut sizes = Vec::new();
        let mut left = length;
        while left > 0 {
            let last = left <= MAX_LABEL && (self.shape == Shape::Minimal || left <= 4 || self.rng.one_in(3));
            let size = match self.shape {
                _ if last => left,
                Shape::Minimal => MAX_LABEL.min(left - 2),
                _ => self.rng.between(2, 12).min(left - 2),
            };
            left -= size + usize::from(!last);
            sizes.push(size);
        }
        let count = sizes.len();
        let labels: Vec<String> =
            sizes.into_iter().enumerate().map(|(index, size)| self.label(size, index + 1 == count)).collect();
        labels.join(".")
    }

    /// A hostname label of `size` characters: letters only for a top-level name, else
    /// letters and digits with a single hyphen inside now and then.
    fn label(&mut self, size: usize, top: bool) -> String {
        let mut label = String::with_capacity(size);
        for index in 0..size {
            let next = match self.rng.below(10) {
                0 if index > 0 && index + 1 < size && !top && !label.ends_with('-') => '-',
                1 | 2 if !top => char::from(b'0' + self.rng.below(10) as u8),
                _ => char::from(b'a' + self.rng.below(26) as u8),
            };
            label.push(next);
        }
        label
    }

    /// Dotted decimal with octets of the widths the length asks for.
    fn ipv4(&mut self, low: usize, high: Option<usize>) -> Option<String> {
        let length = self.text_length(low, high, 15);
        let widths = self.widths(4, length.checked_sub(3)?, 1, 3)?;
        let octets: Vec<String> = widths
            .into_iter()
            .map(|width| {
                let (least, most) = [(0, 9), (10, 99), (100, 255)][width - 1];
                match self.shape {
                    Shape::Minimal => least,
                    Shape::Maximal => most,
                    Shape::Random => self.rng.between(least, most),
                }
                .to_string()
            })
            .collect();
        Some(octets.join("."))
    }

    /// An IPv6 address: eight groups, fewer around `::`, or six and an IPv4 address; the
    /// layout and the groups' widths chosen for the length.
    fn ipv6(&mut self, low: usize, high: Option<usize>) -> Option<String> {
        let length = self.text_length(low, high, 39);
        if length > 39 || (length >= 19 && self.shape == Shape::Random && self.rng.one_in(6)) {
            // Six groups of 6..=24 hex digits with their six colons, then 7..=15 of IPv4.
            let hex = self.rng.between(length.saturating_sub(6 + 15).max(6), length.checked_sub(6 + 7)?.min(24));
            let widths = self.widths(6, hex, 1, 4)?;
            let groups: Vec<String> = widths.into_iter().map(|width| self.hex_group(width)).collect();
            let rest = length.checked_sub(6 + hex)?;
            return Some(format!("{}:{}", groups.join(":"), self.ipv4(rest, Some(rest))?));
        }
        // `(groups, None)` writes them all (eight); `(groups, Some(before))` puts `::` after
        // `before` of them.
        let separators = |(count, split): (usize, Option<usize>)| match split {
            None => 7,
            Some(before) => 2 + before.saturating_sub(1) + (count - before).saturating_sub(1),
        };
        let layouts: Vec<(usize, Option<usize>)> = (0..8)
            .flat_map(|count| (0..=count).map(move |before| (count, Some(before))))
            .chain([(8, None)])
            .filter(|layout| length.checked_sub(separators(*layout)).is_some_and(|hex| (layout.0..=4 * layout.0).contains(&hex)))
            .collect();
        let layout = match self.shape {
            Shape::Minimal => *layouts.first()?,
            Shape::Maximal => *layouts.last()?,
            Shape::Random => *layouts.get(self.rng.index(layouts.len()))?,
        };
        let widths = self.widths(layout.0, length - separators(layout), 1, 4)?;
        let groups: Vec<String> = widths.into_iter().map(|width| self.hex_group(width)).collect();
        Some(match layout.1 {
            None => groups.join(":"),
            Some(before) => format!("{}::{}", groups[..before].join(":"), groups[before..].join(":")),
        })
    }

    /// A URI of `length` (at least 2) characters: `https://host/path` (with a query or a
    /// fragment now and then) where there is room, else `scheme:path`.
    fn uri_of(&mut self, length: usize) -> String {
        const WEB: &str = "https://";
        if length >= WEB.len() + 4 && !(self.shape == Shape::Random && self.rng.one_in(5)) {
            let rest = length - WEB.len();
            let host = self.rng.between(rest.min(3), rest.min(20));
            let host_name = self.hostname_of(host);
            return format!("{WEB}{host_name}{}", self.uri_tail(rest - host));
        }
        let rich = self.alphabet == Alphabet::Unicode && self.shape != Shape::Minimal;
        let scheme_length = self.rng.between(1, (length - 1).min(6));
        let scheme: String = (0..scheme_length)
            .map(|index| match self.rng.below(8) {
                0 if index > 0 && rich => char::from(b"+-."[self.rng.index(3)]),
                1 if index > 0 => char::from(b'0' + self.rng.below(10) as u8),
                _ => char::from(b'a' + self.rng.below(26) as u8),
            })
            .collect();
        format!("{scheme}:{}", self.uri_chars(length - 1 - scheme_length, true))
    }

    /// A URI or a relative reference (an absolute or relative path, `//host/path`, a query
    /// or a fragment alone, or nothing).
    fn uri_reference(&mut self, low: usize, high: Option<usize>) -> Option<String> {
        // Text on the wire cannot tell an empty reference from none.
        let low = if self.alphabet == Alphabet::Alphanumeric { low.max(1) } else { low };
        if high.is_some_and(|high| high < low) {
            return None;
        }
        let length = self.text_length(low, high, 32);
        let choice = match self.shape {
            Shape::Minimal => 3,
            Shape::Maximal => 0,
            Shape::Random => self.rng.below(6),
        };
        Some(match choice {
            0 if length >= 2 => self.uri_of(length),
            1 if length >= 1 => format!("/{}", self.uri_chars(length - 1, true)),
            2 if length >= 3 => {
                let host = self.rng.between(1, (length - 2).min(20));
                let host_name = self.hostname_of(host);
                format!("//{host_name}{}", self.uri_tail(length - 2 - host))
            }
            4 if length >= 1 => format!("?{}", self.uri_chars(length - 1, true)),
            5 if length >= 1 => format!("#{}", self.uri_chars(length - 1, true)),
            // A relative path: no `:` in it, or its first segment would read as a scheme.
            _ => self.uri_chars(length, false),
        })
    }

    /// What follows a URI's authority, `length` characters: a path (`/` first), and now and
    /// then a query or a fragment.
    fn uri_tail(&mut self, length: usize) -> String {
        if length == 0 {
            return String::new();
        }
        let rich = self.alphabet == Alphabet::Unicode && self.shape != Shape::Minimal;
        if rich && length >= 6 && self.rng.one_in(3) {
            let marker = if self.rng.one_in(2) { '?' } else { '#' };
            let tail = self.rng.between(2, length - 3);
            let path = self.uri_chars(length - tail - 1, true);
            return format!("/{path}{marker}{}", self.uri_chars(tail - 1, true));
        }
        format!("/{}", self.uri_chars(length - 1, true))
    }

    /// `length` characters that a URI's path, query and fragment may all hold: letters and
    /// digits, inner `/` (never first, never twice in a row), and for the Unicode alphabet
    /// also `-._~`, sub-delimiters, `@`, `:` (with `colon`) and percent-encoded bytes.
    fn uri_chars(&mut self, length: usize, colon: bool) -> String {
        let rich = self.alphabet == Alphabet::Unicode && self.shape != Shape::Minimal;
        let mut text = String::with_capacity(length);
        while text.len() < length {
            let left = length - text.len();
            match self.rng.below(if rich { 14 } else { 10 }) {
                0 if !text.is_empty() && !text.ends_with('/') => text.push('/'),
                10 => text.push(char::from(b"-._~"[self.rng.index(4)])),
                11 => {
                    let delimiters: &[u8] = if colon { b"!$&'()*+,;=@:" } else { b"!$&'()*+,;=@" };
                    text.push(char::from(delimiters[self.rng.index(delimiters.len())]));
                }
                12 if left >= 3 => text.push_str(&format!("%{:02X}", self.rng.below(256))),
                _ => text.push(self.alphanumeric()),
            }
        }
        text
    }

    /// `count` widths within `least..=most` that add up to `total`, spread at random.
    fn widths(&mut self, count: usize, total: usize, least: usize, most: usize) -> Option<Vec<usize>> {
        let mut widths = vec![least; count];
        let mut extra = total.checked_sub(least.checked_mul(count)?)?;
        if extra > count.saturating_mul(most - least) {
            return None;
        }
        while extra > 0 {
            let open: Vec<usize> = (0..count).filter(|index| widths[*index] < most).collect();
            let index = open[self.rng.index(open.len())];
            let step = self.rng.between(1, extra.min(most - widths[index]));
            widths[index] += step;
            extra -= step;
        }
        Some(widths)
    }

    /// A decimal number of exactly `width` digits (no leading zero but in `0` itself).
    fn digits(&mut self, width: usize) -> String {
        (0..width)
            .map(|index| {
                let lowest = u8::from(index == 0 && width > 1);
                let digit = match self.shape {
                    Shape::Minimal => lowest,
                    Shape::Maximal => 9,
                    Shape::Random => lowest + self.rng.below(u64::from(10 - lowest)) as u8,
                };
                char::from(b'0' + digit)
            })
            .collect()
    }

    /// A group of an IPv6 address: `width` lower-case hex digits, no leading zero but in `0`.
    fn hex_group(&mut self, width: usize) -> String {
        (0..width)
            .map(|index| {
                let lowest = u32::from(index == 0 && width > 1);
                let digit = match self.shape {
                    Shape::Minimal => lowest,
                    Shape::Maximal => 15,
                    Shape::Random => lowest + self.rng.below(u64::from(16 - lowest)) as u32,
                };
                char::from_digit(digit, 16).unwrap_or('0')
            })
            .collect()
    }

    fn alphanumeric(&mut self) -> char {
        char::from(ALPHANUMERIC[self.rng.index(ALPHANUMERIC.len())])
    }

    /// A string of letters and digits (and more, by alphabet and shape) of a length the
    /// bounds allow.
    fn plain_text(&mut self, min: usize, max: Option<usize>) -> String {
        let cap = max.unwrap_or(usize::MAX).max(min);
        let length = match self.shape {
            Shape::Minimal => min,
            Shape::Maximal => cap.min(min.max(MAX_TEXT)),
            Shape::Random if self.rng.one_in(6) => min,
            Shape::Random => self.rng.between(min, cap.min(min.saturating_add(12))),
        };
        let mixed = match (self.alphabet, self.shape) {
            (Alphabet::Alphanumeric, _) | (_, Shape::Minimal) => false,
            (_, Shape::Maximal) => true,
            (_, Shape::Random) => self.rng.one_in(3),
        };
        (0..length).map(|index| self.text_char(mixed, index > 0 && index + 1 < length)).collect()
    }

    fn text_char(&mut self, mixed: bool, interior: bool) -> char {
        let pick = if mixed { self.rng.below(if interior { 6 } else { 5 }) } else { 0 };
        match pick {
            0 | 1 => char::from(ALPHANUMERIC[self.rng.index(ALPHANUMERIC.len())]),
            2 => NON_ASCII[self.rng.index(NON_ASCII.len())],
            3 => EMOJI[self.rng.index(EMOJI.len())],
            4 => char::from(PUNCTUATION[self.rng.index(PUNCTUATION.len())]),
            _ => ' ',
        }
    }

    // -----------------------------------------------------------------------------------
    // Patterns

    fn patterned(&mut self, schema: &Schema, pattern: &'static Pattern) -> Result<String, Unsatisfiable> {
        let source = pattern.source();
        let (min, max) = (schema.min_length.unwrap_or(0), schema.max_length);
        let Some(hir) = self.parsed(source) else {
            return self.refuse(format!("pattern `{source}` could not be satisfied: regex-syntax cannot parse it"));
        };
        if let Some((low, high)) = lengths(&hir) {
            for attempt in 0..PATTERN_ATTEMPTS {
                let total = self.pattern_length(attempt, (min, max), (low, high));
                if let Some(text) = self.pattern_candidate(schema, &hir, total, (low, high)) {
                    return Ok(text);
                }
            }
        }
        self.refuse(format!("pattern `{source}` could not be satisfied{}", length_note(min, max)))
    }

    fn parsed(&mut self, source: &'static str) -> Option<Arc<Hir>> {
        self.patterns
            .entry(source)
            .or_insert_with(|| ::regex_syntax::Parser::new().parse(source).ok().map(Arc::new))
            .clone()
    }

    /// The length of the whole string to aim at: within the length bounds, and within what
    /// the pattern matches where possible (beyond it, the match is padded).
    fn pattern_length(
        &mut self,
        attempt: usize,
        (min, max): (usize, Option<usize>),
        (low, high): (usize, Option<usize>),
    ) -> usize {
        let floor = min.max(low);
        let roof = max.unwrap_or(usize::MAX).max(floor);
        let natural = high.unwrap_or(floor.saturating_add(MAX_TEXT)).clamp(floor, roof);
        match self.shape {
            // The first retries take the shortest and the longest the pattern matches: a
            // pattern may match only a few lengths (`[0-9a-f]{40}([0-9a-f]{24})?`: 40 or 64).
            _ if attempt == 1 => floor,
            _ if attempt == 2 => natural,
            // Later ones alternate between what the pattern matches unpadded and padded lengths.
            _ if attempt % 2 == 1 => self.rng.between(floor, natural.min(floor.saturating_add(16))),
            _ if attempt > 0 => self.rng.between(floor, roof.min(floor.saturating_add(16))),
            Shape::Minimal => floor,
            Shape::Maximal => natural.min(floor.saturating_add(MAX_TEXT)),
            Shape::Random => self.rng.between(floor, natural.min(floor.saturating_add(12))),
        }
    }

    /// A match of `hir` padded to `total` characters at the end or the start, if the
    /// pattern and the schema's other rules accept it.
    fn pattern_candidate(
        &mut self,
        schema: &Schema,
        hir: &Hir,
        total: usize,
        (low, high): (usize, Option<usize>),
    ) -> Option<String> {
        let matched_length = total.clamp(low, high.unwrap_or(usize::MAX).max(low));
        let mut matched = String::new();
        let mut budget = PATTERN_STEPS;
        if !self.emit(hir, matched_length, &mut matched, &mut budget) {
            return None;
        }
        let padding: String = (matched_length..total).map(|_| self.text_char(false, false)).collect();
        [format!("{matched}{padding}"), format!("{padding}{matched}")]
            .into_iter()
            .find(|text| string_is_valid(schema, text))
    }

    /// Appends a string of exactly `length` characters that `hir` matches, leaving
    /// assertions (anchors, word boundaries) to the final check; false when this walk found
    /// none (the caller truncates).
    fn emit(&mut self, hir: &Hir, length: usize, out: &mut String, budget: &mut usize) -> bool {
        if *budget == 0 {
            return false;
        }
        *budget -= 1;
        match hir.kind() {
            HirKind::Empty | HirKind::Look(_) => length == 0,
            HirKind::Literal(literal) => match ::std::str::from_utf8(&literal.0) {
                Ok(text) if text.chars().count() == length => {
                    out.push_str(text);
                    true
                }
                _ => false,
            },
            HirKind::Class(class) if length == 1 => match self.class_char(class) {
                Some(found) => {
                    out.push(found);
                    true
                }
                None => false,
            },
            HirKind::Class(_) => false,
            HirKind::Capture(capture) => self.emit(&capture.sub, length, out, budget),
            HirKind::Concat(parts) => {
                let parts: Vec<&Hir> = parts.iter().collect();
                self.emit_sequence(&parts, length, out, budget)
            }
            HirKind::Alternation(options) => self.emit_alternation(options, length, out, budget),
            HirKind::Repetition(repetition) => self.emit_repetition(repetition, length, out, budget),
        }
    }

    /// Tries a few splits of `length` over the parts: lengths a part can take may have gaps
    /// (`(abc)?` is 0 or 3 long), which the bounds alone do not show.
    fn emit_sequence(&mut self, parts: &[&Hir], length: usize, out: &mut String, budget: &mut usize) -> bool {
        let Some(bounds) = parts.iter().map(|part| lengths(part)).collect::<Option<Vec<_>>>() else {
            return false;
        };
        let mark = out.len();
        for _ in 0..SPLITS {
            let Some(shares) = self.distribute(length, &bounds) else {
                return false;
            };
            if parts.iter().zip(shares).all(|(part, share)| self.emit(part, share, out, budget)) {
                return true;
            }
            out.truncate(mark);
        }
        false
    }

    fn emit_alternation(&mut self, options: &[Hir], length: usize, out: &mut String, budget: &mut usize) -> bool {
        let mut fitting: Vec<&Hir> = options
            .iter()
            .filter(|option| {
                lengths(option).is_some_and(|(low, high)| low <= length && high.is_none_or(|high| length <= high))
            })
            .collect();
        self.rng.shuffle(&mut fitting);
        let mark = out.len();
        for option in fitting {
            if self.emit(option, length, out, budget) {
                return true;
            }
            out.truncate(mark);
        }
        false
    }

    fn emit_repetition(
        &mut self,
        repetition: &Repetition,
        length: usize,
        out: &mut String,
        budget: &mut usize,
    ) -> bool {
        let (min, max) = (repetition.min as usize, repetition.max.map_or(usize::MAX, |max| max as usize));
        let Some((low, high)) = lengths(&repetition.sub) else {
            return min == 0 && length == 0;
        };
        // Counts of copies whose lengths can add up to `length`.
        let fewest = match high {
            Some(0) if length > 0 => return false,
            Some(0) => min,
            Some(high) => min.max(length.div_ceil(high)),
            None => min.max(usize::from(length > 0)),
        };
        let most = max.min(length.checked_div(low).unwrap_or(min.max(length)));
        if fewest > most || fewest > *budget {
            return false;
        }
        let count = self.rng.between(fewest, most.min(fewest.saturating_add(MAX_ITEMS)));
        let copies = vec![&*repetition.sub; count];
        self.emit_sequence(&copies, length, out, budget)
    }

    /// Splits `total` into one share per part within its (low, high) bounds, at random.
    fn distribute(&mut self, total: usize, bounds: &[(usize, Option<usize>)]) -> Option<Vec<usize>> {
        let lowest = bounds.iter().map(|(low, _)| *low).fold(0, usize::saturating_add);
        let slack = |bound: &(usize, Option<usize>)| bound.1.map_or(usize::MAX, |high| high.saturating_sub(bound.0));
        // The slack of the parts after each part, so the split is linear in the parts.
        let mut later = vec![0_usize; bounds.len()];
        for index in (0..bounds.len().saturating_sub(1)).rev() {
            later[index] = later[index + 1].saturating_add(slack(&bounds[index + 1]));
        }
        let mut extra = total.checked_sub(lowest)?;
        let mut shares = Vec::with_capacity(bounds.len());
        for (bound, later) in bounds.iter().zip(later) {
            let needed = extra.saturating_sub(later);
            let room = extra.min(slack(bound));
            if needed > room {
                return None;
            }
            // The extremes often, so parts that are all or nothing get what they can take.
            let given = match self.rng.below(3) {
                0 => needed,
                1 => room,
                _ => self.rng.between(needed, room),
            };
            extra -= given;
            shares.push(bound.0 + given);
        }
        (extra == 0).then_some(shares)
    }

    /// A character of the class, preferring readable ones (by alphabet and shape).
    fn class_char(&mut self, class: &Class) -> Option<char> {
        let class =
            match class {
                Class::Unicode(class) => class.clone(),
                // Only `(?-u)` gives byte classes; their ASCII part is text.
                Class::Bytes(bytes) => {
                    ClassUnicode::new(bytes.ranges().iter().filter(|range| range.start() < 0x80).map(|range| {
                        ClassUnicodeRange::new(char::from(range.start()), char::from(range.end().min(0x7F)))
                    }))
                }
            };
        let unusual = self.alphabet == Alphabet::Unicode
            && match self.shape {
                Shape::Minimal => false,
                Shape::Maximal => self.rng.one_in(2),
                Shape::Random => self.rng.one_in(4),
            };
        let mut preferences = vec![ranges(&[('0', '9'), ('A', 'Z'), ('a', 'z')]), ranges(&[(' ', '~')])];
        if self.alphabet == Alphabet::Unicode {
            let special = ClassUnicode::new(NON_ASCII.iter().chain(EMOJI).map(|c| ClassUnicodeRange::new(*c, *c)));
            preferences.insert(if unusual { 0 } else { 2 }, special);
        }
        let mut visible = class.clone();
        visible.difference(&ranges(&[('\0', '\x1F'), ('\x7F', '\u{9F}')]));
        preferences.push(visible);
        for preferred in preferences {
            let mut narrowed = class.clone();
            narrowed.intersect(&preferred);
            if let Some(found) = self.pick_char(narrowed.ranges()) {
                return Some(found);
            }
        }
        self.pick_char(class.ranges())
    }

    fn pick_char(&mut self, ranges: &[ClassUnicodeRange]) -> Option<char> {
        let size = |range: &ClassUnicodeRange| u64::from(range.end()) - u64::from(range.start()) + 1;
        let total: u64 = ranges.iter().map(size).sum();
        if total == 0 {
            return None;
        }
        let mut offset = self.rng.below(total);
        for range in ranges {
            if offset < size(range) {
                let code = u32::from(range.start()) + offset as u32;
                return Some(char::from_u32(code).unwrap_or(range.start()));
            }
            offset -= size(range);
        }
        None
    }

    // -----------------------------------------------------------------------------------
    // Numbers

    fn integer(&mut self, schema: &Schema) -> Result<Value, Unsatisfiable> {
        let (low, high) = integer_range(schema);
        if low > high {
            return self.refuse(format!("no integer lies {}", bounds_text(schema)));
        }
        let step = schema.multiple_of.filter(|step| *step != 0.0 && step.is_finite()).map(f64::abs);
        let candidates = match step {
            Some(step) if step.fract() == 0.0 && step < 9.0e15 => {
                let step = step as i128;
                let (first, last) = (ceil_div(low, step), high.div_euclid(step));
                if first > last {
                    return self.refuse(format!("no multiple of {step} lies {}", bounds_text(schema)));
                }
                self.integer_choices(first, last).into_iter().map(|k| k * step).collect()
            }
            // Fractional steps: the integers near the choices that are multiples.
            Some(_) => self.integer_choices(low, high).into_iter().flat_map(|base| nearby(base, low, high)).collect(),
            None => self.integer_choices(low, high),
        };
        let found = candidates
            .into_iter()
            .filter_map(|candidate| i64::try_from(candidate).ok())
            .map(Value::from)
            .find(|value| schema::is_valid(schema, value));
        match (found, step) {
            (Some(value), _) => Ok(value),
            (None, Some(step)) => {
                self.refuse(format!("no integer found that is a multiple of {step} and lies {}", bounds_text(schema)))
            }
            (None, None) => self.refuse(format!("no integer found that lies {}", bounds_text(schema))),
        }
    }

    /// The shape's choice within `low..=high`, then the bounds and the middle as fallbacks.
    fn integer_choices(&mut self, low: i128, high: i128) -> Vec<i128> {
        let chosen = match self.shape {
            Shape::Minimal => low,
            Shape::Maximal => high,
            Shape::Random => match self.rng.below(8) {
                0 => low,
                1 => high,
                2 => 0.clamp(low, high),
                _ => {
                    let (near_low, near_high) = (low.max(-1000), high.min(1000));
                    if near_low <= near_high {
                        self.rng.between_wide(near_low, near_high)
                    } else if low > 0 {
                        self.rng.between_wide(low, high.min(low + 1000))
                    } else {
                        self.rng.between_wide(low.max(high - 1000), high)
                    }
                }
            },
        };
        vec![chosen, low, high, low + (high - low) / 2]
    }

    fn number(&mut self, schema: &Schema) -> Result<Value, Unsatisfiable> {
        let (low, high) = number_range(schema);
        let empty = low.0 > high.0 || (low.0 == high.0 && (low.1 || high.1));
        if empty || !low.0.is_finite() || !high.0.is_finite() {
            return self.refuse(format!("no number lies {}", bounds_text(schema)));
        }
        let step = schema.multiple_of.filter(|step| *step != 0.0 && step.is_finite()).map(f64::abs);
        let candidates = match step {
            Some(step) => self.multiples(low, high, step),
            None => self.grid_numbers(low, high),
        };
        let found = candidates
            .into_iter()
            .filter_map(|candidate| Number::from_f64(candidate).map(Value::Number))
            .find(|value| schema::is_valid(schema, value));
        match found {
            Some(value) => Ok(value),
            None => match step {
                Some(step) => self.refuse(format!("no multiple of {step} lies {}", bounds_text(schema))),
                None => self.refuse(format!("no number found that lies {}", bounds_text(schema))),
            },
        }
    }

    /// Numbers `k / d` for the coarsest `d` of 4, 64, 1024, 2^20, 2^40 that has a point
    /// within the bounds, so values print short; else the middle.
    fn grid_numbers(&mut self, (low, low_exclusive): (f64, bool), (high, high_exclusive): (f64, bool)) -> Vec<f64> {
        if low == high {
            return vec![low];
        }
        for denominator in [4.0, 64.0, 1024.0, 1_048_576.0, 1_099_511_627_776.0_f64] {
            let mut first = (low * denominator).ceil();
            if low_exclusive && first / denominator <= low {
                first += 1.0;
            }
            let mut last = (high * denominator).floor();
            if high_exclusive && last / denominator >= high {
                last -= 1.0;
            }
            if first <= last {
                let choices = self.grid_choices(first, last);
                return choices.into_iter().map(|k| k / denominator).collect();
            }
        }
        vec![low + (high - low) / 2.0]
    }

    /// Multiples `k * step` within the bounds, rounded to the step's decimals.
    fn multiples(
        &mut self,
        (low, low_exclusive): (f64, bool),
        (high, high_exclusive): (f64, bool),
        step: f64,
    ) -> Vec<f64> {
        let mut first = (low / step).ceil();
        if low_exclusive && first * step <= low {
            first += 1.0;
        }
        let mut last = (high / step).floor();
        if high_exclusive && last * step >= high {
            last -= 1.0;
        }
        if first > last {
            return Vec::new();
        }
        let decimals = step.to_string().split_once('.').map_or(0, |(_, fraction)| fraction.len()).min(17);
        let choices = self.grid_choices(first, last);
        choices
            .into_iter()
            .flat_map(|k| {
                let raw = k * step;
                let tidy = format!("{raw:.decimals$}").parse::<f64>().unwrap_or(raw);
                [tidy, raw]
            })
            .collect()
    }

    /// Grid points (whole f64s) within `first..=last` by shape, then fallbacks.
    fn grid_choices(&mut self, first: f64, last: f64) -> Vec<f64> {
        let uniform = |sampler: &mut Self, low: f64, high: f64| {
            if high - low < 9.0e15 {
                low + sampler.rng.below((high - low) as u64 + 1) as f64
            } else {
                low
            }
        };
        let chosen = match self.shape {
            Shape::Minimal => first,
            Shape::Maximal => last,
            Shape::Random => match self.rng.below(8) {
                0 => first,
                1 => last,
                2 | 3 if first.max(-4000.0) <= last.min(4000.0) => uniform(self, first.max(-4000.0), last.min(4000.0)),
                _ => uniform(self, first, last),
            },
        };
        vec![chosen, first, last, (first + (last - first) / 2.0).floor()]
    }

    // -----------------------------------------------------------------------------------
    // Arrays and objects

    fn array(
        &mut self,
        schema: &Schema,
        items: &'static Schema,
        steps: usize,
        level: usize,
        lean: bool,
    ) -> Result<Value, Unsatisfiable> {
        let min = schema.min_items.unwrap_or(0);
        let max = schema.max_items.unwrap_or(usize::MAX);
        if min > max {
            return self.refuse(format!("minItems {min} is greater than maxItems {max}"));
        }
        if min > MAX_SIZE {
            return self.refuse(format!("minItems {min} asks for more than the {MAX_SIZE} values a sample may hold"));
        }
        let count = match self.shape {
            _ if lean => min,
            Shape::Minimal => min,
            Shape::Maximal => max.min(min.saturating_add(MAX_ITEMS)),
            Shape::Random if self.rng.one_in(5) => min,
            Shape::Random => self.rng.between(min, max.min(min.saturating_add(MAX_ITEMS))),
        };
        let mut values = Vec::with_capacity(count.min(MAX_ITEMS * 2));
        for index in 0..count {
            let item =
                self.inside(&index.to_string(), |sampler| sampler.array_item(schema, items, &values, steps, level));
            match item {
                Ok(item) => values.push(item),
                // Optional items that cannot be made are left out.
                Err(_) if index >= min => break,
                Err(error) => return Err(error),
            }
        }
        Ok(Value::Array(values))
    }

    fn array_item(
        &mut self,
        schema: &Schema,
        items: &'static Schema,
        earlier: &[Value],
        steps: usize,
        level: usize,
    ) -> Result<Value, Unsatisfiable> {
        let attempts = if schema.unique_items { UNIQUE_ATTEMPTS } else { 1 };
        for attempt in 0..attempts {
            let shape = if attempt == 0 { self.shape } else { Shape::Random };
            let item = self.shaped(shape, |sampler| sampler.generate(items, steps + 1, level + 1))?;
            if !schema.unique_items || !earlier.contains(&item) {
                return Ok(item);
            }
        }
        self.refuse(format!("uniqueItems: found no item unlike the {} before it", earlier.len()))
    }

    fn object(
        &mut self,
        schema: &Schema,
        properties: &'static [Property],
        steps: usize,
        level: usize,
        lean: bool,
    ) -> Result<Value, Unsatisfiable> {
        let chosen = self.choose_properties(schema, properties, lean)?;
        let mut map = Map::new();
        for (property, _) in properties.iter().zip(chosen).filter(|(_, wanted)| *wanted) {
            let value = self.inside(property.name, |sampler| sampler.generate(property.schema, steps + 1, level + 1));
            match value {
                Ok(value) => {
                    map.insert(property.name.to_owned(), value);
                }
                // An optional property that cannot be made is left out.
                Err(error) if property.required => return Err(error),
                Err(_) => {}
            }
        }
        self.extra_properties(schema, properties, &mut map, (steps, level, lean))?;
        let min = schema.min_properties.unwrap_or(0);
        if map.len() < min {
            return self.refuse(format!("minProperties {min}: only {} properties could be generated", map.len()));
        }
        Ok(Value::Object(map))
    }

    /// Which declared properties to generate: required ones, optional ones by shape, within
    /// `minProperties`/`maxProperties`.
    fn choose_properties(
        &mut self,
        schema: &Schema,
        properties: &[Property],
        lean: bool,
    ) -> Result<Vec<bool>, Unsatisfiable> {
        let max = schema.max_properties.unwrap_or(usize::MAX);
        let required = properties.iter().filter(|property| property.required).count();
        if let Some(min) = schema.min_properties.filter(|min| *min > MAX_SIZE) {
            return self
                .refuse(format!("minProperties {min} asks for more than the {MAX_SIZE} values a sample may hold"));
        }
        if let Some(min) = schema.min_properties.filter(|min| *min > max) {
            return self.refuse(format!("minProperties {min} is greater than maxProperties {max}"));
        }
        if required > max {
            return self.refuse(format!("{required} properties are required but maxProperties is {max}"));
        }
        let mut chosen: Vec<bool> = properties
            .iter()
            .map(|property| {
                property.required
                    || match self.shape {
                        _ if lean => false,
                        Shape::Minimal => false,
                        Shape::Maximal => true,
                        Shape::Random => self.rng.one_in(2),
                    }
            })
            .collect();
        let mut count = chosen.iter().filter(|wanted| **wanted).count();
        for (wanted, property) in chosen.iter_mut().zip(properties).rev() {
            if count > max && *wanted && !property.required {
                *wanted = false;
                count -= 1;
            }
        }
        let min = schema.min_properties.unwrap_or(0);
        for wanted in chosen.iter_mut() {
            if count < min.min(max) && !*wanted {
                *wanted = true;
                count += 1;
            }
        }
        Ok(chosen)
    }

    /// Entries beyond the declared properties: by shape where `additionalProperties` has a
    /// schema, and as many as `minProperties` still needs.
    fn extra_properties(
        &mut self,
        schema: &Schema,
        properties: &[Property],
        map: &mut Map<String, Value>,
        (steps, level, lean): (usize, usize, bool),
    ) -> Result<(), Unsatisfiable> {
        let (min, max) = (schema.min_properties.unwrap_or(0), schema.max_properties.unwrap_or(usize::MAX));
        let wanted = match (schema.additional, self.shape) {
            (Additional::Schema(_), _) if lean => 0,
            (Additional::Schema(_), Shape::Maximal) => 3,
            (Additional::Schema(_), Shape::Random) => self.rng.between(0, 3),
            _ => 0,
        };
        let target = (map.len() + wanted).max(min).min(max);
        while map.len() < target {
            let key = self.fresh_key(properties, map);
            let value = match schema.additional {
                Additional::Deny => {
                    return self.refuse(format!(
                    "minProperties {min} needs more properties than the {} declared, and additionalProperties is false",
                    properties.len()
                ))
                }
                Additional::Allow => self.any_scalar(),
                Additional::Schema(extra) => {
                    match self.inside(&key, |sampler| sampler.generate(extra, steps + 1, level + 1)) {
                        Ok(value) => value,
                        Err(_) if map.len() >= min => break,
                        Err(error) => return Err(error),
                    }
                }
            };
            map.insert(key, value);
        }
        Ok(())
    }

    /// A key that is neither declared nor already used.
    fn fresh_key(&mut self, properties: &[Property], map: &Map<String, Value>) -> String {
        let free = |key: &str| {
            !key.is_empty() && !map.contains_key(key) && properties.iter().all(|property| property.name != key)
        };
        for _ in 0..ATTEMPTS {
            let key = self.plain_text(1, Some(10));
            if free(&key) {
                return key;
            }
        }
        (map.len()..).map(|number| format!("key{number}")).find(|key| free(key)).unwrap_or_default()
    }

    // -----------------------------------------------------------------------------------
    // Alternatives

    /// A value that matches exactly one alternative (`oneOf`) or at least one (`anyOf`),
    /// with the discriminator property set to the value that names its alternative.
    fn alternatives(
        &mut self,
        schema: &'static Schema,
        alternatives: &'static [&'static Schema],
        steps: usize,
        level: usize,
        lean: bool,
    ) -> Result<Value, Unsatisfiable> {
        let keyword = if matches!(schema.kind, Kind::OneOf(_)) { "oneOf" } else { "anyOf" };
        if alternatives.is_empty() {
            return self.refuse(format!("the {keyword} has no alternatives"));
        }
        let (plan, first_round) = self.alternative_plan(schema, alternatives, lean);
        let mut first_error = None;
        for (position, (index, tag)) in plan.into_iter().enumerate() {
            let Some(alternative) = alternatives.get(index) else { continue };
            let shape = if position < first_round { self.shape } else { Shape::Random };
            match self.shaped(shape, |sampler| sampler.generate(alternative, steps + 1, level)) {
                Ok(mut value) => {
                    if let (Some(tag), Some(discriminator), Value::Object(map)) =
                        (tag, schema.discriminator, &mut value)
                    {
                        map.insert(discriminator.property.to_owned(), Value::String(tag.to_owned()));
                    }
                    if schema::is_valid(schema, &value) {
                        return Ok(value);
                    }
                }
                Err(error) => {
                    first_error.get_or_insert(error);
                }
            }
        }
        match first_error {
            Some(error) => {
                let first =
                    if error.at == self.pointer() { error.reason } else { format!("`{}` {}", error.at, error.reason) };
                self.refuse(format!("no alternative of the {keyword} could be generated; the first: {first}"))
            }
            None => self.refuse(format!(
                "every value generated matched more or fewer alternatives of the {keyword} than it must"
            )),
        }
    }

    /// Which alternatives to try, in order, each with the discriminator value naming it:
    /// all of them in random order (the shallowest first when minimal or building small),
    /// then again in rounds of random values, at least [`ATTEMPTS`] tries in all (a value of
    /// one alternative may also match another, as an empty string may, and a fresh one may
    /// not). With the length of the first round, which keeps the sampler's shape.
    fn alternative_plan(
        &mut self,
        schema: &Schema,
        alternatives: &'static [&'static Schema],
        lean: bool,
    ) -> (Vec<(usize, Option<&'static str>)>, usize) {
        let mut plan: Vec<(usize, Option<&'static str>)> = match schema.discriminator {
            Some(discriminator) if !discriminator.mapping.is_empty() => {
                discriminator.mapping.iter().map(|(value, index)| (*index, Some(*value))).collect()
            }
            _ => (0..alternatives.len()).map(|index| (index, None)).collect(),
        };
        self.rng.shuffle(&mut plan);
        if lean || self.shape == Shape::Minimal {
            // Stable: alternatives of the same cost stay in random order.
            let costs: Vec<u32> = plan
                .iter()
                .map(|(index, _)| alternatives.get(*index).map_or(NO_WAY_OUT, |alternative| self.cost(alternative)))
                .collect();
            let mut order: Vec<usize> = (0..plan.len()).collect();
            order.sort_by_key(|position| costs[*position]);
            plan = order.into_iter().map(|position| plan[position]).collect();
        }
        let round = plan.clone();
        for _ in 0..ATTEMPTS.div_ceil(round.len().max(1)) {
            plan.extend_from_slice(&round);
        }
        (plan, round.len())
    }

    // -----------------------------------------------------------------------------------
    // Recursion

    /// The fewest schema steps a value of `schema` needs, taking null where allowed, only
    /// required properties, `minItems` items and the cheapest alternative; computed once per
    /// schema as a fixpoint over the schemas it reaches, so self-reference is fine.
    fn cost(&mut self, schema: &'static Schema) -> u32 {
        if let Some(cost) = self.costs.get(&address(schema)) {
            return *cost;
        }
        let unpriced = self.unpriced(schema);
        let mut table: HashMap<usize, u32> = unpriced.iter().map(|schema| (address(schema), NO_WAY_OUT)).collect();
        for _ in 0..=unpriced.len() {
            let mut changed = false;
            for schema in unpriced.iter().rev() {
                let price = |child: &Schema| {
                    let key = address(child);
                    table.get(&key).or_else(|| self.costs.get(&key)).copied().unwrap_or(NO_WAY_OUT)
                };
                let cost = local_cost(schema, price);
                if table.get(&address(schema)).is_some_and(|known| cost < *known) {
                    table.insert(address(schema), cost);
                    changed = true;
                }
            }
            if !changed {
                break;
            }
        }
        self.costs.extend(table);
        self.costs.get(&address(schema)).copied().unwrap_or(NO_WAY_OUT)
    }

    /// The schemas reachable from `root` through what a smallest value needs, not yet priced.
    fn unpriced(&self, root: &'static Schema) -> Vec<&'static Schema> {
        let mut seen = HashSet::new();
        let mut found = Vec::new();
        let mut stack = vec![root];
        while let Some(schema) = stack.pop() {
            if self.costs.contains_key(&address(schema)) || !seen.insert(address(schema)) {
                continue;
            }
            found.push(schema);
            stack.extend(needed_children(schema));
        }
        found
    }
}

// ---------------------------------------------------------------------------------------
// Helpers without state

fn address(schema: &Schema) -> usize {
    schema as *const Schema as usize
}

/// The schemas a smallest value of `schema` goes through.
fn needed_children(schema: &'static Schema) -> Vec<&'static Schema> {
    if schema.nullable {
        return Vec::new();
    }
    match schema.kind {
        Kind::Ref(inner) => vec![inner],
        _ if !schema.enumeration.is_empty() => Vec::new(),
        Kind::Array(items) if schema.min_items.unwrap_or(0) > 0 => vec![items],
        Kind::Object(properties) => {
            properties.iter().filter(|property| property.required).map(|property| property.schema).collect()
        }
        Kind::OneOf(alternatives) | Kind::AnyOf(alternatives) => alternatives.to_vec(),
        _ => Vec::new(),
    }
}

/// The cost of `schema` given the costs of its children (see [`Sampler::cost`]).
fn local_cost(schema: &Schema, price: impl Fn(&Schema) -> u32) -> u32 {
    if schema.nullable {
        return 0;
    }
    let step = |child: &Schema| price(child).saturating_add(1);
    match schema.kind {
        Kind::Ref(inner) => step(inner),
        _ if !schema.enumeration.is_empty() => 0,
        Kind::Array(items) if schema.min_items.unwrap_or(0) > 0 => step(items),
        Kind::Object(properties) => properties
            .iter()
            .filter(|property| property.required)
            .map(|property| step(property.schema))
            .max()
            .unwrap_or(0),
        // No alternatives is refused with its own message, not as recursion.
        Kind::OneOf(alternatives) | Kind::AnyOf(alternatives) => {
            alternatives.iter().map(|alternative| step(alternative)).min().unwrap_or(0)
        }
        _ => 0,
    }
}

/// Whether the schema (behind its references) is a string, number, boolean or enum.
fn is_scalar(schema: &Schema) -> bool {
    let mut current = schema;
    for _ in 0..MAX_STEPS {
        match current.kind {
            Kind::Ref(inner) => current = inner,
            _ if !current.enumeration.is_empty() => return true,
            Kind::String | Kind::Integer | Kind::Number | Kind::Boolean => return true,
            _ => return false,
        }
    }
    false
}

fn string_is_valid(schema: &Schema, text: &str) -> bool {
    schema::is_valid(schema, &Value::String(text.to_owned()))
}

fn literal_value(literal: &Literal) -> Option<Value> {
    Some(match literal {
        Literal::Null => Value::Null,
        Literal::Bool(flag) => Value::Bool(*flag),
        Literal::Int(number) => Value::from(*number),
        Literal::Float(number) => Value::Number(Number::from_f64(*number)?),
        Literal::Str(text) => Value::String((*text).to_owned()),
    })
}


/// `quarters / 4` as a JSON float.
fn quarter(quarters: f64) -> Option<Value> {
    Number::from_f64(quarters / 4.0).map(Value::Number)
}

fn format_name(format: Format) -> &'static str {
    match format {
        Format::Byte => "byte (base64)",
        format if format.is_text() => format.keyword(),
        _ => "plain",
    }
}

/// " with a length of 2..=5", or nothing when the lengths are free.
fn length_note(min: usize, max: Option<usize>) -> String {
    match (min, max) {
        (0, None) => String::new(),
        (min, None) => format!(" with at least {min} characters"),
        (min, Some(max)) => format!(" with a length of {min}..={max}"),
    }
}

/// "between minimum 5 and maximum 3", as the schema states its bounds.
fn bounds_text(schema: &Schema) -> String {
    let bound = |name: &str, exclusive_name: &str, bound: Option<schema::Bound>| {
        bound.map(|bound| format!("{} {}", if bound.exclusive { exclusive_name } else { name }, bound.value))
    };
    let parts: Vec<String> = [
        bound("minimum", "exclusive minimum", schema.minimum),
        bound("maximum", "exclusive maximum", schema.maximum),
        matches!(schema.format, Format::Int32 | Format::Float).then(|| format!("format {}", schema.format.keyword())),
    ]
    .into_iter()
    .flatten()
    .collect();
    if parts.is_empty() {
        "within its type".to_owned()
    } else {
        format!("within {}", parts.join(", "))
    }
}

/// The integers the bounds and the format allow, inclusive.
fn integer_range(schema: &Schema) -> (i128, i128) {
    let (mut low, mut high) = match schema.format {
        Format::Int32 => (i128::from(i32::MIN), i128::from(i32::MAX)),
        _ => (i128::from(i64::MIN), i128::from(i64::MAX)),
    };
    if let Some(bound) = schema.minimum {
        let ceiling = bound.value.ceil();
        low = low.max((ceiling as i128).saturating_add(i128::from(bound.exclusive && ceiling == bound.value)));
    }
    if let Some(bound) = schema.maximum {
        let floor = bound.value.floor();
        high = high.min((floor as i128).saturating_sub(i128::from(bound.exclusive && floor == bound.value)));
    }
    (low, high)
}

/// The number bounds with their exclusiveness; a missing bound is [`NUMBER_SPAN`] beyond
/// zero or the other bound.
fn number_range(schema: &Schema) -> ((f64, bool), (f64, bool)) {
    let low = schema.minimum.map(|bound| (bound.value, bound.exclusive));
    let high = schema.maximum.map(|bound| (bound.value, bound.exclusive));
    let default_low = high.map_or(-NUMBER_SPAN, |(high, _)| (high - NUMBER_SPAN).min(-NUMBER_SPAN));
    let default_high = low.map_or(NUMBER_SPAN, |(low, _)| (low + NUMBER_SPAN).max(NUMBER_SPAN));
    let (low, high) = (low.unwrap_or((default_low, false)), high.unwrap_or((default_high, false)));
    if schema.format != Format::Float {
        return (low, high);
    }
    // A float lies within f32's range whatever the bounds say: within ±3.4e38, which prints
    // short (f32::MAX as an f64 has 17 digits, which serde_json may not read back exactly),
    // unless the bounds lie between the two.
    let clamp = |limit: f64| (if low.0 < -limit { (-limit, false) } else { low }, if high.0 > limit { (limit, false) } else { high });
    let short = clamp(FLOAT_LIMIT);
    if short.0 .0 <= short.1 .0 { short } else { clamp(f64::from(f32::MAX)) }
}

fn ceil_div(value: i128, step: i128) -> i128 {
    -((-value).div_euclid(step))
}

/// Integers around `base` within `low..=high`, nearest first.
fn nearby(base: i128, low: i128, high: i128) -> impl Iterator<Item = i128> {
    (0..64)
        .flat_map(move |distance| [base + distance, base - distance])
        .filter(move |value| (low..=high).contains(value))
}

fn days_in_month(year: usize, month: usize) -> usize {
    let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
    match month {
        2 if leap => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Fractional seconds as chrono writes them: none, or 3, 6 or 9 digits, the fewest exact.
fn seconds_fraction(nanos: usize) -> String {
    if nanos == 0 {
        String::new()
    } else if nanos % 1_000_000 == 0 {
        format!(".{:03}", nanos / 1_000_000)
    } else if nanos % 1_000 == 0 {
        format!(".{:06}", nanos / 1_000)
    } else {
        format!(".{nanos:09}")
    }
}

fn ranges(pairs: &[(char, char)]) -> ClassUnicode {
    ClassUnicode::new(pairs.iter().map(|(start, end)| ClassUnicodeRange::new(*start, *end)))
}

/// The shortest and longest (`None`: unbounded) strings `hir` matches, in characters;
/// `None` when it matches nothing.
fn lengths(hir: &Hir) -> Option<(usize, Option<usize>)> {
    match hir.kind() {
        HirKind::Empty | HirKind::Look(_) => Some((0, Some(0))),
        HirKind::Literal(literal) => {
            let count = ::std::str::from_utf8(&literal.0).ok()?.chars().count();
            Some((count, Some(count)))
        }
        HirKind::Class(Class::Unicode(class)) => (!class.ranges().is_empty()).then_some((1, Some(1))),
        HirKind::Class(Class::Bytes(class)) => {
            class.ranges().iter().any(|range| range.start() < 0x80).then_some((1, Some(1)))
        }
        HirKind::Capture(capture) => lengths(&capture.sub),
        HirKind::Concat(parts) => parts.iter().try_fold((0, Some(0)), |(low, high): (usize, Option<usize>), part| {
            let (part_low, part_high) = lengths(part)?;
            Some((low.saturating_add(part_low), high.zip(part_high).map(|(a, b)| a.saturating_add(b))))
        }),
        HirKind::Alternation(options) => {
            options.iter().filter_map(lengths).reduce(|(low, high), (other_low, other_high)| {
                (low.min(other_low), high.zip(other_high).map(|(a, b)| a.max(b)))
            })
        }
        HirKind::Repetition(repetition) => match lengths(&repetition.sub) {
            None => (repetition.min == 0).then_some((0, Some(0))),
            Some((low, high)) => {
                let most = match (high, repetition.max) {
                    (Some(0), _) => Some(0),
                    (Some(high), Some(max)) => Some(high.saturating_mul(max as usize)),
                    _ => None,
                };
                Some((low.saturating_mul(repetition.min as usize), most))
            }
        },
    }
}
