//! [`Deadline`]: a timer that a stream looks at every time it waits, cheaply.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, Waker};

use tokio::time::{Instant, Sleep};

/// A deadline checked on every wait of a stream (an idle timeout, a keep-alive interval).
///
/// The first check arms tokio's timer, which wakes the task when the deadline comes. Checked
/// again by the same task before the deadline, it answers from the clock alone: the timer is
/// armed already, so polling it again would only register the same waker once more, and even
/// asking the timer whether it fired reads memory of its own, colder than the clock.
pub(crate) struct Deadline {
    sleep: Pin<Box<Sleep>>,
    /// The deadline (the timer's, kept here too).
    at: Instant,
    /// The waker the timer was last armed with, until it fires or moves.
    armed: Option<Waker>,
}

impl Deadline {
    pub(crate) fn new(at: Instant) -> Deadline {
        Deadline {
            sleep: Box::pin(tokio::time::sleep_until(at)),
            at,
            armed: None,
        }
    }

    /// A deadline `duration` from now (far in the future when that overflows).
    #[cfg(feature = "gateway")]
    pub(crate) fn after(duration: std::time::Duration) -> Deadline {
        let sleep = Box::pin(tokio::time::sleep(duration));
        Deadline {
            at: sleep.deadline(),
            sleep,
            armed: None,
        }
    }

    /// `Ready` once the deadline has passed; otherwise `Pending`, and the task is woken when
    /// it passes.
    pub(crate) fn poll_due(&mut self, cx: &mut Context<'_>) -> Poll<()> {
        if self
            .armed
            .as_ref()
            .is_some_and(|waker| waker.will_wake(cx.waker()))
            && Instant::now() < self.at
        {
            return Poll::Pending;
        }
        // With the task's cooperative budget spent, the sleep answers `Pending` without arming
        // its timer (it only has the task polled again): not armed, then.
        let had_budget = tokio::task::coop::has_budget_remaining();
        let polled = self.sleep.as_mut().poll(cx);
        self.armed = match polled {
            Poll::Pending if had_budget => Some(cx.waker().clone()),
            Poll::Pending | Poll::Ready(()) => None,
        };
        polled
    }

    /// Moves the deadline to `at`.
    pub(crate) fn reset(&mut self, at: Instant) {
        self.sleep.as_mut().reset(at);
        self.at = at;
        self.armed = None;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::future::{Future, poll_fn};
    use std::time::Duration;

    /// `wait`, bounded: a deadline that never wakes its task fails the test (the bound's own
    /// timer wakes it a minute later, which the elapsed-time checks see) instead of hanging it.
    async fn bounded<T>(wait: impl Future<Output = T>) -> T {
        tokio::time::timeout(Duration::from_secs(60), wait)
            .await
            .expect("the deadline never woke its task")
    }

    #[tokio::test(start_paused = true)]
    async fn fires_at_its_deadline_and_again_after_a_reset() {
        let start = Instant::now();
        let mut deadline = Deadline::new(start + Duration::from_secs(5));
        bounded(poll_fn(|cx| deadline.poll_due(cx))).await;
        assert_eq!(start.elapsed(), Duration::from_secs(5));

        deadline.reset(Instant::now() + Duration::from_secs(2));
        bounded(poll_fn(|cx| deadline.poll_due(cx))).await;
        assert_eq!(start.elapsed(), Duration::from_secs(7));
    }

    #[tokio::test(start_paused = true)]
    async fn a_check_before_the_deadline_keeps_the_wakeup() {
        let start = Instant::now();
        let mut deadline = Deadline::new(start + Duration::from_secs(3));
        // Checked many times by the same task before the deadline (as a stream does between
        // its pieces): it still wakes the task when the deadline comes.
        let mut checks = 0;
        bounded(poll_fn(|cx| {
            checks += 1;
            if checks < 100 {
                assert!(deadline.poll_due(cx).is_pending());
                cx.waker().wake_by_ref();
                return Poll::Pending;
            }
            deadline.poll_due(cx)
        }))
        .await;
        assert_eq!(start.elapsed(), Duration::from_secs(3));
    }

    #[tokio::test(start_paused = true)]
    async fn a_first_check_with_the_budget_spent_arms_the_timer_at_the_next() {
        let start = Instant::now();
        let mut deadline = Deadline::new(start + Duration::from_secs(2));
        let mut first = true;
        bounded(poll_fn(|cx| {
            if first {
                // The task has done its share of work for this turn: tokio's cooperative
                // budget is spent, so the timer answers `Pending` without arming itself.
                first = false;
                while tokio::task::coop::has_budget_remaining() {
                    let spend = std::pin::pin!(tokio::task::coop::consume_budget());
                    let _ = spend.poll(cx);
                }
            }
            deadline.poll_due(cx)
        }))
        .await;
        assert_eq!(start.elapsed(), Duration::from_secs(2));
    }

    #[tokio::test(start_paused = true)]
    async fn another_task_arms_the_timer_for_itself() {
        let start = Instant::now();
        let mut deadline = Deadline::new(start + Duration::from_secs(4));
        // Armed by one task, which then goes away ...
        let armed = poll_fn(|cx| Poll::Ready(deadline.poll_due(cx))).await;
        assert!(armed.is_pending());
        // ... and awaited in another: that task is the one woken.
        let task = tokio::spawn(async move {
            poll_fn(|cx| deadline.poll_due(cx)).await;
            Instant::now()
        });
        assert_eq!(bounded(task).await.unwrap() - start, Duration::from_secs(4));
    }
}
