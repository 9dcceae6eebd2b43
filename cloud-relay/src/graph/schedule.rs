//! Which due replies the sender may start now. Pure: no I/O, time passed in.
//!
//! The rules (docs/protocol.md, "Sending"):
//! - at most one send in flight per customer (channel account + recipient), so a customer's
//!   replies reach Graph in the order the edge queued them. The store offers only each
//!   customer's next reply (its queue's head); this module also skips customers whose send is
//!   still running, which covers a lease that ran out while a call was still in flight;
//! - at most `global` sends in flight in all, `per_account` per channel account;
//! - at most `account_rate` sends per second per channel account (Meta's throughput per
//!   number: 80 messages/s by default), with bursts of up to one second's worth.
//!
//! Customers never wait for one another: a slow call holds only its own customer's queue.

use crate::store::outbox::Customer;
use std::collections::{HashMap, HashSet};
use std::time::{Duration, Instant};

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Limits {
    pub global: usize,
    pub per_account: usize,
    /// Sends per second per account; 0 = no pacing.
    pub account_rate: u32,
}

/// The sends running now.
#[derive(Debug, Default)]
pub struct InFlight {
    customers: HashSet<Customer>,
    per_account: HashMap<String, usize>,
}

impl InFlight {
    pub fn start(&mut self, c: Customer) {
        *self.per_account.entry(c.account.clone()).or_default() += 1;
        self.customers.insert(c);
    }

    pub fn finish(&mut self, c: &Customer) {
        if !self.customers.remove(c) {
            return;
        }
        if let Some(n) = self.per_account.get_mut(&c.account) {
            *n -= 1;
            if *n == 0 {
                self.per_account.remove(&c.account);
            }
        }
    }

    pub fn len(&self) -> usize {
        self.customers.len()
    }

    pub fn is_empty(&self) -> bool {
        self.customers.is_empty()
    }

    pub fn contains(&self, c: &Customer) -> bool {
        self.customers.contains(c)
    }

    fn account(&self, account: &str) -> usize {
        self.per_account.get(account).copied().unwrap_or(0)
    }

    /// Accounts that may not start another send now.
    pub fn full_accounts(&self, limits: &Limits) -> Vec<String> {
        self.per_account
            .iter()
            .filter(|(_, n)| **n >= limits.per_account)
            .map(|(a, _)| a.clone())
            .collect()
    }
}

/// A token bucket per account.
#[derive(Debug, Default)]
pub struct Pace {
    buckets: HashMap<String, (f64, Instant)>,
}

impl Pace {
    fn tokens(&mut self, account: &str, rate: u32, now: Instant) -> &mut f64 {
        let cap = f64::from(rate);
        let (tokens, at) = self
            .buckets
            .entry(account.to_string())
            .or_insert((cap, now));
        let elapsed = now.saturating_duration_since(*at).as_secs_f64();
        *tokens = (*tokens + elapsed * cap).min(cap);
        *at = now;
        tokens
    }

    /// Takes one send's worth for `account`, if it has one.
    fn take(&mut self, account: &str, rate: u32, now: Instant) -> bool {
        if rate == 0 {
            return true;
        }
        let t = self.tokens(account, rate, now);
        if *t >= 1.0 {
            *t -= 1.0;
            true
        } else {
            false
        }
    }

    /// Accounts without a token now, and when the first of them gets one back. Forgets
    /// accounts whose bucket is full again (memory stays bounded by the busy accounts).
    pub fn exhausted(&mut self, rate: u32, now: Instant) -> (Vec<String>, Option<Instant>) {
        if rate == 0 {
            return (Vec::new(), None);
        }
        let cap = f64::from(rate);
        let mut out = Vec::new();
        let mut wake: Option<Instant> = None;
        self.buckets.retain(|account, (tokens, at)| {
            let elapsed = now.saturating_duration_since(*at).as_secs_f64();
            let t = (*tokens + elapsed * cap).min(cap);
            if t < 1.0 {
                out.push(account.clone());
                let ready = now + Duration::from_secs_f64((1.0 - t) / cap);
                wake = Some(wake.map_or(ready, |w| w.min(ready)));
            }
            t < cap
        });
        (out, wake)
    }
}

/// The due replies to start, as indices into the offered list (in its order: oldest first).
pub fn pick(
    due: &[&Customer],
    in_flight: &InFlight,
    limits: &Limits,
    pace: &mut Pace,
    now: Instant,
) -> Vec<usize> {
    let mut picked = Vec::new();
    let mut customers: HashSet<&Customer> = HashSet::new();
    let mut per_account: HashMap<&str, usize> = HashMap::new();
    for (i, c) in due.iter().enumerate() {
        if in_flight.len() + picked.len() >= limits.global {
            break;
        }
        if in_flight.contains(c) || customers.contains(c) {
            continue;
        }
        let mine = per_account.get(c.account.as_str()).copied().unwrap_or(0);
        if in_flight.account(&c.account) + mine >= limits.per_account {
            continue;
        }
        if !pace.take(&c.account, limits.account_rate, now) {
            continue;
        }
        customers.insert(c);
        *per_account.entry(c.account.as_str()).or_default() += 1;
        picked.push(i);
    }
    picked
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c(account: &str, recipient: &str) -> Customer {
        Customer {
            account: account.into(),
            recipient: recipient.into(),
        }
    }

    const WIDE: Limits = Limits {
        global: 100,
        per_account: 100,
        account_rate: 0,
    };

    #[test]
    fn one_send_per_customer_and_a_customer_in_flight_waits_while_others_go() {
        let (a, b, d) = (c("wa:1", "A"), c("wa:1", "B"), c("wa:2", "A"));
        let mut flights = InFlight::default();
        // A customer offered twice in one round goes once; the same number on another
        // account is another customer.
        let due = [&a, &b, &a, &d];
        let got = pick(&due, &flights, &WIDE, &mut Pace::default(), Instant::now());
        assert_eq!(got, vec![0, 1, 3]);
        // While A's reply is in flight, A's next one is not started; B's and the other
        // account's are.
        flights.start(a.clone());
        let got = pick(&due, &flights, &WIDE, &mut Pace::default(), Instant::now());
        assert_eq!(got, vec![1, 3]);
        // Once A's send reached its outcome, A's next reply may go.
        flights.finish(&a);
        assert!(flights.is_empty());
        let got = pick(&[&a], &flights, &WIDE, &mut Pace::default(), Instant::now());
        assert_eq!(got, vec![0]);
    }

    #[test]
    fn the_global_and_per_account_bounds_hold_and_oldest_go_first() {
        let limits = Limits {
            global: 4,
            per_account: 2,
            account_rate: 0,
        };
        let mut flights = InFlight::default();
        flights.start(c("wa:1", "busy"));
        let (x, y, z, w, v) = (
            c("wa:1", "x"),
            c("wa:1", "y"),
            c("wa:2", "z"),
            c("wa:2", "w"),
            c("wa:3", "v"),
        );
        let due = [&x, &y, &z, &w, &v];
        // wa:1 has one in flight: one more (x); then wa:2 twice; the global bound (4) stops
        // before v.
        let got = pick(
            &due,
            &flights,
            &limits,
            &mut Pace::default(),
            Instant::now(),
        );
        assert_eq!(got, vec![0, 2, 3]);
        flights.start(x.clone());
        assert_eq!(flights.full_accounts(&limits), vec!["wa:1".to_string()]);
        flights.finish(&c("wa:1", "never started"));
        assert_eq!(
            flights.len(),
            2,
            "finishing an unknown customer changes nothing"
        );
    }

    #[test]
    fn an_account_is_paced_to_its_rate_with_a_one_second_burst() {
        let limits = Limits {
            global: 1000,
            per_account: 1000,
            account_rate: 4,
        };
        let t0 = Instant::now();
        let mut pace = Pace::default();
        let customers: Vec<Customer> = (0..10).map(|i| c("wa:1", &i.to_string())).collect();
        let other = c("wa:2", "o");
        let mut due: Vec<&Customer> = customers.iter().collect();
        due.push(&other);
        let flights = InFlight::default();
        let got = pick(&due, &flights, &limits, &mut pace, t0);
        assert_eq!(
            got,
            vec![0, 1, 2, 3, 10],
            "a burst of 4 on wa:1, wa:2 unaffected"
        );
        let (empty, wake) = pace.exhausted(limits.account_rate, t0);
        assert_eq!(empty, vec!["wa:1".to_string()]);
        assert_eq!(wake, Some(t0 + Duration::from_millis(250)));
        // A quarter of a second later, one more.
        let later = t0 + Duration::from_millis(250);
        let got = pick(&due[4..10], &flights, &limits, &mut pace, later);
        assert_eq!(got, vec![0]);
        // Buckets that are full again are forgotten.
        let (empty, wake) = pace.exhausted(limits.account_rate, t0 + Duration::from_secs(5));
        assert!(empty.is_empty() && wake.is_none() && pace.buckets.is_empty());
    }
}
