//! Balanced assignment on the edge: a team's unassigned tickets go to its members who are
//! available and under their capacity, fewest first (ties to the longest since last assigned),
//! in queue order (priority, then SLA due, then age). The plan is
//! `qingting_shared::workflow::assignment::plan` (pure); each assignment is the workflow's
//! `assign` by Qingting itself, written with the versioned `write_change`, so two runs never
//! assign one ticket twice (the second finds the version moved and skips it).
//!
//! Runs when a ticket joins a team without an assignee (routing), when someone's load drops
//! (resolved, waiting on the customer, closed, transferred away), when someone becomes available,
//! and in the cron sweep for whatever is still waiting.

use qingting_shared::workflow::Action;
use qingting_shared::workflow::assignment::{Agent, Waiting, plan};
use serde::Deserialize;
use worker::D1Database;

use crate::error::ApiError;
use crate::store::{complaints, query, tickets};

/// Tickets looked at per team and run.
const QUEUE_PAGE: u32 = 20;

#[derive(Deserialize)]
struct AgentRow {
    id: String,
    available: f64,
    capacity: f64,
    open: f64,
    last_assigned_at: Option<String>,
}

#[derive(Deserialize)]
struct WaitingRow {
    id: String,
    priority: Option<qingting_shared::Priority>,
    due_at: Option<String>,
    created_at: String,
}

/// Hands out team `team`'s waiting tickets at `now`: how many it assigned.
pub async fn fill_team(db: &D1Database, team: &str, now: &str) -> Result<u32, ApiError> {
    let agents: Vec<Agent> = query!(
        db,
        "SELECT u.id, u.available, u.capacity, u.last_assigned_at, \
         (SELECT COUNT(*) FROM complaints c WHERE c.assignee_id = u.id AND c.status IN ('new', 'open')) AS open \
         FROM team_members m JOIN users u ON u.id = m.user_id WHERE m.team_id = ?1 AND u.active = 1 AND u.password_hash IS NOT NULL",
        team
    )?
    .all()
    .await?
    .results::<AgentRow>()?
    .into_iter()
    .map(|a| Agent { id: a.id, available: a.available != 0.0, capacity: a.capacity as u32, open: a.open as u32, last_assigned_at: a.last_assigned_at })
    .collect();
    if !agents.iter().any(Agent::has_room) {
        return Ok(0);
    }
    let waiting: Vec<Waiting> = query!(
        db,
        "SELECT id, priority, created_at, COALESCE(MIN(sla_first_due_at, sla_resolve_due_at), sla_first_due_at, sla_resolve_due_at) AS due_at \
         FROM complaints WHERE team_id = ?1 AND assignee_id IS NULL AND status IN ('new', 'open') \
         ORDER BY COALESCE(priority, 'P9'), created_at LIMIT ?2",
        team,
        QUEUE_PAGE
    )?
    .all()
    .await?
    .results::<WaitingRow>()?
    .into_iter()
    .map(|w| Waiting { id: w.id, priority: w.priority, due_at: w.due_at, created_at: w.created_at })
    .collect();
    let mut assigned = 0;
    for (ticket, agent) in plan(&agents, &waiting, now) {
        if assign(db, &ticket, &agent, now).await? {
            assigned += 1;
        }
    }
    Ok(assigned)
}

/// Assigns `ticket` to `agent` if it is still unassigned at the version read; stamps the agent's
/// last assignment in the same batch.
async fn assign(db: &D1Database, ticket: &str, agent: &str, now: &str) -> Result<bool, ApiError> {
    let Some(row) = complaints::by_id(db, ticket).await? else { return Ok(false) };
    if row.assignee_id.is_some() {
        return Ok(false);
    }
    let followers = tickets::followers(db, ticket).await?;
    tickets::write_system_change(db, &row, followers, &Action::Assign { user: agent.to_string() }, now, None, |version| {
        Ok(vec![query!(
            db,
            "UPDATE users SET last_assigned_at = ?2 WHERE id = ?1 AND EXISTS (SELECT 1 FROM complaints WHERE id = ?3 AND version = ?4)",
            agent,
            now,
            ticket,
            version as f64,
        )?])
    })
    .await
}

#[derive(Deserialize)]
struct TeamRow {
    team_id: String,
}

/// Fills every team `user` belongs to (their load dropped, or they became available).
pub async fn fill_teams_of(db: &D1Database, user: &str, now: &str) -> Result<u32, ApiError> {
    let teams = query!(db, "SELECT team_id FROM team_members WHERE user_id = ?1", user)?.all().await?.results::<TeamRow>()?;
    let mut n = 0;
    for t in teams {
        n += fill_team(db, &t.team_id, now).await?;
    }
    Ok(n)
}

/// Statements filling one team may take at most (its members and queue, then per assignment the
/// ticket, its followers, the terms and one batch).
const PER_TEAM: u32 = 14;

/// The cron's pass: teams with waiting tickets, a few per run, while the run stays within `budget`
/// statements.
pub async fn sweep(db: &D1Database, now: &str, budget: u32) -> Result<u32, ApiError> {
    let room = |more: u32| crate::store::statements_used() + more <= budget;
    if !room(1 + PER_TEAM) {
        return Ok(0);
    }
    // The partial index of team queues (not the assignee index, which holds every unassigned ticket).
    let teams = query!(
        db,
        "SELECT DISTINCT team_id FROM complaints INDEXED BY complaints_team_queue \
         WHERE team_id IS NOT NULL AND assignee_id IS NULL AND status IN ('new', 'open') LIMIT 5"
    )?
    .all()
    .await?
    .results::<TeamRow>()?;
    let mut n = 0;
    for t in teams {
        if !room(PER_TEAM) {
            break;
        }
        n += fill_team(db, &t.team_id, now).await?;
    }
    Ok(n)
}
