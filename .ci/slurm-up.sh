#!/usr/bin/env bash
# Start a single-node Slurm cluster on this machine (as root, without systemd): munge, slurmctld, slurmd.
#
#   bash .ci/slurm-up.sh          # installs Debian's slurm-wlm and munge when missing, then waits for an idle node
#
# The Slurm tests (tests/test_slurm.py) submit real job arrays and a real dask-jobqueue SLURMCluster to it.
# Idempotent: when the node already answers as idle, nothing is restarted.
set -euo pipefail

log() { echo "slurm-up: $*"; }

node_state() { sinfo -h -N -o '%T' 2>/dev/null | head -n 1 || true; }

if command -v sinfo >/dev/null 2>&1 && [[ "$(node_state)" =~ ^(idle|mixed|allocated)$ ]]; then
  log "Slurm already up: $(sinfo -h -N -o '%N %T %c CPUs')"
  exit 0
fi

if ! command -v slurmctld >/dev/null 2>&1 || ! command -v munged >/dev/null 2>&1; then
  log "installing slurm-wlm and munge"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq slurm-wlm munge >/dev/null
fi

host=$(hostname -s)
cpus=$(nproc)
mem_mb=$(awk '/^MemTotal:/ {printf "%d", $2 / 1024 * 0.8}' /proc/meminfo)

# -- munge: a key, its directories, the daemon ------------------------------------------------------------------
mkdir -p /etc/munge /var/lib/munge /var/log/munge /run/munge
if [[ ! -s /etc/munge/munge.key ]]; then
  dd if=/dev/urandom of=/etc/munge/munge.key bs=1 count=1024 status=none
fi
# munged runs as root here (--force), so root owns its key and directories
chown -R root:root /etc/munge /var/lib/munge /var/log/munge /run/munge
chmod 0700 /etc/munge /var/lib/munge /var/log/munge
chmod 0755 /run/munge
chmod 0400 /etc/munge/munge.key
if ! munge -n 2>/dev/null | unmunge >/dev/null 2>&1; then
  log "starting munged"
  munged --force
  for _ in $(seq 1 50); do
    munge -n 2>/dev/null | unmunge >/dev/null 2>&1 && break
    sleep 0.2
  done
fi
munge -n | unmunge >/dev/null || { log "munge does not answer"; exit 1; }

# -- slurm.conf: one node, one default partition ------------------------------------------------------------
mkdir -p /etc/slurm /var/spool/slurmctld /var/spool/slurmd /var/log/slurm /run/slurm
cat > /etc/slurm/slurm.conf <<EOF
ClusterName=sovsim
SlurmctldHost=${host}
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
MpiDefault=none
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
SchedulerType=sched/backfill
ReturnToService=2
StateSaveLocation=/var/spool/slurmctld
SlurmdSpoolDir=/var/spool/slurmd
SlurmctldPidFile=/run/slurm/slurmctld.pid
SlurmdPidFile=/run/slurm/slurmd.pid
SlurmctldLogFile=/var/log/slurm/slurmctld.log
SlurmdLogFile=/var/log/slurm/slurmd.log
SlurmctldTimeout=30
SlurmdTimeout=30
InactiveLimit=0
MinJobAge=30
KillWait=5
Waittime=0
NodeName=${host} CPUs=${cpus} RealMemory=${mem_mb} State=UNKNOWN
PartitionName=debug Nodes=${host} Default=YES MaxTime=INFINITE State=UP
EOF
# proctrack/linuxproc and task/none need no cgroups; an empty cgroup.conf keeps slurmd from probing for them
[[ -f /etc/slurm/cgroup.conf ]] || echo "CgroupPlugin=autodetect" > /etc/slurm/cgroup.conf

# -- daemons ------------------------------------------------------------------------------------------------
if ! scontrol ping 2>/dev/null | grep -q UP; then
  log "starting slurmctld"
  slurmctld -c
fi
for _ in $(seq 1 50); do
  scontrol ping 2>/dev/null | grep -q UP && break
  sleep 0.2
done
if ! pgrep -x slurmd >/dev/null 2>&1; then
  log "starting slurmd"
  slurmd
fi

for _ in $(seq 1 150); do
  state=$(node_state)
  if [[ "$state" == idle ]]; then
    log "up: $(sinfo -h -N -o '%N %T %c CPUs %m MB') (MaxArraySize $(scontrol show config | awk '/^MaxArraySize/ {print $3}'))"
    exit 0
  fi
  sleep 0.2
done
log "the node did not become idle (state: ${state:-none})"
tail -n 20 /var/log/slurm/slurmctld.log /var/log/slurm/slurmd.log || true
exit 1
