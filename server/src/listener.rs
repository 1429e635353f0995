//! The server's listening socket: every accepted connection with `TCP_NODELAY`. With Nagle's
//! algorithm on, a page streamed in several small writes waited for the browser's delayed
//! ACK (40 ms) after its first segment: `/import` and `/schedules/new` took 44 ms with one
//! client for 2 ms of work (`http_load --pages`, docs/benchmarks.md).

use axum::serve::{ListenerExt, TapIo};
use tokio::net::{TcpListener, TcpStream};

/// `listener`, each accepted stream set to send at once (a concrete type, so that
/// `ConnectInfo<SocketAddr>` still reaches the handlers).
pub fn without_nagle(listener: TcpListener) -> TapIo<TcpListener, fn(&mut TcpStream)> {
    listener.tap_io(no_delay)
}

fn no_delay(stream: &mut TcpStream) {
    if let Err(error) = stream.set_nodelay(true) {
        tracing::debug!(%error, "could not set TCP_NODELAY on a connection");
    }
}
