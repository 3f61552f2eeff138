//! Running jobs: one pool per job type ([`consumer`]) feeding request messages to
//! [`execute`], which starts and finishes attempts through the group-committed
//! [`lifecycle`] and runs the type's [`handlers`]; [`upkeep`] renews leases and expires the
//! leases of dead workers.

pub mod consumer;
pub mod execute;
pub mod handlers;
pub mod lifecycle;
pub mod upkeep;
