"""A throw-away single-node Slurm cluster for tests: munged, slurmctld and slurmd on localhost.

Everything the cluster owns lives under one folder: the munge key, socket, log and seed,
``slurm.conf``, the controller's state, the node's spool, both daemons' logs and pid
files. Ports are taken fresh from the kernel, so two clusters (two pytest-xdist workers)
never meet, and no file of a Slurm or munge installation outside that folder is read or
written: every command gets ``SLURM_CONF`` pointing at the folder's config and slurm.conf's
``AuthInfo`` points Slurm at the folder's munged.

    with start(folder) as cluster:
        cluster.run("sbatch", "--wrap", "true")

``start`` returns once the node answers as idle; leaving the ``with`` (or ``stop()``)
cancels every job, waits for their steps to end and stops the three daemons, whether the
test passed or not.
"""

from __future__ import annotations

import getpass
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path

# munged refuses a socket path longer than a sockaddr_un holds (108 bytes on Linux).
_SOCKET_MAX = 100
DAEMONS = ("munged", "mungekey", "slurmctld", "slurmd")
COMMANDS = ("sbatch", "squeue", "scontrol", "scancel", "sinfo")


def missing_programs() -> list[str]:
    """The munge and Slurm programs this cluster needs that are not installed."""
    search = os.pathsep.join([os.environ.get("PATH", ""), "/usr/sbin", "/sbin"])
    return [p for p in DAEMONS + COMMANDS if shutil.which(p, path=search) is None]


def _which(program: str) -> str:
    search = os.pathsep.join([os.environ.get("PATH", ""), "/usr/sbin", "/sbin"])
    found = shutil.which(program, path=search)
    if found is None:
        raise FileNotFoundError(f"{program} is not installed")
    return found


def _free_ports(n: int) -> list[int]:
    """``n`` distinct TCP ports the kernel has just handed out as unused."""
    socks = [socket.socket(socket.AF_INET, socket.SOCK_STREAM) for _ in range(n)]
    try:
        for s in socks:
            s.bind(("127.0.0.1", 0))
        return [s.getsockname()[1] for s in socks]
    finally:
        for s in socks:
            s.close()


def slurm_conf(
    root: Path, munge: Path, host: str, cpus: int, ctld_port: int, slurmd_port: int
) -> str:
    """A minimal slurm.conf: one node ``host`` with ``cpus`` CPUs, one partition, no accounting."""
    user = getpass.getuser()
    return "\n".join(
        [
            "ClusterName=scratchtest",
            f"SlurmctldHost={host}(127.0.0.1)",
            f"SlurmctldPort={ctld_port}",
            f"SlurmdPort={slurmd_port}",
            f"SlurmUser={user}",
            f"SlurmdUser={user}",
            "AuthType=auth/munge",
            "CredType=cred/munge",
            f"AuthInfo=socket={munge / 'munge.socket'}",
            "MpiDefault=none",
            "ProctrackType=proctrack/linuxproc",
            "TaskPlugin=task/none",
            "SelectType=select/cons_tres",
            "SelectTypeParameters=CR_Core",
            "SchedulerType=sched/builtin",
            "ReturnToService=2",
            "AccountingStorageType=accounting_storage/none",
            "JobAcctGatherType=jobacct_gather/none",
            "JobCompType=jobcomp/none",
            "MailProg=/bin/true",
            f"StateSaveLocation={root / 'state'}",
            f"SlurmdSpoolDir={root / 'spool'}",
            f"SlurmctldPidFile={root / 'slurmctld.pid'}",
            f"SlurmdPidFile={root / 'slurmd.pid'}",
            f"SlurmctldLogFile={root / 'slurmctld.log'}",
            f"SlurmdLogFile={root / 'slurmd.log'}",
            "SlurmctldDebug=info",
            "SlurmdDebug=info",
            "SlurmctldTimeout=30",
            "SlurmdTimeout=30",
            "InactiveLimit=0",
            "KillWait=2",
            "MinJobAge=300",
            f"NodeName={host} NodeAddr=127.0.0.1 CPUs={cpus} State=UNKNOWN",
            f"PartitionName=test Nodes={host} Default=YES MaxTime=INFINITE State=UP",
            "",
        ]
    )


class Cluster:
    """A running single-node cluster under ``root``; see the module docstring."""

    def __init__(self, root: Path):
        self.root = Path(root)
        self.host = socket.gethostname().split(".")[0]
        self.cpus = os.cpu_count() or 1
        self.conf = self.root / "slurm.conf"
        self.env = dict(os.environ, SLURM_CONF=str(self.conf))
        for name in list(self.env):
            if name.startswith(("SLURM_", "SBATCH_", "SQUEUE_")) and name != "SLURM_CONF":
                del self.env[name]
        self.procs: dict[str, subprocess.Popen] = {}
        # munged's socket needs a short path; a deep pytest basetemp gets a /tmp folder
        # of its own, removed again by stop().
        self.munge = self.root / "munge"
        self._own_munge = len(str(self.munge / "munge.socket")) > _SOCKET_MAX
        if self._own_munge:
            self.munge = Path(tempfile.mkdtemp(prefix="munge-"))

    # -- commands -----------------------------------------------------------------
    def run(self, *cmd: str, timeout: float = 30, check: bool = True, **kw):
        """Run a Slurm command against this cluster (``SLURM_CONF`` set), return the result."""
        kw.setdefault("env", self.env)
        res = subprocess.run(
            [_which(cmd[0]), *cmd[1:]], capture_output=True, text=True, timeout=timeout, **kw
        )
        if check and res.returncode != 0:
            raise RuntimeError(
                f"{' '.join(cmd)} exited {res.returncode}: {res.stderr.strip()}\n{self.logs()}"
            )
        return res

    def logs(self, tail: int = 30) -> str:
        """The last lines of every daemon log, for failure messages."""
        parts = []
        for path in (
            self.munge / "munged.log",
            self.root / "slurmctld.log",
            self.root / "slurmd.log",
        ):
            name = path.name
            if path.exists():
                lines = path.read_text(errors="replace").splitlines()[-tail:]
                parts.append(f"--- {name}\n" + "\n".join(lines))
        return "\n".join(parts)

    # -- start ----------------------------------------------------------------------
    def start(self, timeout: float = 60) -> Cluster:
        """Start munged, slurmctld and slurmd; return once the node is idle."""
        try:
            self._start(timeout)
        except BaseException:
            self.stop()
            raise
        return self

    def _start(self, timeout: float) -> None:
        munge = self.munge
        for d in (munge, self.root / "state", self.root / "spool"):
            d.mkdir(parents=True, exist_ok=True)
            d.chmod(0o700)  # munged refuses folders others may write to
        key = munge / "munge.key"
        subprocess.run(
            [_which("mungekey"), "--create", "--keyfile", str(key)],
            check=True,
            capture_output=True,
            timeout=30,
        )
        key.chmod(0o600)
        ctld_port, slurmd_port = _free_ports(2)
        self.conf.write_text(
            slurm_conf(self.root, munge, self.host, self.cpus, ctld_port, slurmd_port)
        )
        self._spawn(
            "munged",
            [
                "--foreground",
                "--force",
                f"--socket={munge / 'munge.socket'}",
                f"--key-file={key}",
                f"--log-file={munge / 'munged.log'}",
                f"--pid-file={munge / 'munged.pid'}",
                f"--seed-file={munge / 'munged.seed'}",
            ],
        )
        self._wait(lambda: (munge / "munge.socket").exists(), 15, "munged's socket")
        self._spawn("slurmctld", ["-D", "-i", "-f", str(self.conf)])
        self._wait(self._ping, 30, "slurmctld to answer")
        self._spawn("slurmd", ["-D", "-f", str(self.conf)])
        self._wait(lambda: self._node_state() == "idle", timeout, "the node to become idle")

    def _spawn(self, name: str, args: list[str]) -> None:
        log = open(self.root / f"{name}.stdout", "wb")
        self.procs[name] = subprocess.Popen(
            [_which(name), *args],
            env=self.env,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # a Ctrl-C to pytest reaches the daemons only via stop()
        )
        log.close()

    def _wait(self, ready, timeout: float, what: str) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for name, proc in self.procs.items():
                if proc.poll() is not None:
                    out = (self.root / f"{name}.stdout").read_text(errors="replace")
                    raise RuntimeError(
                        f"{name} exited {proc.returncode} while waiting for {what}:\n"
                        f"{out}\n{self.logs()}"
                    )
            if ready():
                return
            time.sleep(0.2)
        raise TimeoutError(f"no {what} after {timeout:.0f} s\n{self.logs()}")

    def _ping(self) -> bool:
        res = self.run("scontrol", "ping", check=False, timeout=10)
        return res.returncode == 0 and "UP" in res.stdout

    def _node_state(self) -> str:
        res = self.run("sinfo", "-h", "-N", "-o", "%T", check=False, timeout=10)
        return res.stdout.strip().rstrip("*~#%$@+^-").lower()

    # -- stop -----------------------------------------------------------------------
    def _steps_left(self) -> list[Path]:
        """Sockets of job steps still alive on the node (slurmstepd outlives slurmd)."""
        spool = self.root / "spool"
        return [p for p in spool.glob("*_*.*") if p.is_socket()] if spool.exists() else []

    def leftovers(self) -> list[str]:
        """What of this cluster still runs: daemons and job steps (empty after ``stop``)."""
        alive = [f"{n} (pid {p.pid})" for n, p in self.procs.items() if p.poll() is None]
        return alive + [f"job step {p.name}" for p in self._steps_left()]

    def stop(self, timeout: float = 20) -> None:
        """Cancel every job, let the steps end, then stop slurmd, slurmctld and munged."""
        if "slurmctld" in self.procs and self.procs["slurmctld"].poll() is None:
            self.run("scancel", "--full", "--user", getpass.getuser(), check=False, timeout=10)
            deadline = time.monotonic() + timeout
            while time.monotonic() < deadline:
                queue = self.run("squeue", "-h", "-o", "%i", check=False, timeout=10)
                if not queue.stdout.strip() and not self._steps_left():
                    break
                time.sleep(0.3)
        for name in ("slurmd", "slurmctld", "munged"):
            proc = self.procs.get(name)
            if proc is None or proc.poll() is not None:
                continue
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=10)
        if self._own_munge:
            shutil.rmtree(self.munge, ignore_errors=True)

    def __enter__(self) -> Cluster:
        return self

    def __exit__(self, *exc) -> None:
        self.stop()


def start(root: Path, timeout: float = 60) -> Cluster:
    """A running cluster whose files all live under ``root`` (see the module docstring)."""
    return Cluster(root).start(timeout)
