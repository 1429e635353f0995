//! Resolving targets' names: an async resolver (hickory) with its own time limit, never the
//! blocking system resolver that a slow name could tie up, keeping only the addresses the
//! target policy allows.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use hickory_resolver::config::{ConnectionConfig, NameServerConfig, ResolverConfig};
use hickory_resolver::net::runtime::TokioRuntimeProvider;
use hickory_resolver::TokioResolver;
use reqwest::dns::{Addrs, Name, Resolve, Resolving};

use super::failure::DnsError;
use super::TriggerSetupError;
use crate::ssrf::TargetPolicy;

/// The limit on resolving a target's name, within the trigger's 3 s.
pub const DNS_TIMEOUT: Duration = Duration::from_secs(2);

/// Which name servers resolve targets' host names.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum DnsServers {
    /// The system's (`/etc/resolv.conf`, and `/etc/hosts`).
    #[default]
    System,
    /// These servers (UDP, then TCP), and `/etc/hosts`.
    These(Vec<SocketAddr>),
}

/// The async resolver for `servers`, with a short per-query timeout and no retries beyond
/// a second try, so a name that resolves slowly fails within [`DNS_TIMEOUT`].
pub(super) fn resolver(servers: &DnsServers) -> Result<TokioResolver, TriggerSetupError> {
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
        .map_err(|error| TriggerSetupError::Dns(error.to_string()))
}

/// Resolves with the async resolver (bounded by [`DNS_TIMEOUT`]), keeping only addresses
/// the target policy allows (DNS can change between save and trigger), with errors the
/// classifier recognises.
pub(super) struct Resolver {
    pub(super) policy: Arc<TargetPolicy>,
    pub(super) dns: TokioResolver,
}

impl Resolve for Resolver {
    fn resolve(&self, name: Name) -> Resolving {
        let host = name.as_str().to_owned();
        let policy = self.policy.clone();
        let dns = self.dns.clone();
        Box::pin(async move {
            let dns_error = |reason: String| {
                Box::new(DnsError {
                    host: host.clone(),
                    reason,
                }) as Box<dyn std::error::Error + Send + Sync>
            };
            let lookup = tokio::time::timeout(DNS_TIMEOUT, dns.lookup_ip(host.as_str())).await;
            let addrs: Vec<SocketAddr> = match lookup {
                Err(_) => {
                    return Err(dns_error(format!(
                        "no answer within {} s",
                        DNS_TIMEOUT.as_secs_f64()
                    )))
                }
                Ok(Err(error)) => return Err(dns_error(error.to_string())),
                Ok(Ok(found)) => found.iter().map(|ip| SocketAddr::new(ip, 0)).collect(),
            };
            if addrs.is_empty() {
                return Err(dns_error("no addresses".into()));
            }
            let mut refusal = None;
            let allowed: Vec<SocketAddr> = addrs
                .into_iter()
                .filter(|addr| match policy.check(&host, addr.ip()) {
                    Ok(()) => true,
                    Err(refused) => {
                        refusal.get_or_insert(refused);
                        false
                    }
                })
                .collect();
            match (allowed.is_empty(), refusal) {
                (true, Some(refused)) => {
                    Err(Box::new(refused) as Box<dyn std::error::Error + Send + Sync>)
                }
                _ => Ok(Box::new(allowed.into_iter()) as Addrs),
            }
        })
    }
}
