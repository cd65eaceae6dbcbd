//! A child process in a process group of its own, stopped the way servers
//! expect: SIGTERM to the whole group, a wait, then SIGKILL to what is left.
//! `spin up` starts `spin trigger http` as a child of its own; killing only
//! the parent leaves that child listening, so the whole group is signalled.

use std::os::unix::process::CommandExt;
use std::process::{Child, Command, ExitStatus};
use std::thread;
use std::time::{Duration, Instant};

use anyhow::{Context, Result};

/// How long a server has to stop after SIGTERM before it is killed.
const GRACE: Duration = Duration::from_secs(5);

/// A spawned process group, stopped when dropped.
pub struct ProcessGroup {
    child: Child,
    stopped: bool,
}

impl ProcessGroup {
    /// Spawns `command` as the leader of a new process group.
    pub fn spawn(command: &mut Command) -> Result<Self> {
        let child = command
            .process_group(0)
            .spawn()
            .with_context(|| format!("starting {command:?}"))?;
        Ok(ProcessGroup {
            child,
            stopped: false,
        })
    }

    pub fn id(&self) -> u32 {
        self.child.id()
    }

    /// The leader's exit status, if it has exited.
    pub fn try_wait(&mut self) -> Result<Option<ExitStatus>> {
        Ok(self.child.try_wait()?)
    }

    /// SIGTERM to the group, then waits for the leader and for every other
    /// member; SIGKILL to the group after [`GRACE`].
    pub fn stop(&mut self) {
        if self.stopped {
            return;
        }
        self.stopped = true;
        let group = self.child.id() as libc::pid_t;
        signal_group(group, libc::SIGTERM);
        let deadline = Instant::now() + GRACE;
        while Instant::now() < deadline {
            let leader_done = matches!(self.child.try_wait(), Ok(Some(_)));
            if leader_done && !group_alive(group) {
                return;
            }
            thread::sleep(Duration::from_millis(20));
        }
        signal_group(group, libc::SIGKILL);
        let _ = self.child.wait();
    }
}

impl Drop for ProcessGroup {
    fn drop(&mut self) {
        self.stop();
    }
}

fn signal_group(group: libc::pid_t, signal: libc::c_int) {
    // SAFETY: kill(2) with a negative pid signals a process group; it touches
    // no memory of this process.
    unsafe {
        libc::kill(-group, signal);
    }
}

/// Whether any process of the group still exists (signal 0 probes).
fn group_alive(group: libc::pid_t) -> bool {
    // SAFETY: as above; signal 0 only checks for existence.
    unsafe { libc::kill(-group, 0) == 0 }
}
