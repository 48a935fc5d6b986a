//! The ticket against the real broker and the simulator, through the effect runner: a
//! preview and one POST journaled, the order listed, and the per-account order limiter's
//! refusal shown on the ticket with nothing sent.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod tui_support;

use std::sync::Arc;
use std::time::Duration;

use crossterm::event::KeyCode::{Char, Enter, Right, Tab};
use palmtree::broker::Broker;
use palmtree::broker::orders::OrderJournal;
use palmtree::tui::State;
use palmtree::tui::action::{Action, Effect};
use palmtree::tui::app::View;
use palmtree::tui::runner::EffectRunner;
use palmtree::tui::ticket::Mode;
use palmtree::tui::update::update;
use rust_decimal::Decimal;
use tokio::sync::mpsc::UnboundedReceiver;
use tui_support::{hit, text_at, type_keys};

struct Rig {
    state: State,
    runner: EffectRunner<Broker>,
    rx: UnboundedReceiver<Action>,
}

impl Rig {
    /// Runs `effects`, applies what comes back (running what that asks for in turn) until
    /// an action `done` accepts has been applied.
    async fn pump(&mut self, effects: Vec<Effect>, done: impl Fn(&Action) -> bool) {
        for effect in effects {
            self.runner.run(effect);
        }
        loop {
            let action = tokio::time::timeout(Duration::from_secs(30), self.rx.recv())
                .await
                .expect("an answer within 30 s")
                .expect("the runner is alive");
            let finished = done(&action);
            for effect in update(&mut self.state, action) {
                self.runner.run(effect);
            }
            if finished {
                return;
            }
        }
    }

    /// Fills a fresh ticket with a limit buy of AAPL at `price_of(ask)` and previews it.
    async fn limit_buy(&mut self, quantity: &str, price_of: impl Fn(Decimal) -> Decimal) {
        let effects = hit(&mut self.state, Char('4'));
        self.pump(effects, |_| true).await;
        type_keys(&mut self.state, "aapl");
        let effects = hit(&mut self.state, Tab);
        self.pump(effects, |a| matches!(a, Action::QuotesLoaded { .. }))
            .await;
        let ask = self.state.ticket_quote().and_then(|q| q.ask).unwrap();
        for code in [Right, Tab, Right, Tab] {
            hit(&mut self.state, code);
        }
        type_keys(&mut self.state, quantity);
        for code in [Tab, Right, Right, Tab] {
            hit(&mut self.state, code);
        }
        type_keys(&mut self.state, &price_of(ask).round_dp(2).to_string());
        for code in [Tab, Right, Tab, Right] {
            hit(&mut self.state, code);
        }
        let effects = hit(&mut self.state, Enter);
        assert!(
            matches!(effects.as_slice(), [Effect::Preview { .. }]),
            "{effects:?}\n{}",
            text_at(&self.state, 120, 40)
        );
        self.pump(effects, |a| matches!(a, Action::Previewed { .. }))
            .await;
        assert_eq!(
            self.state.ticket().mode(),
            Mode::Confirming,
            "{}",
            text_at(&self.state, 120, 40)
        );
    }

    async fn confirm(&mut self) {
        let effects = hit(&mut self.state, Char('Y'));
        assert_eq!(effects.len(), 1, "{effects:?}");
        self.pump(effects, |a| matches!(a, Action::Submitted { .. }))
            .await;
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn one_order_a_minute_places_the_first_and_refuses_the_second_unsent() {
    let demo = palmtree::demo::start_with(5, |options| {
        options.reads_per_minute = 100_000;
        options.orders_per_minute = 1;
    })
    .await
    .unwrap();
    let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
    let journal: Arc<dyn OrderJournal> = demo.records.clone();
    let runner = EffectRunner::new(demo.broker.clone(), tx).with_journal(Some(journal));
    let state = State::new(&tui_support::options()).with_trading(
        None,
        palmtree::trading::Limits::default(),
        Some(palmtree::demo::DEMO_DEFAULT_ACCOUNT.to_string()),
    );
    let mut rig = Rig { state, runner, rx };
    let effects = update(&mut rig.state, Action::Start);
    rig.pump(effects, |a| matches!(a, Action::AccountsLoaded { .. }))
        .await;

    // A limit under the market: it stays working.
    rig.limit_buy("4", |ask| ask * Decimal::new(95, 2)).await;
    let text = text_at(&rig.state, 120, 40);
    assert!(text.contains("Commission $0.00"), "{text}");
    rig.confirm().await;
    assert_eq!(rig.state.view(), View::Orders);
    let id = rig.state.highlight_order().unwrap();
    let row = rig.state.visible_orders()[rig.state.selected_row()].clone();
    assert_eq!(row.order_id, id);
    assert!(row.cancelable && row.editable, "{row:?}");
    let account = demo.broker.accounts().await.unwrap();
    let key = &account
        .iter()
        .find(|a| a.label == palmtree::demo::DEMO_DEFAULT_ACCOUNT)
        .unwrap()
        .key;
    assert_eq!(demo.sim.stats().order_calls_to(key.expose()).posts, 1);

    // The second order within the minute: refused before sending, and the ticket says so.
    rig.limit_buy("2", |ask| ask * Decimal::new(95, 2)).await;
    rig.confirm().await;
    assert_eq!(rig.state.view(), View::Trade);
    let text = text_at(&rig.state, 120, 40);
    assert!(text.contains("NOT PLACED"), "{text}");
    assert!(text.contains("order limit reached"), "{text}");
    assert_eq!(
        demo.sim.stats().order_calls_to(key.expose()).posts,
        1,
        "nothing sent"
    );

    // A cancel is an order write too: refused the same way, the order still working.
    let effects = hit(&mut rig.state, Char('3'));
    rig.pump(effects, |a| matches!(a, Action::OrdersLoaded { .. }))
        .await;
    let row = rig
        .state
        .visible_orders()
        .iter()
        .position(|o| o.order_id == id)
        .unwrap();
    for _ in 0..row {
        hit(&mut rig.state, crossterm::event::KeyCode::Down);
    }
    hit(&mut rig.state, Char('c'));
    let effects = hit(&mut rig.state, Char('Y'));
    rig.pump(effects, |a| matches!(a, Action::Canceled { .. }))
        .await;
    let text = text_at(&rig.state, 120, 40);
    assert!(
        text.contains(&format!("Cancel of order #{id} refused")),
        "{text}"
    );
    assert_eq!(demo.sim.stats().order_calls_to(key.expose()).deletes, 0);
}
