//! Resolving targets' names for the HTTP client: the async resolver ([`crate::ssrf::resolve`])
//! with its time limit, keeping only the addresses the target policy allows.

use std::net::SocketAddr;
use std::sync::Arc;

use hickory_resolver::TokioResolver;
use reqwest::dns::{Addrs, Name, Resolve, Resolving};

use super::failure::DnsError;
use crate::ssrf::resolve::lookup_within;
use crate::ssrf::TargetPolicy;

/// Resolves with the async resolver (bounded by [`crate::ssrf::resolve::DNS_TIMEOUT`]), keeping only addresses
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
            let addrs: Vec<SocketAddr> = lookup_within(&dns, &host)
                .await
                .map_err(dns_error)?
                .into_iter()
                .map(|ip| SocketAddr::new(ip, 0))
                .collect();
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
