#!/bin/sh
# Before removing deployctl (not on upgrade): stop the service. The user, the
# state in /var/lib/deployctl and /etc/deployctl/listen.env stay.
set -e
case "${1:-}" in
  remove|0) ;;
  *) exit 0 ;;
esac
if [ -d /run/systemd/system ]; then
  systemctl stop deployctl-listen.service >/dev/null 2>&1 || true
fi
exit 0
