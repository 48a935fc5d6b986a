//! The long run: ten and a half simulated days on moved clocks, a quote every 25 minutes. The
//! access token is refreshed every second step, the refresh deadline never moves, the 7-day
//! login ends in "login required" with no further token or data requests, and a fresh login
//! brings the quotes back. Every count is exact.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod fault_support;

use std::io::Write as _;
use std::time::Duration;

use chrono::TimeDelta;
use fault_support::*;
use palmtree::broker::BrokerError;
use palmtree::broker::model::QuoteState;
use palmtree::clock::Clock;

/// The step between two quotes: under the access token's 30 minutes, so a token is used for
/// one step and refreshed on the next.
const STEP: Duration = Duration::from_secs(25 * 60);

/// The simulator's walk step: the prices move between two quotes without every request
/// replaying hundreds of steps.
const WALK_TICK: Duration = Duration::from_secs(5 * 60);

/// The step at which the 7-day login has ended: 404 × 25 min is 7 days and 20 minutes.
const DEADLINE_STEP: u32 = 404;
/// The step of the fresh login, and the last step (600 × 25 min is 10 days and 10 hours).
const LOGIN_STEP: u32 = 410;
const LAST_STEP: u32 = 600;

#[tokio::test(flavor = "multi_thread")]
async fn ten_days_of_quotes_refresh_on_schedule_end_at_the_deadline_and_resume_after_login() {
    let started = std::time::Instant::now();
    let clock = Clock::system();
    let (sim, broker) = bare(31, WALK_TICK, clock.clone()).await;
    let client = broker.client().clone();
    let first = client.tokens().await.unwrap();
    let aapl = vec!["AAPL".to_string()];
    let token_requests = || sim.stats().requests_to("POST", TOKEN);
    let quote_requests = || sim.stats().requests_to("GET", QUOTES);

    let mut refreshes = 0;
    for step in 1..DEADLINE_STEP {
        advance(&sim, &clock, STEP);
        let rows = broker
            .quotes(&aapl)
            .await
            .unwrap_or_else(|e| panic!("step {step}: {e}"));
        assert!(matches!(rows[0].state, QuoteState::Live(_)), "step {step}");
        if step % 2 == 0 {
            refreshes += 1;
        }
        assert_eq!(client.refresh_count(), refreshes, "step {step}");
        let tokens = client.tokens().await.unwrap();
        assert_eq!(
            tokens.refresh_deadline, first.refresh_deadline,
            "step {step}"
        );
    }
    assert_eq!(refreshes, 201);
    assert_eq!(sim.stats().grants("refresh_token"), 201);
    assert_eq!(token_requests(), 202, "one code exchange and 201 refreshes");
    assert_eq!(quote_requests(), 403);

    // Past the deadline no refresh is even tried: only a new login helps, and nothing more
    // is sent until there is one.
    for step in DEADLINE_STEP..LOGIN_STEP {
        advance(&sim, &clock, STEP);
        let error = broker.quotes(&aapl).await.unwrap_err();
        assert!(
            matches!(&error, BrokerError::LoginRequired(why) if why.contains("7-day")),
            "step {step}: {error}"
        );
        assert_plain(&format!("step {step}"), &error.to_string());
        assert!(client.login_required());
    }
    assert!(clock.now() >= first.refresh_deadline);
    assert_eq!(
        token_requests(),
        202,
        "no token request once the login has ended"
    );
    assert_eq!(quote_requests(), 403, "no quote request without a login");
    assert_eq!(client.refresh_count(), 201);

    palmtree::demo::login(&sim, &client).await.unwrap();
    assert!(!client.login_required());
    let second = client.tokens().await.unwrap();
    assert_eq!(
        second.refresh_deadline - second.exchanged_at,
        TimeDelta::days(7)
    );
    assert!(second.refresh_deadline > first.refresh_deadline + TimeDelta::days(7));
    for step in LOGIN_STEP..=LAST_STEP {
        advance(&sim, &clock, STEP);
        broker
            .quotes(&aapl)
            .await
            .unwrap_or_else(|e| panic!("step {step} after the new login: {e}"));
    }
    // One refresh every second step since the login.
    let steps_since_login = LAST_STEP - LOGIN_STEP + 1;
    let after_login = steps_since_login / 2;
    assert_eq!(after_login, 95);
    assert_eq!(client.refresh_count(), u64::from(201 + after_login));
    assert_eq!(sim.stats().grants("authorization_code"), 2);
    assert_eq!(
        sim.stats().grants("refresh_token"),
        u64::from(201 + after_login)
    );
    assert_eq!(token_requests(), u64::from(2 + 201 + after_login));
    assert_eq!(
        quote_requests(),
        u64::from(403 + LAST_STEP - LOGIN_STEP + 1)
    );
    assert_eq!(sim.stats().total_faults(), 0);

    let days = (clock.now() - first.exchanged_at).num_minutes() as f64 / (24.0 * 60.0);
    assert!(days >= 10.0, "{days} days");
    writeln!(
        std::io::stdout(),
        "long run: {days:.1} simulated days in {LAST_STEP} steps of 25 min, {} refreshes, \
         {} token requests, {} quote requests, login required from step {DEADLINE_STEP} to \
         step {}, a fresh login at step {LOGIN_STEP} ({:.1} s)",
        client.refresh_count(),
        token_requests(),
        quote_requests(),
        LOGIN_STEP - 1,
        started.elapsed().as_secs_f64()
    )
    .unwrap();
}
