//! The newsroom's use cases and jobs against real databases (SQLite and PostgreSQL) and real
//! servers on loopback.

mod jobs;
