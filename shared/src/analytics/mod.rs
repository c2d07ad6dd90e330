//! Analytics: what the dashboards and the spike alerts compute, as plain data and pure functions.
//!
//! - [`dims`]: channels, outcomes, breakdown dimensions, measured durations.
//! - [`period`]: hours, days and weeks in the viewer's zone.
//! - [`duration`]: the duration histogram's buckets and quantiles.
//! - [`overview`]: the dashboard's overview assembled from counted rows.
//! - [`export`]: the CSV export's header and its formula-safe cells.
//! - [`spike`]: the spike detector (seasonal expectation × recent level, the exact Poisson tail
//!   under a budgeted α, Poisson CUSUM for slow rises, cooldown, grouping, silencing, the food
//!   safety burst). The cron, `qingting spikes` and the replay benchmark call the same functions.
//!
//! The counts the dashboards read are kept by the database itself (migration
//! `0020_analytics.sql`), so no writer can forget them.

pub mod dims;
pub mod duration;
pub mod export;
pub mod overview;
pub mod period;
pub mod spike;
