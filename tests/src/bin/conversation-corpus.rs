//! Runs the development corpus (`tests/corpus/*.toml`) through the bot with the adaptive
//! customer and prints, per register: opening understood, clean success, success with at
//! most one retry per step, wrong orders, average turns.
//!
//! ```text
//! conversation-corpus --in-process [--register fr] [--goal ID] [--verbose ID] [--failures]
//! conversation-corpus --real [--jobs 4] [...]
//! ```
//! `--in-process` drives the edge's apply path on a temp SQLite file (seconds);
//! `--real` starts the real relay and edge and sends signed webhooks (what
//! `scripts/bench-conversation.sh` runs). `--verbose ID` runs that goal and prints its
//! transcript; `--failures` prints the transcript of every goal that was not a clean success;
//! `--list` prints one line per goal (to diff two runs).

use resto_e2e::customer::inproc::InProcess;
use resto_e2e::customer::real::RealShop;
use resto_e2e::customer::run::table;
use resto_e2e::customer::{customer_number, Bench, Record, Register};
use std::process::ExitCode;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

struct Args {
    real: bool,
    register: Option<Register>,
    goal: Option<String>,
    verbose: bool,
    failures: bool,
    list: bool,
    jobs: usize,
}

fn parse_args() -> Result<Args, String> {
    let mut a = Args {
        real: false,
        register: None,
        goal: None,
        verbose: false,
        failures: false,
        list: false,
        jobs: 4,
    };
    let mut it = std::env::args().skip(1);
    let mut mode = None;
    while let Some(arg) = it.next() {
        match arg.as_str() {
            "--in-process" => mode = Some(false),
            "--real" => mode = Some(true),
            "--register" => {
                let r = it.next().ok_or("--register needs a value")?;
                a.register = Some(Register::parse(&r).ok_or(format!(
                    "unknown register {r:?} (fr, msa, dz_ar, dz_lat, mixed)"
                ))?);
            }
            "--goal" => a.goal = Some(it.next().ok_or("--goal needs an id")?),
            "--verbose" => {
                a.verbose = true;
                a.goal = Some(it.next().ok_or("--verbose needs a goal id")?);
            }
            "--failures" => a.failures = true,
            "--list" => a.list = true,
            "--jobs" => {
                a.jobs = it
                    .next()
                    .and_then(|j| j.parse().ok())
                    .filter(|j| *j > 0)
                    .ok_or("--jobs needs a positive number")?;
            }
            "-h" | "--help" => return Err(String::new()),
            other => return Err(format!("unknown argument {other:?}")),
        }
    }
    a.real = mode.ok_or("say --in-process or --real")?;
    Ok(a)
}

fn main() -> ExitCode {
    let args = match parse_args() {
        Ok(a) => a,
        Err(e) => {
            if !e.is_empty() {
                eprintln!("{e}");
            }
            eprintln!(
                "usage: conversation-corpus (--in-process | --real [--jobs N]) [--register R] [--goal ID] [--verbose ID] [--failures]"
            );
            return ExitCode::from(2);
        }
    };
    let bench = match Bench::load() {
        Ok(b) => b,
        Err(e) => {
            eprintln!("corpus: {e}");
            return ExitCode::FAILURE;
        }
    };
    let goals = bench.select(args.register, args.goal.as_deref());
    if goals.is_empty() {
        eprintln!("no goal matches");
        return ExitCode::FAILURE;
    }
    let started = std::time::Instant::now();
    let mut records: Vec<Record> = if args.real {
        let shop = RealShop::open();
        let next = AtomicUsize::new(0);
        let out = Mutex::new(Vec::new());
        std::thread::scope(|s| {
            for _ in 0..args.jobs.min(goals.len()) {
                s.spawn(|| loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some(goal) = goals.get(i) else { break };
                    let mut chat = shop.chat(&customer_number(i), &bench.menu);
                    let r = bench.run_goal(goal, &mut chat);
                    out.lock().unwrap_or_else(|p| p.into_inner()).push((i, r));
                });
            }
        });
        let mut v = out.into_inner().unwrap_or_else(|p| p.into_inner());
        v.sort_by_key(|(i, _)| *i);
        v.into_iter().map(|(_, r)| r).collect()
    } else {
        let mut shop = match InProcess::open() {
            Ok(s) => s,
            Err(e) => {
                eprintln!("{e}");
                return ExitCode::FAILURE;
            }
        };
        goals
            .iter()
            .enumerate()
            .map(|(i, g)| {
                let mut chat = shop.chat(&customer_number(i), &bench.menu);
                bench.run_goal(g, &mut chat)
            })
            .collect()
    };
    records.sort_by(|a, b| (a.register, &a.goal).cmp(&(b.register, &b.goal)));
    for r in &records {
        if args.verbose || (args.failures && !r.clean()) {
            println!("{}", r.transcript_text());
        }
        if args.list {
            println!("{}", r.summary_line());
        }
    }
    println!(
        "{} — {} goals in {:.1} s",
        if args.real {
            "real relay + edge"
        } else {
            "in-process"
        },
        records.len(),
        started.elapsed().as_secs_f64()
    );
    print!("{}", table(&records));
    let wrong: Vec<&Record> = records.iter().filter(|r| r.wrong()).collect();
    for r in &wrong {
        println!("WRONG ORDER {}: {:?}", r.goal, r.outcome);
    }
    if wrong.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
