//! `llm-sse mock`: serve a recorded provider stream as a mock provider, with pacing and faults.
//!
//! The first line of standard output is the address the server listens on; each request it
//! answers is logged on standard error. It serves until interrupted (SIGINT or SIGTERM).

use std::io::{self, Write};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::Args;
use llm_sse_core::Provider;
use llm_sse_core::aws::AwsCredentials;
use llm_sse_core::provider::Auth;
use llm_sse_tokio::mock::{DEFAULT_BACKLOG, MockProvider, MockServer};

use super::args::parse_provider;
use super::failure::Failure;

#[derive(Debug, Args)]
pub(super) struct MockArgs {
    /// The provider to mock (anthropic, openai, gemini, bedrock or vertex): its endpoint,
    /// content type, credentials and error bodies.
    #[arg(long, value_name = "PROVIDER", value_parser = parse_provider)]
    provider: Provider,
    /// The recorded response body to serve, as the provider streams it: a .sse file, or for
    /// bedrock a binary .eventstream file (an Anthropic .sse file is re-framed as Bedrock's
    /// event stream).
    #[arg(long, value_name = "REC")]
    file: PathBuf,
    /// The address to listen on (port 0: any free port).
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:0")]
    addr: SocketAddr,
    /// How many connections the kernel may queue before the mock accepts them (the listen
    /// backlog), so that a burst of clients is not dropped. Linux caps it at
    /// net.core.somaxconn, with a warning.
    #[arg(long, value_name = "N", default_value_t = DEFAULT_BACKLOG,
          value_parser = clap::value_parser!(u32).range(1..))]
    backlog: u32,
    /// Pause between two writes of the body, in milliseconds.
    #[arg(long, value_name = "D", default_value_t = 0)]
    delay_ms: u64,
    /// Write the body in pieces of N bytes instead of one event (bedrock: one event-stream
    /// message) per write.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..=1 << 24))]
    chunk_size: Option<u64>,
    /// Answer the first K requests with --status and the provider's error body.
    #[arg(long, value_name = "K", requires = "status")]
    fail_first: Option<u64>,
    /// The status of the failed answers.
    #[arg(long, value_name = "S", requires = "fail_first",
          value_parser = clap::value_parser!(u16).range(400..=599))]
    status: Option<u16>,
    /// Send `retry-after: SECS` with the failed answers.
    #[arg(long, value_name = "SECS", requires = "fail_first")]
    retry_after: Option<u64>,
    /// After BYTES body bytes, drop the connection (the body never ends cleanly).
    #[arg(long, value_name = "BYTES", conflicts_with = "stall_after")]
    cut_after: Option<u64>,
    /// After BYTES body bytes, send nothing more but keep the connection open.
    #[arg(long, value_name = "BYTES")]
    stall_after: Option<u64>,
    /// Require this API key in the provider's credentials header (vertex: the bearer token;
    /// bedrock: the access key id that signed, the signature unchecked); others get 401
    /// (bedrock: 403).
    #[arg(long, value_name = "KEY")]
    require_api_key: Option<String>,
    /// For bedrock: verify each request's AWS Signature Version 4 against the AWS credentials
    /// and region of this process's environment, read as the clients read them
    /// (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN, or AWS_PROFILE's static
    /// keys; AWS_REGION, else AWS_DEFAULT_REGION). Refused requests get 403 with AWS's error
    /// type (MissingAuthenticationTokenException, InvalidSignatureException,
    /// UnrecognizedClientException, a signature more than 5 minutes off) and message. The
    /// secrets stay in the environment, never on the command line.
    #[arg(long)]
    require_aws_signature: bool,
}

fn size(n: u64) -> usize {
    usize::try_from(n).unwrap_or(usize::MAX)
}

impl MockArgs {
    fn mock(&self, recording: Vec<u8>) -> MockProvider {
        let mut mock = MockProvider::new(self.provider, recording)
            .addr(self.addr)
            .backlog(self.backlog)
            .delay(Duration::from_millis(self.delay_ms));
        if let Some(n) = self.chunk_size {
            mock = mock.chunk_size(size(n));
        }
        if let (Some(k), Some(status)) = (self.fail_first, self.status) {
            mock = mock.fail_first(size(k), status);
        }
        if let Some(secs) = self.retry_after {
            mock = mock.retry_after(secs);
        }
        if let Some(n) = self.cut_after {
            mock = mock.cut_after(size(n));
        }
        if let Some(n) = self.stall_after {
            mock = mock.stall_after(size(n));
        }
        if let Some(key) = &self.require_api_key {
            mock = mock.require_api_key(key.clone());
        }
        mock
    }

    /// The AWS credentials and region that signatures must verify with, from the environment
    /// (`--require-aws-signature`), or what is missing.
    fn aws(&self) -> Result<Option<(AwsCredentials, String)>, String> {
        if !self.require_aws_signature {
            return Ok(None);
        }
        if !matches!(self.provider.spec().auth, Auth::AwsSigV4 { .. }) {
            return Err(format!(
                "--require-aws-signature: {} requests are not signed with AWS Signature Version 4",
                self.provider
            ));
        }
        let settings = llm_sse_tokio::settings_from_env().map_err(|e| e.to_string())?;
        let aws = settings
            .aws()
            .map_err(|e| format!("--require-aws-signature: {e}"))?;
        let keys = aws.credentials.keys().ok_or_else(|| {
            "--require-aws-signature: the AWS credentials of this environment come from a \
             container endpoint; set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY to the keys \
             the clients sign with"
                .to_owned()
        })?;
        Ok(Some((keys.clone(), aws.region.clone())))
    }
}

pub(super) fn run(args: &MockArgs) -> Result<ExitCode, Failure> {
    let recording = std::fs::read(&args.file).map_err(|e| Failure::Open(args.file.clone(), e))?;
    let aws = match args.aws() {
        Ok(aws) => aws,
        Err(message) => {
            eprintln!("llm-sse: error: {message}");
            return Ok(ExitCode::from(2));
        }
    };
    let mut mock = args.mock(recording);
    if let Some((credentials, region)) = aws {
        mock = mock.require_aws_signature(credentials, region);
    }
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("llm-sse: error: cannot start the runtime: {e}");
            return Ok(ExitCode::from(2));
        }
    };
    runtime.block_on(serve(mock, args.backlog))
}

async fn serve(mock: MockProvider, backlog: u32) -> Result<ExitCode, Failure> {
    let server = match mock.start().await {
        Ok(server) => server,
        Err(e) => {
            eprintln!("llm-sse: error: {e}");
            return Ok(ExitCode::from(2));
        }
    };
    if server.backlog() < backlog {
        eprintln!(
            "llm-sse: warning: the kernel caps the listen backlog at {} (net.core.somaxconn), \
             not {backlog}: a larger burst of new connections may wait for the clients' SYN \
             timeout (1 s)",
            server.backlog()
        );
    }
    let interrupted = interrupted();
    {
        let mut out = io::stdout().lock();
        writeln!(out, "{}", server.addr())
            .and_then(|()| out.flush())
            .map_err(Failure::Write)?;
    }
    tokio::select! {
        () = interrupted => {}
        () = log_requests(&server) => {}
    }
    Ok(ExitCode::SUCCESS)
}

/// Writes one line per answered request to standard error, forever.
async fn log_requests(server: &MockServer) {
    let mut seen = 0;
    loop {
        let requests = server.wait_for_requests(seen + 1).await;
        let first_new = seen;
        for request in requests.iter().filter(|r| r.index >= first_new) {
            eprintln!(
                "llm-sse: {} {} -> {}",
                request.method,
                request.uri,
                request.status.as_u16()
            );
            seen = request.index + 1;
        }
    }
}

/// A future that resolves on SIGINT (Ctrl-C) or, on Unix, SIGTERM.
///
/// The handlers are installed by this call, not when the future is first polled: call it before
/// announcing the address, so that a signal sent as soon as the address is known cannot meet
/// the default action (which ends the process at once). Must be called inside the runtime.
pub(super) fn interrupted() -> impl std::future::Future<Output = ()> {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let mut interrupt = signal(SignalKind::interrupt()).ok();
        let mut terminate = signal(SignalKind::terminate()).ok();
        async move {
            let interrupt = async {
                match interrupt.as_mut() {
                    Some(s) => s.recv().await,
                    None => std::future::pending().await,
                }
            };
            let terminate = async {
                match terminate.as_mut() {
                    Some(s) => s.recv().await,
                    None => std::future::pending().await,
                }
            };
            tokio::select! {
                _ = interrupt => {}
                _ = terminate => {}
            }
        }
    }
    #[cfg(not(unix))]
    async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    }
}
