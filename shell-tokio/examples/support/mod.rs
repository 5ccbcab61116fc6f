//! What the mock-endpoint examples share: they serve until their standard input closes.

use std::io::BufRead;

/// Returns when standard input is closed (read on a blocking thread: the runtime serves
/// meanwhile).
pub async fn until_stdin_closes() -> Result<(), tokio::task::JoinError> {
    tokio::task::spawn_blocking(|| {
        for line in std::io::stdin().lock().lines() {
            if line.is_err() {
                break;
            }
        }
    })
    .await
}
