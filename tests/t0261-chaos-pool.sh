#!/bin/sh
# t0261-chaos-pool: t0260-chaos on a pool: a head (this host, drained)
# and three simulated nodes, each with its executor; the killer also
# kill -9's the executors. CHAOS_SECONDS (default 25) and CHAOS_JOBS
# (default 600) as in t0260.
CHAOS_NODES=3
CHAOS_SECONDS=${CHAOS_SECONDS:-25}
CHAOS_JOBS=${CHAOS_JOBS:-600}
export CHAOS_NODES CHAOS_SECONDS CHAOS_JOBS
exec sh "$(dirname "$0")/t0260-chaos.sh"
