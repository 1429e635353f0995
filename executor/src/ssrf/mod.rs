//! Safe targets: which addresses a trigger may reach. Loopback, private, link-local and
//! other special-purpose addresses are refused unless the allowlist names them; the check
//! runs when a schedule is saved ([`guard`], names resolved by [`resolve`]'s async resolver
//! within a time limit) and again, on the resolved addresses, at every trigger.

pub mod guard;
pub mod resolve;

pub use guard::{HostVerdicts, TargetGuard, TargetRefusal};

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::str::FromStr;

use ipnet::IpNet;

/// What the allowlist may hold: networks (CIDR or single addresses) and host names.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TargetPolicy {
    networks: Vec<IpNet>,
    hosts: Vec<String>,
}

/// Why an allowlist entry was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0:?} in the target allowlist is neither a CIDR network, an IP address nor a host name")]
pub struct BadAllowlistEntry(pub String);

/// Why a target was refused. The message names the rule, and the address only when the
/// target was written as one: where a name led inside a network is not told.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}", self.describe())]
pub struct ForbiddenTarget {
    /// The host as written.
    pub host: String,
    /// The address at fault.
    pub ip: IpAddr,
    /// The address's class in words.
    pub class: &'static str,
    /// The allowlist in words.
    pub allowed: String,
}

impl ForbiddenTarget {
    fn describe(&self) -> String {
        let written_as_address = self.host.parse::<IpAddr>().map(canonical) == Ok(self.ip);
        if written_as_address {
            format!(
                "target {} is {}; allowed: {}",
                self.ip, self.class, self.allowed
            )
        } else {
            format!(
                "target {} resolves to {}; allowed: {}",
                self.host, self.class, self.allowed
            )
        }
    }
}

impl FromStr for TargetPolicy {
    type Err = BadAllowlistEntry;

    /// Parses `SCHEDULEMAN_TARGET_ALLOWLIST`: comma-separated CIDRs, addresses and host names.
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let mut policy = Self::default();
        for entry in text.split(',').map(str::trim).filter(|e| !e.is_empty()) {
            if let Ok(network) = entry.parse::<IpNet>() {
                policy.networks.push(network);
            } else if let Ok(ip) = entry.parse::<IpAddr>() {
                policy.networks.push(IpNet::from(ip));
            } else if entry
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.')
            {
                policy.hosts.push(entry.to_ascii_lowercase());
            } else {
                return Err(BadAllowlistEntry(entry.to_owned()));
            }
        }
        Ok(policy)
    }
}

impl TargetPolicy {
    /// Whether `host` is allowed by name, whatever it resolves to.
    pub fn allows_host(&self, host: &str) -> bool {
        let host = host.trim_end_matches('.').to_ascii_lowercase();
        self.hosts.contains(&host)
    }

    /// Checks one address `host` resolved to.
    pub fn check(&self, host: &str, ip: IpAddr) -> Result<(), ForbiddenTarget> {
        let ip = canonical(ip);
        let Some(class) = special_purpose(ip) else {
            return Ok(());
        };
        if self.allows_host(host) || self.networks.iter().any(|net| net.contains(&ip)) {
            return Ok(());
        }
        Err(ForbiddenTarget {
            host: host.to_owned(),
            ip,
            class,
            allowed: self.describe(),
        })
    }

    /// The allowlist in words, for error messages.
    pub fn describe(&self) -> String {
        let entries: Vec<String> = self
            .networks
            .iter()
            .map(ToString::to_string)
            .chain(self.hosts.iter().cloned())
            .collect();
        if entries.is_empty() {
            "public addresses only (set SCHEDULEMAN_TARGET_ALLOWLIST to allow others)".to_owned()
        } else {
            entries.join(", ")
        }
    }
}

/// An IPv4-mapped IPv6 address as the IPv4 address it is.
fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        v4 => v4,
    }
}

/// The class of a non-public address, in words; `None` for a public address.
pub fn special_purpose(ip: IpAddr) -> Option<&'static str> {
    match canonical(ip) {
        IpAddr::V4(v4) => special_v4(v4),
        IpAddr::V6(v6) => special_v6(v6),
    }
}

fn special_v4(ip: Ipv4Addr) -> Option<&'static str> {
    let [a, b, c, _] = ip.octets();
    Some(match (a, b, c) {
        _ if ip.is_loopback() => "a loopback address",
        _ if ip.is_private() => "a private network address",
        _ if ip.is_link_local() => "a link-local address (cloud metadata lives here)",
        _ if ip.is_unspecified() || a == 0 => "an unspecified (\"this network\") address",
        _ if ip.is_broadcast() => "the broadcast address",
        _ if ip.is_multicast() => "a multicast address",
        (100, 64..=127, _) => "a shared (carrier-grade NAT) address",
        (192, 0, 0) => "an IETF protocol assignment address",
        (192, 0, 2) | (198, 51, 100) | (203, 0, 113) => "a documentation address",
        (198, 18..=19, _) => "a benchmarking address",
        (240..=255, _, _) => "a reserved address",
        _ => return None,
    })
}

fn special_v6(ip: Ipv6Addr) -> Option<&'static str> {
    let segments = ip.segments();
    Some(match segments {
        _ if ip.is_loopback() => "a loopback address",
        _ if ip.is_unspecified() => "an unspecified address",
        _ if ip.is_multicast() => "a multicast address",
        [f, ..] if f & 0xfe00 == 0xfc00 => "a unique local (private) address",
        [f, ..] if f & 0xffc0 == 0xfe80 => "a link-local address",
        [f, ..] if f & 0xffc0 == 0xfec0 => "a site-local address (deprecated, private)",
        [0, 0, 0, 0, 0, 0, _, _] => {
            "an IPv4-compatible address (deprecated; it embeds an IPv4 address)"
        }
        [0x2001, 0x0db8, ..] => "a documentation address",
        [0x2001, 0, ..] => "a Teredo tunnel address (it embeds an IPv4 address)",
        [0x0064, 0xff9b, 1, ..] => "a local-use NAT64 address",
        [0x0064, 0xff9b, ..] => "a NAT64 address",
        // 6to4: the IPv4 address in bits 16–47 is the one reached.
        [0x2002, high, low, ..] => {
            let [a, b] = high.to_be_bytes();
            let [c, d] = low.to_be_bytes();
            special_v4(Ipv4Addr::new(a, b, c, d))?;
            "a 6to4 address embedding a non-public IPv4 address"
        }
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refused(ip: &str) -> Option<&'static str> {
        special_purpose(ip.parse().unwrap())
    }

    #[test]
    fn every_special_purpose_class_is_refused() {
        for (ip, class) in [
            ("127.0.0.1", "loopback"),
            ("127.255.0.9", "loopback"),
            ("10.1.2.3", "private"),
            ("172.16.0.1", "private"),
            ("172.31.255.255", "private"),
            ("192.168.1.1", "private"),
            ("169.254.169.254", "link-local"),
            ("0.0.0.0", "unspecified"),
            ("255.255.255.255", "broadcast"),
            ("224.0.0.1", "multicast"),
            ("100.64.0.1", "carrier-grade"),
            ("192.0.2.10", "documentation"),
            ("198.18.0.1", "benchmarking"),
            ("240.0.0.1", "reserved"),
            ("::1", "loopback"),
            ("::", "unspecified"),
            ("fd00::1", "unique local"),
            ("fe80::1", "link-local"),
            ("ff02::1", "multicast"),
            ("::ffff:127.0.0.1", "loopback"),
            ("::ffff:169.254.169.254", "link-local"),
            ("2001:db8::1", "documentation"),
            ("::127.0.0.1", "IPv4-compatible"),
            ("::8.8.8.8", "IPv4-compatible"),
            ("64:ff9b:1::a00:1", "local-use NAT64"),
            ("64:ff9b::7f00:1", "NAT64"),
            ("2002:7f00:1::1", "6to4"),
            ("2002:a9fe:a9fe::", "6to4"),
            ("2002:c0a8:101::1", "6to4"),
            ("2001:0:4136:e378:8000:63bf:3fff:fdd2", "Teredo"),
            ("fec0::1", "site-local"),
            ("feff::1", "site-local"),
        ] {
            let found = refused(ip).unwrap_or_else(|| panic!("{ip} was allowed"));
            assert!(found.contains(class), "{ip}: {found}");
        }
    }

    #[test]
    fn public_addresses_are_allowed() {
        for ip in [
            "93.184.216.34",
            "8.8.8.8",
            "172.32.0.1",
            "2606:4700::1111",
            "100.128.0.1",
            "2002:808:808::1",
            "2001:4860:4860::8888",
        ] {
            assert_eq!(refused(ip), None, "{ip}");
        }
    }

    #[test]
    fn the_allowlist_admits_networks_addresses_and_host_names() {
        let policy: TargetPolicy = "127.0.0.0/8, 10.0.0.5, internal.example".parse().unwrap();
        assert!(policy
            .check("localhost", "127.0.0.1".parse().unwrap())
            .is_ok());
        assert!(policy.check("x", "10.0.0.5".parse().unwrap()).is_ok());
        assert!(policy
            .check("INTERNAL.example.", "192.168.0.9".parse().unwrap())
            .is_ok());
        let refused = policy.check("x", "10.0.0.6".parse().unwrap()).unwrap_err();
        assert_eq!(
            refused.to_string(),
            "target x resolves to a private network address; allowed: 127.0.0.0/8, \
             10.0.0.5/32, internal.example",
            "a name's internal address is not told"
        );
        let literal = policy
            .check("10.0.0.6", "10.0.0.6".parse().unwrap())
            .unwrap_err();
        assert_eq!(
            literal.to_string(),
            "target 10.0.0.6 is a private network address; allowed: 127.0.0.0/8, 10.0.0.5/32, \
             internal.example"
        );
        assert!("not a host!".parse::<TargetPolicy>().is_err());
    }

    #[test]
    fn the_default_policy_names_the_setting() {
        let refused = TargetPolicy::default()
            .check("metadata", "169.254.169.254".parse().unwrap())
            .unwrap_err();
        assert!(refused.to_string().contains("SCHEDULEMAN_TARGET_ALLOWLIST"));
    }
}
