//! Reading values the way Meta sends them, whichever the channel: ids as strings or numbers,
//! times in seconds or milliseconds, arrays that may be missing.

use serde_json::{Map, Value};

/// Epoch seconds or milliseconds, as a number or a numeric string, → RFC 3339 UTC.
/// Meta sends seconds (WhatsApp, as strings) and milliseconds (Instagram/Messenger, numbers);
/// anything ≥ 10^11 is read as milliseconds (10^11 s is the year 5138).
pub fn epoch_to_rfc3339(v: &Value) -> Option<String> {
    let n: i64 = match v {
        Value::Number(n) => n.as_i64().or_else(|| n.as_f64().map(|f| f as i64))?,
        Value::String(s) => s.trim().parse().ok()?,
        _ => return None,
    };
    if n < 0 {
        return None;
    }
    let (dt, millis) = if n >= 100_000_000_000 {
        (chrono::DateTime::from_timestamp_millis(n)?, true)
    } else {
        (chrono::DateTime::from_timestamp(n, 0)?, false)
    };
    let fmt = if millis {
        chrono::SecondsFormat::Millis
    } else {
        chrono::SecondsFormat::Secs
    };
    Some(dt.to_rfc3339_opts(fmt, true))
}

/// A message's time: its epoch timestamp when readable, else `received_at`, with the
/// oddity noted — a customer's message is never dropped for its timestamp.
pub(super) fn message_time(
    v: Option<&Value>,
    received_at: &str,
    path: &str,
    oddities: &mut Vec<String>,
) -> String {
    if let Some(t) = v.and_then(epoch_to_rfc3339) {
        return t;
    }
    let what = match v {
        None => "missing".to_string(),
        Some(v) => {
            let shown: String = v.to_string().chars().take(40).collect();
            format!("unreadable ({shown})")
        }
    };
    oddities.push(format!(
        "{path}: timestamp {what}; kept with the time received"
    ));
    received_at.to_string()
}

/// An id for an item Meta sent without one: `prefix` + the first 32 hex digits of SHA-256 over
/// `parts`, which must be what Meta resends identically, so that its retries still dedupe.
/// Never random.
pub(super) fn derived_id(prefix: &str, parts: &[&str]) -> String {
    use sha2::{Digest, Sha256};
    let mut h = Sha256::new();
    for part in parts {
        h.update(part.as_bytes());
        h.update([0u8]);
    }
    let hex: String = h.finalize().iter().map(|b| format!("{b:02x}")).collect();
    format!("{prefix}{}", &hex[..32])
}

fn s(v: Option<&Value>) -> Option<String> {
    match v? {
        Value::String(s) if !s.is_empty() => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

pub(super) fn get<'a>(obj: &'a Map<String, Value>, path: &[&str]) -> Option<&'a Value> {
    let (first, rest) = path.split_first()?;
    let mut cur = obj.get(*first)?;
    for k in rest {
        cur = cur.as_object()?.get(*k)?;
    }
    Some(cur)
}

pub(super) fn gs(obj: &Map<String, Value>, path: &[&str]) -> Option<String> {
    s(get(obj, path))
}

pub(super) fn arr<'a>(obj: &'a Map<String, Value>, key: &str) -> &'a [Value] {
    obj.get(key)
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or(&[])
}
