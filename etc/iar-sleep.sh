#!/bin/sh
# iar-sleep.sh: a systemd system-sleep hook. Install it as
# /lib/systemd/system-sleep/iar (mode 755) on a node that sleeps (a
# laptop): before suspend or hibernation it marks the node away, so the
# head keeps its running jobs (up to each job's --lost-after) instead of
# calling the node down; on wake it clears the mark. IAR_ROOT and the
# node name come from the environment or iar.conf, as for
# iar-heartbeat(8) (IAR_SLEEP_NODE names another node); IAR_AWAY_UNTIL
# (e.g. +8h) says when it means to be back. A failure is logged by systemd and never stops the sleep.
LIBEXEC=${IAR_LIBEXEC:-@LIBEXECDIR@}
case $1 in
pre)	"$LIBEXEC/iar-heartbeat" ${IAR_SLEEP_NODE:+--node "$IAR_SLEEP_NODE"} \
	    --away ${IAR_AWAY_UNTIL:+"$IAR_AWAY_UNTIL"} ;;
post)	"$LIBEXEC/iar-heartbeat" ${IAR_SLEEP_NODE:+--node "$IAR_SLEEP_NODE"} \
	    --back ;;
esac
exit 0
