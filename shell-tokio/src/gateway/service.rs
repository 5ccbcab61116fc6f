//! The gateway as a service that an application's own server runs: [`GatewayService`].

use std::convert::Infallible;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use http::{Request, Response};
use tokio::sync::watch;

use super::body::GatewayBody;
use super::routes;
use super::shared::{Phase, Shared};
use super::{ABORT_FLUSH, Shutdown};

/// The gateway as a [`tower_service::Service`] (and a [`hyper::service::Service`]): every route
/// of [`Gateway`](super::Gateway), answered for an application's own server, from
/// [`Gateway::into_service`](super::Gateway::into_service). See
/// [Mounting the gateway](super#mounting-the-gateway).
///
/// It takes any request body (hyper's, axum's) and answers with a [`GatewayBody`]; it is
/// always ready and never fails (every problem is an answer). Clones share everything.
/// Dropping the last clone ends the streams still open, as [`shutdown`](Self::shutdown)'s
/// abort does.
#[derive(Clone)]
pub struct GatewayService {
    shared: Arc<Shared>,
    control: Arc<Control>,
}

struct Control {
    phase: watch::Sender<Phase>,
    grace: Duration,
}

impl fmt::Debug for GatewayService {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("GatewayService")
            .field("grace", &self.control.grace)
            .finish_non_exhaustive()
    }
}

/// What [`GatewayService`] returns for each request.
pub type ServiceFuture =
    Pin<Box<dyn Future<Output = Result<Response<GatewayBody>, Infallible>> + Send>>;

impl GatewayService {
    pub(super) fn new(shared: Arc<Shared>, phase: watch::Sender<Phase>, grace: Duration) -> Self {
        GatewayService {
            shared,
            control: Arc::new(Control { phase, grace }),
        }
    }

    /// Answers one request.
    pub fn handle<B>(&self, request: Request<B>) -> ServiceFuture
    where
        B: http_body::Body<Data: Send, Error: Into<BoxError>> + Send + 'static,
    {
        Box::pin(routes::handle(Arc::clone(&self.shared), request))
    }

    /// Ends the gateway's streams gracefully, for an application that shuts its server down:
    /// lets the resumable streams whose readers left read their upstream to its end within
    /// the grace period ([`Gateway::shutdown_grace`](super::Gateway::shutdown_grace)), then
    /// ends every stream still open (the application server's too) with an error terminal
    /// frame and `data: [DONE]`. The application's server waits for its own connections.
    pub async fn shutdown(&self) -> Shutdown {
        let control = &self.control;
        control.phase.send_replace(Phase::Draining);
        let mut detached = self.shared.detached.subscribe();
        if tokio::time::timeout(control.grace, detached.wait_for(|n| *n == 0))
            .await
            .is_ok()
        {
            return Shutdown::Graceful;
        }
        control.phase.send_replace(Phase::Aborting);
        let _ = tokio::time::timeout(ABORT_FLUSH, detached.wait_for(|n| *n == 0)).await;
        Shutdown::Aborted
    }
}

/// A boxed error, as request bodies give them.
type BoxError = Box<dyn std::error::Error + Send + Sync>;

impl<B> tower_service::Service<Request<B>> for GatewayService
where
    B: http_body::Body<Data: Send, Error: Into<BoxError>> + Send + 'static,
{
    type Response = Response<GatewayBody>;
    type Error = Infallible;
    type Future = ServiceFuture;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, request: Request<B>) -> ServiceFuture {
        self.handle(request)
    }
}

impl<B> hyper::service::Service<Request<B>> for GatewayService
where
    B: http_body::Body<Data: Send, Error: Into<BoxError>> + Send + 'static,
{
    type Response = Response<GatewayBody>;
    type Error = Infallible;
    type Future = ServiceFuture;

    fn call(&self, request: Request<B>) -> ServiceFuture {
        self.handle(request)
    }
}
