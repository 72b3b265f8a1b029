//! The one clock of the domain. Handlers and jobs ask the clock they were given, never the
//! system directly, so tests of windows, expiry and schedules move time instead of sleeping.
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;

pub trait Clock: Send + Sync + std::fmt::Debug {
    /// Unix time in milliseconds (UTC).
    fn now_ms(&self) -> i64;
}

/// Shared by everything that needs the time; cheap to clone.
pub type SharedClock = Arc<dyn Clock>;

/// The wall clock.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now_ms(&self) -> i64 {
        system_now_ms()
    }
}

pub fn system() -> SharedClock {
    Arc::new(SystemClock)
}

/// Wall-clock milliseconds, for what must follow real time whatever the domain clock says
/// (id generation, leases, logs).
pub fn system_now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

/// A clock that moves only when told: for tests.
#[derive(Debug)]
pub struct ManualClock(AtomicI64);

impl ManualClock {
    pub fn new(now_ms: i64) -> Arc<ManualClock> {
        Arc::new(ManualClock(AtomicI64::new(now_ms)))
    }
    /// Starts at the wall clock's now.
    pub fn at_system_now() -> Arc<ManualClock> {
        Self::new(system_now_ms())
    }
    pub fn set(&self, now_ms: i64) {
        self.0.store(now_ms, Ordering::SeqCst);
    }
    pub fn advance_ms(&self, ms: i64) {
        self.0.fetch_add(ms, Ordering::SeqCst);
    }
    /// Now on this clock (the same as [`Clock::now_ms`], without importing the trait).
    pub fn now(&self) -> i64 {
        self.now_ms()
    }
}

impl Clock for ManualClock {
    fn now_ms(&self) -> i64 {
        self.0.load(Ordering::SeqCst)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_manual_clock_moves_only_when_told() {
        let c = ManualClock::new(1_000);
        assert_eq!(c.now_ms(), 1_000);
        c.advance_ms(86_400_000);
        assert_eq!(c.now_ms(), 86_401_000);
        let shared: SharedClock = c.clone();
        c.set(5);
        assert_eq!(shared.now_ms(), 5);
    }
}
