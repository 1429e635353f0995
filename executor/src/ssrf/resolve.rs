//! Resolving target host names: an async resolver (hickory) with its own time limit, never
//! the blocking system resolver that a name server which never answers could tie up for
//! minutes. Shared by the save-time check and the executor's HTTP client.

use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use hickory_resolver::config::{ConnectionConfig, NameServerConfig, ResolverConfig};
use hickory_resolver::net::runtime::TokioRuntimeProvider;
use hickory_resolver::net::NetError;
use hickory_resolver::TokioResolver;

/// The limit on resolving one target's name (within a trigger's 3 s).
pub const DNS_TIMEOUT: Duration = Duration::from_secs(2);

/// Looks `host` up within [`DNS_TIMEOUT`]; an error is the reason in words. The resolver's
/// own per-query timeouts run out near the same instant as the limit, so both say "no
/// answer within 2 s": which one fired first is a race, not a different failure.
pub async fn lookup_within(dns: &TokioResolver, host: &str) -> Result<Vec<IpAddr>, String> {
    match tokio::time::timeout(DNS_TIMEOUT, dns.lookup_ip(host)).await {
        Err(_) | Ok(Err(NetError::Timeout)) => {
            Err(format!("no answer within {} s", DNS_TIMEOUT.as_secs()))
        }
        Ok(Err(error)) => Err(error.to_string()),
        Ok(Ok(found)) => Ok(found.iter().collect()),
    }
}

/// Why the resolver could not be built.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("cannot build the DNS resolver: {0}")]
pub struct ResolverError(pub String);

/// Which name servers resolve targets' host names.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum DnsServers {
    /// The system's (`/etc/resolv.conf`, and `/etc/hosts`).
    #[default]
    System,
    /// These servers (UDP, then TCP), and `/etc/hosts`.
    These(Vec<SocketAddr>),
}

impl DnsServers {
    /// The servers a `--dns-servers` setting lists; none means the system's.
    pub fn from_list(servers: &[SocketAddr]) -> Self {
        if servers.is_empty() {
            Self::System
        } else {
            Self::These(servers.to_vec())
        }
    }
}

/// The async resolver for `servers`, with a short per-query timeout and no retries beyond
/// a second try, so a name that resolves slowly fails within [`DNS_TIMEOUT`].
pub fn resolver(servers: &DnsServers) -> Result<TokioResolver, ResolverError> {
    let provider = TokioRuntimeProvider::default();
    let mut builder = match servers {
        // Without readable system settings the executor still starts: /etc/hosts and
        // literal addresses work, and every other name fails with a reason in the history.
        DnsServers::System => match TokioResolver::builder(provider.clone()) {
            Ok(builder) => builder,
            Err(error) => {
                tracing::warn!(%error, "cannot read the system's DNS settings; only /etc/hosts names resolve (set SCHEDULEMAN_DNS_SERVERS)");
                TokioResolver::builder_with_config(
                    ResolverConfig::from_name_servers(Vec::new()),
                    provider,
                )
            }
        },
        DnsServers::These(addrs) => {
            let servers = addrs
                .iter()
                .map(|addr| {
                    let connections = [ConnectionConfig::udp(), ConnectionConfig::tcp()]
                        .into_iter()
                        .map(|mut connection| {
                            connection.port = addr.port();
                            connection
                        })
                        .collect();
                    NameServerConfig::new(addr.ip(), true, connections)
                })
                .collect();
            TokioResolver::builder_with_config(ResolverConfig::from_name_servers(servers), provider)
        }
    };
    let options = builder.options_mut();
    options.timeout = DNS_TIMEOUT / 2;
    options.attempts = 1;
    builder
        .build()
        .map_err(|error| ResolverError(error.to_string()))
}
