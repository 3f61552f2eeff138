//! assistant-frontend against a real TCP backend stand-in: the built UI, the `/api` proxy
//! (JSON, cookies, SSE, disconnects, a backend that is down) and the service surface.

mod proxy;
mod service;
mod support;
mod ui;
