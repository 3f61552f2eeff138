//! The client address that login throttling counts: the connection's peer, unless the peer is
//! a trusted proxy (`AUTH_TRUSTED_PROXIES`: addresses or networks, loopback by default: the
//! assistant-frontend server on the same machine; a cluster's pod network behind an ingress),
//! in which case the nearest untrusted hop of `X-Forwarded-For` is taken.
//! Hops are read from the right, since only those a trusted proxy appended can be believed; a
//! header that does not parse is ignored and the peer is used.

use std::convert::Infallible;
use std::net::{IpAddr, SocketAddr};

use ipnet::IpNet;

use axum::extract::{ConnectInfo, FromRequestParts};
use http::request::Parts;

use crate::app::AppState;

/// The address a login attempt is counted against, when one is known.
#[derive(Debug, Clone, Copy)]
pub struct ClientAddress(pub Option<IpAddr>);

impl FromRequestParts<AppState> for ClientAddress {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Infallible> {
        let peer = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|ConnectInfo(address)| address.ip());
        let forwarded: Vec<&str> = parts
            .headers
            .get_all("x-forwarded-for")
            .iter()
            .filter_map(|value| value.to_str().ok())
            .collect();
        Ok(ClientAddress(resolve(
            peer,
            &forwarded,
            &state.auth.trusted_proxies,
        )))
    }
}

/// The client behind `peer`, given the `X-Forwarded-For` header lines and the trusted proxies.
pub fn resolve(peer: Option<IpAddr>, forwarded: &[&str], trusted: &[IpNet]) -> Option<IpAddr> {
    let peer = peer?;
    let is_trusted = |address: &IpAddr| trusted.iter().any(|net| net.contains(address));
    if !is_trusted(&peer) {
        return Some(peer);
    }
    let hops: Option<Vec<IpAddr>> = forwarded
        .iter()
        .flat_map(|line| line.split(','))
        .map(|hop| hop.trim().parse().ok())
        .collect();
    let Some(hops) = hops else {
        return Some(peer);
    };
    // The nearest hop not itself a trusted proxy; when every hop is trusted, the farthest.
    hops.iter()
        .rev()
        .find(|hop| !is_trusted(hop))
        .or(hops.first())
        .copied()
        .or(Some(peer))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    const LOOPBACK: &[IpNet] = &[IpNet::V4(ipnet::Ipv4Net::new_assert(
        std::net::Ipv4Addr::LOCALHOST,
        32,
    ))];

    #[test]
    fn an_untrusted_peer_is_the_client_whatever_it_claims() {
        let client = resolve(Some(ip("203.0.113.7")), &["10.0.0.1"], LOOPBACK);
        assert_eq!(client, Some(ip("203.0.113.7")));
    }

    #[test]
    fn behind_a_trusted_proxy_the_nearest_untrusted_hop_counts() {
        // A client sent a forged first hop; the proxy appended the real one.
        let client = resolve(
            Some(ip("127.0.0.1")),
            &["198.51.100.1, 203.0.113.7"],
            LOOPBACK,
        );
        assert_eq!(client, Some(ip("203.0.113.7")));
    }

    #[test]
    fn hops_of_several_header_lines_are_read_in_order() {
        let client = resolve(
            Some(ip("127.0.0.1")),
            &["198.51.100.1", "203.0.113.7, 127.0.0.1"],
            LOOPBACK,
        );
        assert_eq!(client, Some(ip("203.0.113.7")));
    }

    #[test]
    fn a_trusted_proxy_without_or_with_a_broken_header_is_the_client() {
        let peer = Some(ip("127.0.0.1"));
        assert_eq!(resolve(peer, &[], LOOPBACK), peer);
        assert_eq!(resolve(peer, &["not-an-address"], LOOPBACK), peer);
    }

    #[test]
    fn every_address_of_a_trusted_network_is_a_proxy() {
        let pods: &[IpNet] = &["10.42.0.0/16".parse().unwrap()];
        let client = resolve(Some(ip("10.42.3.17")), &["203.0.113.7, 10.42.0.9"], pods);
        assert_eq!(client, Some(ip("203.0.113.7")));
        let outside = resolve(Some(ip("10.43.0.1")), &["203.0.113.7"], pods);
        assert_eq!(outside, Some(ip("10.43.0.1")));
    }

    #[test]
    fn no_peer_means_no_address() {
        assert_eq!(resolve(None, &["203.0.113.7"], LOOPBACK), None);
    }
}
