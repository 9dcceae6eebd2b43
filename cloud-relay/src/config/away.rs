//! `[away]` (`RELAY_AWAY_*`): what the relay tells a customer who writes while the
//! restaurant's node is away (docs/relay.md § Away notices), with per-route texts and off
//! switches (`[[away.routes]]`).

use super::env::{env_bool, env_number, EnvSource};
use serde::Deserialize;

/// Meta's limit for one text message (META_PROTOCOL §7.1).
const MAX_TEXT_CHARS: usize = 4096;

pub const DEFAULT_TEXT_FR: &str = "Merci pour votre message ! Le restaurant est momentanément \
hors ligne : votre message est bien enregistré et nous vous répondrons dès son retour.";
pub const DEFAULT_TEXT_AR: &str =
    "شكرا على رسالتك! المطعم غير متصل مؤقتا: رسالتك محفوظة وسنرد عليك فور عودته.";

#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct AwayConfig {
    /// `RELAY_AWAY_ENABLED`: the off switch for every route.
    pub enabled: bool,
    /// `RELAY_AWAY_AFTER_SECS`: a node whose last poll is older than this is away. Keep it
    /// above the longest long-poll (60 s): a poll counts from its start.
    pub after_secs: u64,
    /// `RELAY_AWAY_TEXT_FR`: said to customers who wrote in anything but Arabic script.
    pub text_fr: String,
    /// `RELAY_AWAY_TEXT_AR`: said to customers who wrote in Arabic script.
    pub text_ar: String,
    /// Per-route overrides: another text, or off for that route only.
    pub routes: Vec<AwayRoute>,
}

/// One `[[away.routes]]` entry; absent fields fall back to `[away]`.
#[derive(Debug, Clone, Deserialize, PartialEq, Default)]
#[serde(default, deny_unknown_fields)]
pub struct AwayRoute {
    /// `wa`, `ig` or `msg`, as in `resto-relay route add`.
    pub provider: String,
    /// The route's account id (WhatsApp phone_number_id, page id, Instagram account id).
    pub account_id: String,
    pub enabled: Option<bool>,
    pub text_fr: Option<String>,
    pub text_ar: Option<String>,
}

impl Default for AwayConfig {
    fn default() -> Self {
        AwayConfig {
            enabled: true,
            after_secs: 180,
            text_fr: DEFAULT_TEXT_FR.into(),
            text_ar: DEFAULT_TEXT_AR.into(),
            routes: Vec::new(),
        }
    }
}

/// The two languages the notice is written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NoticeLang {
    Fr,
    Ar,
}

impl AwayConfig {
    pub(super) fn apply_env(&mut self, env: &dyn EnvSource, problems: &mut Vec<String>) {
        env_bool(env, "RELAY_AWAY_ENABLED", &mut self.enabled, problems);
        env_number(env, "RELAY_AWAY_AFTER_SECS", &mut self.after_secs, problems);
        if let Some(v) = env.get("RELAY_AWAY_TEXT_FR") {
            self.text_fr = v;
        }
        if let Some(v) = env.get("RELAY_AWAY_TEXT_AR") {
            self.text_ar = v;
        }
    }

    /// The text for a customer of route (`provider`, `account_id`) writing in `lang`;
    /// `None` when notices are off for that route.
    pub fn text_for(&self, provider: &str, account_id: &str, lang: NoticeLang) -> Option<&str> {
        let route = self
            .routes
            .iter()
            .find(|r| r.provider == provider && r.account_id == account_id);
        if !route.and_then(|r| r.enabled).unwrap_or(self.enabled) {
            return None;
        }
        let own = route.and_then(|r| match lang {
            NoticeLang::Fr => r.text_fr.as_deref(),
            NoticeLang::Ar => r.text_ar.as_deref(),
        });
        Some(own.unwrap_or(match lang {
            NoticeLang::Fr => self.text_fr.as_str(),
            NoticeLang::Ar => self.text_ar.as_str(),
        }))
    }

    pub(super) fn problems(&self) -> Vec<String> {
        let mut problems = Vec::new();
        if !(1..=86_400).contains(&self.after_secs) {
            problems.push(format!(
                "[away] after_secs / RELAY_AWAY_AFTER_SECS = {} must be 1..86400 seconds (default 180)",
                self.after_secs
            ));
        }
        let text_problem = |what: &str, t: &str| {
            if t.trim().is_empty() {
                Some(format!(
                    "{what} is empty: write the notice or turn notices off with enabled = false"
                ))
            } else if t.chars().count() > MAX_TEXT_CHARS {
                Some(format!(
                    "{what} has {} characters; Meta accepts at most {MAX_TEXT_CHARS}",
                    t.chars().count()
                ))
            } else {
                None
            }
        };
        problems.extend(text_problem(
            "[away] text_fr / RELAY_AWAY_TEXT_FR",
            &self.text_fr,
        ));
        problems.extend(text_problem(
            "[away] text_ar / RELAY_AWAY_TEXT_AR",
            &self.text_ar,
        ));
        for (i, r) in self.routes.iter().enumerate() {
            let name = format!(
                "[[away.routes]] #{} ({} {})",
                i + 1,
                r.provider,
                r.account_id
            );
            if !["wa", "ig", "msg"].contains(&r.provider.as_str()) {
                problems.push(format!("{name}: provider must be wa, ig or msg"));
            }
            if r.account_id.trim().is_empty() {
                problems.push(format!("{name}: account_id is missing"));
            }
            if self.routes[..i]
                .iter()
                .any(|o| o.provider == r.provider && o.account_id == r.account_id)
            {
                problems.push(format!("{name}: this route is listed twice"));
            }
            for (field, t) in [("text_fr", &r.text_fr), ("text_ar", &r.text_ar)] {
                if let Some(t) = t {
                    problems.extend(text_problem(&format!("{name} {field}"), t));
                }
            }
        }
        problems
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn route(account: &str) -> AwayRoute {
        AwayRoute {
            provider: "wa".into(),
            account_id: account.into(),
            ..Default::default()
        }
    }

    #[test]
    fn a_route_can_have_its_own_text_or_be_switched_off() {
        let mut cfg = AwayConfig::default();
        cfg.routes.push(AwayRoute {
            text_fr: Some("Pizzeria fermée, on revient vite".into()),
            ..route("111")
        });
        cfg.routes.push(AwayRoute {
            enabled: Some(false),
            ..route("222")
        });
        assert_eq!(
            cfg.text_for("wa", "111", NoticeLang::Fr),
            Some("Pizzeria fermée, on revient vite")
        );
        assert_eq!(
            cfg.text_for("wa", "111", NoticeLang::Ar),
            Some(DEFAULT_TEXT_AR),
            "a text the route does not set falls back to [away]"
        );
        assert_eq!(cfg.text_for("wa", "222", NoticeLang::Fr), None);
        assert_eq!(
            cfg.text_for("ig", "111", NoticeLang::Fr),
            Some(DEFAULT_TEXT_FR),
            "another provider's account with the same id is another route"
        );
        cfg.enabled = false;
        assert_eq!(cfg.text_for("wa", "333", NoticeLang::Fr), None);
        cfg.routes.push(AwayRoute {
            enabled: Some(true),
            ..route("333")
        });
        assert_eq!(
            cfg.text_for("wa", "333", NoticeLang::Fr),
            Some(DEFAULT_TEXT_FR),
            "a route can be switched on while the rest is off"
        );
    }

    #[test]
    fn every_problem_is_listed() {
        let mut cfg = AwayConfig {
            after_secs: 0,
            text_fr: " ".into(),
            ..Default::default()
        };
        cfg.routes.push(AwayRoute {
            provider: "sms".into(),
            ..route("")
        });
        cfg.routes.push(AwayRoute {
            text_ar: Some("x".repeat(4097)),
            ..route("1")
        });
        cfg.routes.push(route("1"));
        let p = cfg.problems().join("\n");
        for want in [
            "after_secs",
            "text_fr / RELAY_AWAY_TEXT_FR is empty",
            "provider must be wa, ig or msg",
            "account_id is missing",
            "text_ar has 4097 characters",
            "listed twice",
        ] {
            assert!(p.contains(want), "{want:?} missing from:\n{p}");
        }
        assert!(AwayConfig::default().problems().is_empty());
    }
}
