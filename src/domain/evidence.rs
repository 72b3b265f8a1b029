//! Whether an answer came from a person or a mail scanner, judged from every visit and page
//! signal of its invitation. Pure: the events in, the judgement out.
//!
//! What scanners do (Microsoft Defender Safe Links, Proofpoint, Barracuda, ticketing systems):
//! open every link, before delivery and again at the moment the person clicks, from other
//! addresses; some run JavaScript and follow every link of a page; none has been seen to touch,
//! type or scroll. So, judged **per source** (address and user agent), so that a scanner's
//! sweep beside a person's click neither locks the person out nor cancels their answer:
//! - a source is a **scanner** when it followed the page's invisible trap link, or sent three or
//!   more different scores through links within the burst window (a person who changes their
//!   mind taps two);
//! - a source shows a **person** by a gesture or a form post (strong), or by keeping the page
//!   visible and focused for the dwell time (soft: it counts once a quiet window passes
//!   without that source being caught as a scanner);
//! - among the sources that show a person, the one whose score came last wins;
//! - scores from sources with no sign of a person are **unverified**, shown apart and never
//!   counted; scores only from scanners are **scanner**.
use crate::types::{AnswerState, Signal};

/// The path segment of the invisible link on the answer pages and in the survey email
/// (`/s/{token}/t`): no person can see or reach it, so whoever follows it is a scanner.
pub const TRAP: &str = "t";

/// Different scores by links from one source within the burst window that make it a scanner.
/// Two is a person changing their mind; scanners open every link.
pub const BURST_SCORES: usize = 3;

/// The windows of the rule (settings `ACHT_ANSWER_*`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rules {
    /// Visible and focused this long is a person's dwell.
    pub dwell_ms: i64,
    /// A dwell counts when its source is not caught as a scanner for this long after it.
    pub quiet_ms: i64,
    /// Three different scores by links from one source within this window: a scanner.
    pub burst_ms: i64,
}

impl Default for Rules {
    /// Scanners sweep a message's links within a second or two, and follow a page's links as
    /// they render it; people read a page for seconds. Defaults with room on both sides.
    fn default() -> Self {
        Rules { dwell_ms: 2_000, quiet_ms: 60_000, burst_ms: 10_000 }
    }
}

/// One event as the rule sees it.
#[derive(Debug, Clone)]
pub struct Visit {
    pub at: i64,
    /// Address and user agent.
    pub source: String,
    pub kind: Signal,
    pub score: Option<i32>,
    pub visible_ms: Option<i64>,
}

/// The rule's verdict on an invitation's answer.
#[derive(Debug, Clone, PartialEq)]
pub struct Judgement {
    pub state: AnswerState,
    /// The score that stands (None: no score arrived).
    pub score: Option<i32>,
    /// Whether the page's form carried it (else a link).
    pub by_form: bool,
    /// From when it counts (counted: when the person showed; provisional: after the quiet window).
    pub counts_from: Option<i64>,
    pub reason: String,
}

/// What one source did.
#[derive(Default)]
struct Source<'a> {
    /// Time of the first gesture or form post.
    strong: Option<i64>,
    /// Time of the first dwell (or hidden page after a dwell's worth of visibility).
    soft: Option<i64>,
    /// Times at which it was caught as a scanner.
    caught: Vec<i64>,
    /// Its score events, in order.
    scores: Vec<&'a Visit>,
}

pub fn judge(visits: &[Visit], rules: Rules) -> Judgement {
    let mut sources: Vec<(&str, Source)> = Vec::new();
    let mut ordered: Vec<&Visit> = visits.iter().collect();
    ordered.sort_by_key(|v| v.at);
    for v in ordered {
        let k = match sources.iter().position(|(s, _)| *s == v.source) {
            Some(k) => k,
            None => {
                sources.push((&v.source, Source::default()));
                sources.len() - 1
            }
        };
        let s = &mut sources[k].1;
        match v.kind {
            Signal::Form | Signal::Gesture => {
                s.strong.get_or_insert(v.at);
            }
            Signal::Dwell => {
                s.soft.get_or_insert(v.at);
            }
            Signal::Hidden if v.visible_ms.unwrap_or(0) >= rules.dwell_ms => {
                s.soft.get_or_insert(v.at);
            }
            Signal::Trap => s.caught.push(v.at),
            Signal::View | Signal::Link | Signal::Loaded | Signal::Hidden => {}
        }
        if let (Signal::Link, Some(score)) = (v.kind, v.score) {
            let mut recent: Vec<i32> = s
                .scores
                .iter()
                .filter(|e| e.kind == Signal::Link && v.at - e.at <= rules.burst_ms)
                .filter_map(|e| e.score)
                .chain([score])
                .collect();
            recent.sort_unstable();
            recent.dedup();
            if recent.len() >= BURST_SCORES {
                s.caught.push(v.at);
            }
        }
        if v.score.is_some() && matches!(v.kind, Signal::Link | Signal::Form) {
            s.scores.push(v);
        }
    }
    verdict(&sources, rules)
}

fn verdict(sources: &[(&str, Source)], rules: Rules) -> Judgement {
    // Sources that showed a person and were not caught before their evidence counted.
    let mut best: Option<(&Visit, AnswerState, i64, String)> = None;
    for (_, s) in sources {
        let Some(last) = s.scores.last().copied() else { continue };
        let person = match (s.strong, s.soft) {
            (Some(t), _) if s.caught.is_empty() => {
                Some((AnswerState::Counted, t.max(last.at), "a touch, key or form on the page"))
            }
            (None, Some(t)) => {
                let from = t.max(last.at) + rules.quiet_ms;
                let contradicted = s.caught.iter().any(|&c| c < from);
                (!contradicted).then_some((AnswerState::Provisional, from, "the page stayed in view"))
            }
            _ => None,
        };
        let Some((state, from, why)) = person else { continue };
        // A touch or a form beats a dwell; among equals, the latest score wins.
        let rank = |st: AnswerState, at: i64| (st == AnswerState::Counted, at);
        if best.as_ref().is_none_or(|(b, bst, ..)| rank(state, last.at) >= rank(*bst, b.at)) {
            best = Some((last, state, from, why.to_string()));
        }
    }
    if let Some((v, state, from, why)) = best {
        return Judgement {
            state,
            score: v.score,
            by_form: v.kind == Signal::Form,
            counts_from: Some(from),
            reason: why,
        };
    }
    let latest = |pick: &dyn Fn(&Source) -> bool| {
        sources.iter().filter(|(_, s)| pick(s)).filter_map(|(_, s)| s.scores.last().copied()).max_by_key(|v| v.at)
    };
    if let Some(v) = latest(&|s| s.caught.is_empty()) {
        return Judgement {
            state: AnswerState::Unverified,
            score: v.score,
            by_form: false,
            counts_from: None,
            reason: "requests only: no sign of a person on the page".into(),
        };
    }
    match latest(&|_| true) {
        Some(v) => Judgement {
            state: AnswerState::Scanner,
            score: v.score,
            by_form: v.kind == Signal::Form,
            counts_from: None,
            reason: "a mail scanner: it followed the invisible link or sent several scores at once".into(),
        },
        None => Judgement {
            state: AnswerState::Unverified,
            score: None,
            by_form: false,
            counts_from: None,
            reason: "no score yet".into(),
        },
    }
}

/// The state a reader sees at `now`: a provisional answer whose quiet window has passed counts.
/// Here, with the rules that set the window, so that the rollups and the answers both take it
/// from the rules rather than from each other.
pub fn effective_state(r: &crate::db::models::Response, now: i64) -> AnswerState {
    match (r.state, r.counts_from) {
        (AnswerState::Provisional, Some(from)) if from <= now => AnswerState::Counted,
        (state, _) => state,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(at: i64, source: &str, kind: Signal, score: Option<i32>) -> Visit {
        Visit { at, source: source.into(), kind, score, visible_ms: None }
    }
    const R: Rules = Rules { dwell_ms: 2_000, quiet_ms: 60_000, burst_ms: 10_000 };

    #[test]
    fn a_bare_link_is_unverified_and_a_gesture_counts_it() {
        let click = v(1_000, "p", Signal::Link, Some(8));
        let j = judge(std::slice::from_ref(&click), R);
        assert_eq!((j.state, j.score, j.counts_from), (AnswerState::Unverified, Some(8), None));
        let j = judge(&[click, v(3_000, "p", Signal::Gesture, None)], R);
        assert_eq!((j.state, j.score, j.counts_from), (AnswerState::Counted, Some(8), Some(3_000)));
    }

    #[test]
    fn a_dwell_is_provisional_for_the_quiet_window_and_a_trap_in_it_contradicts() {
        let visits = [v(1_000, "p", Signal::Link, Some(7)), v(3_500, "p", Signal::Dwell, None)];
        let j = judge(&visits, R);
        assert_eq!((j.state, j.counts_from), (AnswerState::Provisional, Some(63_500)));
        let mut caught = visits.to_vec();
        caught.push(v(5_000, "p", Signal::Trap, None));
        assert_eq!(judge(&caught, R).state, AnswerState::Scanner);
        // After the window, a late trap hit no longer changes a counted answer.
        let mut late = visits.to_vec();
        late.push(v(70_000, "p", Signal::Trap, None));
        assert_eq!(judge(&late, R).state, AnswerState::Provisional);
    }

    #[test]
    fn a_person_changing_their_mind_at_once_is_not_a_scanner() {
        let visits = [
            v(1_000, "p", Signal::Link, Some(6)),
            v(1_400, "p", Signal::Link, Some(8)),
            v(3_000, "p", Signal::Gesture, None),
        ];
        let j = judge(&visits, R);
        assert_eq!((j.state, j.score), (AnswerState::Counted, Some(8)));
    }

    #[test]
    fn a_touch_beats_a_later_dwell_from_elsewhere() {
        let visits = [
            v(1_000, "person", Signal::Link, Some(6)),
            v(1_500, "person", Signal::Gesture, None),
            v(90_000, "rescan", Signal::Link, Some(9)),
            v(92_100, "rescan", Signal::Dwell, None),
        ];
        assert_eq!(judge(&visits, R).score, Some(6));
    }

    #[test]
    fn a_scanner_sweeping_every_link_is_a_scanner() {
        let sweep: Vec<Visit> =
            (1..=10).map(|s| v(1_000 + i64::from(s) * 20, "defender", Signal::Link, Some(s))).collect();
        let j = judge(&sweep, R);
        assert_eq!(j.state, AnswerState::Scanner);
        assert_eq!(j.counts_from, None);
    }

    #[test]
    fn a_sweep_at_the_moment_of_a_click_does_not_cancel_the_person() {
        let mut visits: Vec<Visit> =
            (1..=10).map(|s| v(5_000 + i64::from(s), "scanner", Signal::Link, Some(s))).collect();
        visits.push(v(5_000, "person", Signal::Link, Some(8)));
        visits.push(v(5_500, "scanner", Signal::Trap, None));
        visits.push(v(7_200, "person", Signal::Dwell, None));
        let j = judge(&visits, R);
        assert_eq!((j.state, j.score), (AnswerState::Provisional, Some(8)));
        visits.push(v(9_000, "person", Signal::Gesture, None));
        assert_eq!(judge(&visits, R).state, AnswerState::Counted);
    }

    #[test]
    fn among_people_the_last_score_wins() {
        let visits = [
            v(1_000, "p", Signal::Link, Some(6)),
            v(2_000, "p", Signal::Gesture, None),
            v(4_000, "p", Signal::Form, Some(9)),
        ];
        let j = judge(&visits, R);
        assert_eq!((j.state, j.score, j.by_form), (AnswerState::Counted, Some(9), true));
        // Tapping one score link and then another, each with a dwell: the last one stands.
        let visits = [
            v(1_000, "phone", Signal::Link, Some(6)),
            v(3_100, "phone", Signal::Dwell, None),
            v(20_000, "phone", Signal::Link, Some(8)),
        ];
        assert_eq!(judge(&visits, R).score, Some(8));
    }

    #[test]
    fn a_short_visit_closed_quickly_is_not_a_dwell() {
        let mut hidden = v(1_900, "p", Signal::Hidden, None);
        hidden.visible_ms = Some(800);
        let j = judge(&[v(1_000, "p", Signal::Link, Some(8)), v(1_100, "p", Signal::Loaded, None), hidden.clone()], R);
        assert_eq!(j.state, AnswerState::Unverified);
        hidden.visible_ms = Some(2_400);
        let j = judge(&[v(1_000, "p", Signal::Link, Some(8)), hidden], R);
        assert_eq!(j.state, AnswerState::Provisional);
    }
}
