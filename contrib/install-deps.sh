#!/bin/sh
# Install what sfrevops-mcp needs to build and test on Debian 12 (bookworm)
# or newer.  chromium (and a font) is for tests/browser/, which draws the
# MCP Apps views; playwright-core drives Debian's build, and downloads no
# browser of its own.  clang and clang-tools (scan-build) are for the
# clang build, the fuzz harnesses and contrib/analyze.sh; gcovr for
# contrib/coverage.sh; openssh-server for tests/e2e/ssh.test.mjs, which
# starts its own sshd on a loopback port (the system's is not used);
# with --container (or SFREVOPS_CHECK_CONTAINER=1), podman, runc and
# mmdebstrap for `make check-container`, which builds
# contrib/Containerfile (runc: Debian 12's crun refuses a hybrid cgroup
# hierarchy; mmdebstrap makes the Debian 12 base image where the registry
# cannot be reached).  The npm modules include Claude Code (a native
# executable of about 400 MB) for tests/e2e/clients.test.mjs.
# Run as root (or through sudo).  Idempotent.
set -eu

pkgs="build-essential autoconf automake pkg-config
libcurl4-openssl-dev libsodium-dev libcjson-dev libseccomp-dev libssl-dev
openssl ca-certificates nodejs npm mandoc valgrind devscripts
debhelper lintian chromium fonts-dejavu-core clang clang-tools gcovr
openssh-server tzdata"
if [ "${1:-}" = --container ] || [ "${SFREVOPS_CHECK_CONTAINER:-0}" = 1 ]; then
	pkgs="$pkgs podman runc mmdebstrap"
fi

if [ "$(id -u)" -ne 0 ]; then
	SUDO=sudo
else
	SUDO=
fi

missing=
for p in $pkgs; do
	case "$p" in
	nodejs|npm)
		# A Node.js of 18 or newer may come from elsewhere (nvm, NodeSource).
		command -v "${p%js}" >/dev/null 2>&1 && continue
		[ "$p" = nodejs ] && command -v node >/dev/null 2>&1 && continue
		;;
	esac
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" ||
	    missing="$missing $p"
done

if [ -n "$missing" ]; then
	echo "installing:$missing" >&2
	$SUDO apt-get update -qq
	# shellcheck disable=SC2086
	DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends $missing
fi

# The Node modules of the simulator and the end-to-end tests, pinned by
# tests/package-lock.json.
here=$(cd "$(dirname "$0")/.." && pwd)
if [ -f "$here/tests/package-lock.json" ]; then
	(cd "$here/tests" && npm ci --no-audit --no-fund --loglevel=error)
fi
