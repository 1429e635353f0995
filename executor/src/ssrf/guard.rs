//! The save-time target check: resolve a URL's host with the async resolver, within a time
//! limit, and check every address against the policy. Many URLs at once (a batch, a
//! crontab) are checked host by host, a few hosts at a time, within one budget for the whole
//! request, so a name server that never answers costs seconds, never hours.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Arc;
use std::time::Duration;

use hickory_resolver::TokioResolver;
use tokio::task::JoinSet;

use super::resolve::{lookup_within, resolver, DnsServers, ResolverError};
use super::{ForbiddenTarget, TargetPolicy};

/// Hosts resolved at once by a check of many URLs.
pub const HOST_CHECKS_AT_ONCE: usize = 16;
/// The longest one request's target checks may take in all.
pub const CHECK_BUDGET: Duration = Duration::from_secs(10);

/// Why a target URL was refused when saved.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TargetRefusal {
    /// The URL has no host to check.
    #[error("{0:?} has no host")]
    NoHost(String),
    /// The host does not resolve (or not in time).
    #[error("cannot resolve {host}: {reason}")]
    Unresolvable {
        /// The host as written.
        host: String,
        /// What the resolver said.
        reason: String,
    },
    /// The host resolves to an address the policy refuses.
    #[error(transparent)]
    Forbidden(#[from] ForbiddenTarget),
    /// The request's checks ran out of time before this host's turn came.
    #[error(
        "the target checks of this request took longer than {} s in all; {host} was not \
         checked (send fewer distinct hosts at once)",
        CHECK_BUDGET.as_secs()
    )]
    OutOfTime {
        /// The host not checked.
        host: String,
    },
}

/// The target policy with the resolver that applies it to names.
#[derive(Clone)]
pub struct TargetGuard {
    policy: Arc<TargetPolicy>,
    dns: TokioResolver,
}

impl std::fmt::Debug for TargetGuard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TargetGuard")
            .field("policy", &self.policy)
            .finish_non_exhaustive()
    }
}

impl TargetGuard {
    /// A guard applying `policy`, resolving names with `servers`.
    pub fn new(policy: TargetPolicy, servers: &DnsServers) -> Result<Self, ResolverError> {
        Ok(Self {
            policy: Arc::new(policy),
            dns: resolver(servers)?,
        })
    }

    /// The policy it applies.
    pub fn policy(&self) -> &TargetPolicy {
        &self.policy
    }

    /// Checks `url`'s host (the save-time check of one schedule).
    pub async fn check_url(&self, url: &str) -> Result<(), TargetRefusal> {
        let host = host_of(url).ok_or_else(|| TargetRefusal::NoHost(url.to_owned()))?;
        check_host(&self.policy, &self.dns, &host).await
    }

    /// Checks the hosts of many URLs: each distinct host once, [`HOST_CHECKS_AT_ONCE`] at a
    /// time, all within [`CHECK_BUDGET`].
    pub async fn check_urls<'a>(&self, urls: impl IntoIterator<Item = &'a str>) -> HostVerdicts {
        let mut hosts: Vec<String> = urls.into_iter().filter_map(host_of).collect();
        hosts.sort_unstable();
        hosts.dedup();
        let deadline = tokio::time::Instant::now() + CHECK_BUDGET;
        let mut verdicts = HashMap::with_capacity(hosts.len());
        let mut pending = hosts.into_iter();
        let mut running = JoinSet::new();
        loop {
            while running.len() < HOST_CHECKS_AT_ONCE {
                let Some(host) = pending.next() else { break };
                let (policy, dns) = (self.policy.clone(), self.dns.clone());
                running.spawn(async move {
                    let verdict = check_host(&policy, &dns, &host).await;
                    (host, verdict)
                });
            }
            match tokio::time::timeout_at(deadline, running.join_next()).await {
                Ok(Some(Ok((host, verdict)))) => {
                    verdicts.insert(host, verdict);
                }
                Ok(Some(Err(error))) => {
                    tracing::error!(%error, "a target host check failed to run");
                }
                Ok(None) => break,
                Err(_) => {
                    running.abort_all();
                    break;
                }
            }
        }
        HostVerdicts(verdicts)
    }
}

/// The verdict on each host of a check of many URLs.
#[derive(Debug, Default)]
pub struct HostVerdicts(HashMap<String, Result<(), TargetRefusal>>);

impl HostVerdicts {
    /// The verdict on `url`'s host; a host whose check did not finish in time is refused.
    pub fn verdict(&self, url: &str) -> Result<(), TargetRefusal> {
        let host = host_of(url).ok_or_else(|| TargetRefusal::NoHost(url.to_owned()))?;
        self.0
            .get(&host)
            .cloned()
            .unwrap_or(Err(TargetRefusal::OutOfTime { host }))
    }
}

/// `url`'s host, without the brackets of an IPv6 literal.
fn host_of(url: &str) -> Option<String> {
    let parsed = url::Url::parse(url).ok()?;
    let host = parsed.host_str()?.trim_matches(['[', ']']);
    (!host.is_empty()).then(|| host.to_owned())
}

/// Resolves `host` (a name within [`DNS_TIMEOUT`](super::resolve::DNS_TIMEOUT); an address as itself) and checks every
/// address it has.
async fn check_host(
    policy: &TargetPolicy,
    dns: &TokioResolver,
    host: &str,
) -> Result<(), TargetRefusal> {
    if policy.allows_host(host) {
        return Ok(());
    }
    let addrs: Vec<IpAddr> = match host.parse::<IpAddr>() {
        Ok(ip) => vec![ip],
        Err(_) => {
            let unresolvable = |reason: String| TargetRefusal::Unresolvable {
                host: host.to_owned(),
                reason,
            };
            lookup_within(dns, host).await.map_err(unresolvable)?
        }
    };
    for ip in addrs {
        policy.check(host, ip)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::SocketAddr;

    /// A name server that receives queries and never answers.
    async fn silent_dns() -> SocketAddr {
        let socket = tokio::net::UdpSocket::bind("127.0.0.1:0").await.unwrap();
        let addr = socket.local_addr().unwrap();
        tokio::spawn(async move {
            let mut buf = [0u8; 512];
            while socket.recv_from(&mut buf).await.is_ok() {}
        });
        addr
    }

    #[tokio::test]
    async fn a_silent_name_server_costs_seconds_and_hosts_are_checked_together() {
        let dns = silent_dns().await;
        let guard =
            TargetGuard::new(TargetPolicy::default(), &DnsServers::These(vec![dns])).unwrap();
        let started = std::time::Instant::now();
        let refused = guard
            .check_url("https://never.answers.test/hook")
            .await
            .unwrap_err();
        assert!(
            refused
                .to_string()
                .starts_with("cannot resolve never.answers.test: no answer within 2 s"),
            "{refused}"
        );
        assert!(
            started.elapsed() < Duration::from_secs(3),
            "{:?}",
            started.elapsed()
        );
        // 40 distinct silent hosts: checked 16 at a time, so about 3 × 2 s, not 40 × 2 s.
        let urls: Vec<String> = (0..40).map(|n| format!("https://h{n}.test/x")).collect();
        let started = std::time::Instant::now();
        let verdicts = guard.check_urls(urls.iter().map(String::as_str)).await;
        assert!(
            started.elapsed() < Duration::from_secs(8),
            "{:?}",
            started.elapsed()
        );
        for url in &urls {
            assert!(
                matches!(
                    verdicts.verdict(url),
                    Err(TargetRefusal::Unresolvable { .. })
                ),
                "{url}"
            );
        }
    }

    #[tokio::test]
    async fn addresses_are_checked_without_a_lookup_and_names_keep_their_address_secret() {
        let guard =
            TargetGuard::new(TargetPolicy::default(), &DnsServers::These(Vec::new())).unwrap();
        let refused = guard.check_url("http://[::1]:8080/x").await.unwrap_err();
        assert_eq!(
            refused.to_string(),
            "target ::1 is a loopback address; allowed: public addresses only (set \
             SCHEDULEMAN_TARGET_ALLOWLIST to allow others)"
        );
        assert!(guard.check_url("https://93.184.216.34/hook").await.is_ok());
        let verdicts = guard
            .check_urls(["http://localhost/a", "http://127.0.0.1/b"])
            .await;
        // localhost resolves from /etc/hosts; its loopback address is not told.
        let named = verdicts
            .verdict("http://localhost/a")
            .unwrap_err()
            .to_string();
        assert!(
            named.starts_with("target localhost resolves to a loopback address"),
            "{named}"
        );
        assert!(verdicts.verdict("http://unchecked.test/").is_err());
    }
}
