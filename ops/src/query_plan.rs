//! What SQLite will do for a query, for the checks that every purge and hot query walks an
//! index: a full scan of a big table is fine on a test database and a stall on a device
//! after a year of orders.

use rusqlite::Connection;

/// The `EXPLAIN QUERY PLAN` lines of `sql`, every parameter bound to a text placeholder.
pub fn plan(c: &Connection, sql: &str) -> rusqlite::Result<Vec<String>> {
    let mut st = c.prepare(&format!("EXPLAIN QUERY PLAN {sql}"))?;
    let params: Vec<rusqlite::types::Value> = (0..st.parameter_count())
        .map(|_| rusqlite::types::Value::Text("x".into()))
        .collect();
    let lines = st.query_map(rusqlite::params_from_iter(params), |r| r.get(3))?;
    lines.collect()
}

/// The lines of `plan` that read one of `big` tables whole (`SCAN t` with no index).
pub fn full_scans(plan: &[String], big: &[&str]) -> Vec<String> {
    plan.iter()
        .filter(|l| {
            let l = l.trim();
            big.iter()
                .any(|t| l == format!("SCAN {t}") || l.starts_with(&format!("SCAN {t} ")))
                && !l.contains("INDEX")
        })
        .cloned()
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_scan_without_index_is_reported_and_a_search_by_index_is_not() {
        let c = Connection::open_in_memory().unwrap();
        c.execute_batch("CREATE TABLE orders (id INTEGER PRIMARY KEY, day TEXT); CREATE INDEX by_day ON orders(day);")
            .unwrap();
        let whole = plan(&c, "SELECT * FROM orders WHERE id % 2 = ?1").unwrap();
        assert_eq!(full_scans(&whole, &["orders"]).len(), 1, "{whole:?}");
        let indexed = plan(&c, "SELECT * FROM orders WHERE day = ?1").unwrap();
        assert!(full_scans(&indexed, &["orders"]).is_empty(), "{indexed:?}");
    }
}
