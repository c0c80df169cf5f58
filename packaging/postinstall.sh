#!/bin/sh
# After installing deployctl: create the unprivileged user of
# deployctl-listen.service and tell systemd about the unit (not started nor
# enabled: configure /etc/deployctl/listen.env first).
set -e
# Installed into another root (dpkg --instdir/--root without chroot): that
# root's users are not ours to change.
if [ -n "${DPKG_ROOT:-}" ] && [ "$DPKG_ROOT" != "/" ]; then
  exit 0
fi
if ! getent passwd deployctl >/dev/null 2>&1; then
  if command -v systemd-sysusers >/dev/null 2>&1; then
    systemd-sysusers /usr/lib/sysusers.d/deployctl.conf
  else
    useradd --system --user-group --home-dir /var/lib/deployctl --no-create-home \
      --shell /usr/sbin/nologin --comment "deployctl listen" deployctl
  fi
fi
if [ -d /run/systemd/system ]; then
  systemctl daemon-reload >/dev/null 2>&1 || true
fi
exit 0
