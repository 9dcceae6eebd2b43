//! A handful of corpus goals (issue 14), one per register with pickup and delivery, through
//! the real relay and edge: signed webhooks in, replies read from the Graph stand-in, the
//! adaptive customer answering what the bot actually asks. Whatever the bot understands, it
//! must never place an order that differs from what the customer wanted — the success rate
//! is the bench's business (`scripts/bench-conversation.sh`), not this test's.

use resto_e2e::customer::real::RealShop;
use resto_e2e::customer::run::Turn;
use resto_e2e::customer::{customer_number, Bench, Outcome};

#[test]
fn corpus_goals_through_the_real_path_never_give_a_wrong_order() {
    let bench = Bench::load().expect("corpus");
    let shop = RealShop::open();
    let ids = ["fr-03", "fr-11", "msa-04", "dza-12", "dzl-10", "mix-02"];
    let mut placed = 0;
    for (i, id) in ids.iter().enumerate() {
        let goal = bench.corpus.goal(id).expect("goal in the corpus");
        let mut chat = shop.chat(&customer_number(900 + i), &bench.menu);
        let r = bench.run_goal(goal, &mut chat);
        assert!(!r.wrong(), "wrong order for {id}:\n{}", r.transcript_text());
        // The bot answered every message the customer sent (the harness really talked to it).
        for (k, turn) in r.transcript.iter().enumerate() {
            if matches!(turn, Turn::Customer(_) | Turn::Tap(..)) {
                assert!(
                    matches!(r.transcript.get(k + 1), Some(Turn::Bot(_))),
                    "no reply to message {k} of {id}:\n{}",
                    r.transcript_text()
                );
            }
        }
        placed += (r.outcome == Outcome::Correct) as u32;
    }
    eprintln!("{placed} of {} goals ordered correctly", ids.len());
}
