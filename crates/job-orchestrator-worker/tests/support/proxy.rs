//! A TCP proxy between the services under test and PostgreSQL that a test can cut and
//! restore: a database outage for the processes behind it, without touching the server the
//! rest of the suite shares. Cut, it closes every open connection and every new one at once.

use std::net::SocketAddr;
use std::str::FromStr;
use std::sync::{Arc, Mutex};

use exobrain_common::shutdown::CancellationToken;
use sqlx::ConnectOptions;
use sqlx::postgres::PgConnectOptions;
use tokio::net::{TcpListener, TcpStream};

/// A cuttable proxy to one PostgreSQL server; stops when dropped.
#[derive(Debug)]
pub struct PgProxy {
    dsn: String,
    state: Arc<Mutex<State>>,
    stop: CancellationToken,
}

#[derive(Debug)]
struct State {
    cut: bool,
    /// Cancelled (and replaced) at each cut, ending the connections opened before it.
    connections: CancellationToken,
}

impl PgProxy {
    /// A proxy to the server of `dsn`, listening on a free local port.
    pub async fn start(dsn: &str) -> Self {
        let options = PgConnectOptions::from_str(dsn).expect("dsn");
        let target = format!("{}:{}", options.get_host(), options.get_port());
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let local: SocketAddr = listener.local_addr().expect("addr");
        let dsn = options
            .host("127.0.0.1")
            .port(local.port())
            .to_url_lossy()
            .to_string();
        let state = Arc::new(Mutex::new(State {
            cut: false,
            connections: CancellationToken::new(),
        }));
        let stop = CancellationToken::new();
        tokio::spawn(accept(listener, target, state.clone(), stop.clone()));
        Self { dsn, state, stop }
    }

    /// The DSN that reaches the database through the proxy.
    pub fn dsn(&self) -> &str {
        &self.dsn
    }

    /// Closes every connection and refuses new ones until [`PgProxy::restore`].
    pub fn cut(&self) {
        let mut state = self.state.lock().expect("state");
        state.cut = true;
        state.connections.cancel();
        state.connections = CancellationToken::new();
    }

    /// Lets connections through again.
    pub fn restore(&self) {
        self.state.lock().expect("state").cut = false;
    }
}

impl Drop for PgProxy {
    fn drop(&mut self) {
        self.stop.cancel();
        self.state.lock().expect("state").connections.cancel();
    }
}

async fn accept(
    listener: TcpListener,
    target: String,
    state: Arc<Mutex<State>>,
    stop: CancellationToken,
) {
    loop {
        let accepted = tokio::select! {
            _ = stop.cancelled() => return,
            accepted = listener.accept() => accepted,
        };
        let Ok((mut client, _)) = accepted else {
            continue;
        };
        let connection = {
            let state = state.lock().expect("state");
            (!state.cut).then(|| state.connections.clone())
        };
        let Some(connection) = connection else {
            drop(client);
            continue;
        };
        let target = target.clone();
        tokio::spawn(async move {
            let Ok(mut server) = TcpStream::connect(&target).await else {
                return;
            };
            tokio::select! {
                _ = connection.cancelled() => {}
                _ = tokio::io::copy_bidirectional(&mut client, &mut server) => {}
            }
        });
    }
}
