//! Integration tests: the built binary against real HTTP servers and clients on 127.0.0.1.
mod support;

#[path = "cases/attacks.rs"]
mod attacks;
#[path = "cases/captures.rs"]
mod captures;
#[path = "cases/ci_contracts.rs"]
mod ci_contracts;
#[path = "cases/diff.rs"]
mod diff;
#[path = "cases/first_hour.rs"]
mod first_hour;
#[path = "cases/first_minutes.rs"]
mod first_minutes;
#[path = "cases/fixtures.rs"]
mod fixtures;
#[path = "cases/floors.rs"]
mod floors;
#[path = "cases/fuzz.rs"]
mod fuzz;
#[path = "cases/golden.rs"]
mod golden;
#[path = "cases/hostile.rs"]
mod hostile;
#[path = "cases/hostile_specs.rs"]
mod hostile_specs;
#[path = "cases/import.rs"]
mod import;
#[path = "cases/inspector.rs"]
mod inspector;
#[path = "cases/listen.rs"]
mod listen;
#[path = "cases/locust.rs"]
mod locust;
#[path = "cases/providers.rs"]
mod providers;
#[path = "cases/reliability.rs"]
mod reliability;
#[path = "cases/send.rs"]
mod send;
#[path = "cases/shipping.rs"]
mod shipping;
#[path = "cases/signing.rs"]
mod signing;
#[path = "cases/tls.rs"]
mod tls;
#[path = "cases/wire.rs"]
mod wire;
