#!/bin/sh
# Debian's Chromium and its WebDriver, for tests/commands/test_serve_browser.py. CI runs this as root (with network
# to Debian's mirror); the test's fixture also runs it when /usr/bin/chromium is missing.
set -eu
if [ -x /usr/bin/chromium ] && [ -x /usr/bin/chromedriver ]; then
    exit 0
fi
SUDO=""
if [ "$(id -u)" != 0 ]; then
    SUDO="sudo -n"
fi
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends chromium chromium-driver
