#!/bin/sh
# Runs a `make dist` tarball where no Swift is: a fresh Debian 12 root made with debootstrap
# (minbase) plus only the runtime libraries the executables link, libcurl4 and libyaml-0-2.
# Checks the tarball's sums, that every library resolves there (ldd), then runs --version,
# manifest, and an invoke of sendSMS through the tarball's own twilio-sandbox (--sandbox).
# The root is kept in .build-dist/debian-root for the next run. Needs root (debootstrap, chroot).
#
# usage: scripts/dist-check.sh .build-dist/twilio-component-VERSION-linux-ARCH.tar.gz
set -eu
tarball=$1
root=${DIST_CHECK_ROOT:-.build-dist/debian-root}
mirror=${DEBIAN_MIRROR:-http://deb.debian.org/debian}

fail() { echo "dist-check: $*" >&2; exit 1; }
[ "$(id -u)" -eq 0 ] || fail "debootstrap and chroot need root; run it as root (sudo make dist-check)"
command -v debootstrap >/dev/null 2>&1 || apt-get install -y -qq debootstrap >/dev/null
if [ ! -x "$root/bin/sh" ]; then
    echo "dist-check: making a Debian 12 root in $root (minbase + libcurl4 libyaml-0-2) ..." >&2
    rm -rf "$root.partial"
    debootstrap --variant=minbase --include=libcurl4,libyaml-0-2 bookworm "$root.partial" "$mirror" >"$root.log" 2>&1 ||
        fail "debootstrap failed; see $root.log"
    mv "$root.partial" "$root"
fi

# No Swift in the root: neither a toolchain nor a runtime library.
if chroot "$root" sh -c 'command -v swift || command -v swiftc' >/dev/null; then fail "the root has a Swift toolchain"; fi
if find "$root" -name 'libswift*' -o -name 'libFoundation*.so' | grep -q .; then fail "the root has Swift runtime libraries"; fi

install_dir="$root/opt/twilio-component"
rm -rf "$install_dir"
mkdir -p "$install_dir"
tar -C "$install_dir" --strip-components=1 -xzf "$tarball"
(cd "$install_dir" && sha256sum --check --quiet SHA256SUMS) || fail "the tarball's SHA256SUMS do not match its files"

# Every Linux machine has /proc, and Swift reads a process's arguments from it.
mount -t proc proc "$root/proc" || fail "cannot mount /proc in $root"
trap 'umount "$root/proc" 2>/dev/null || true' EXIT
trap 'exit 130' INT TERM
in_root() { chroot "$root" env -i HOME=/tmp PATH=/opt/twilio-component/bin:/usr/bin:/bin "$@"; }
for executable in twilio-component twilio-mcp run-action twilio-sandbox; do
    missing=$(in_root ldd "/opt/twilio-component/bin/$executable" | grep "not found" || true)
    [ -z "$missing" ] || fail "$executable needs libraries the root lacks: $missing"
done

in_root twilio-component --version
manifest=$(in_root twilio-component manifest --compact)
case $manifest in
    *'"protocolVersion"'*'"key":"twilio"'*) echo "manifest: $(printf %s "$manifest" | wc -c) bytes, component twilio" ;;
    *) fail "manifest printed something else: $(printf %s "$manifest" | head -c 300)" ;;
esac
request='{"action": "sendSMS", "inputs": {"from": "+15005550006", "to": "+14155550100", "body": "Sent from a root without Swift"}}'
result=$(printf %s "$request" | in_root twilio-component invoke --sandbox) || fail "invoke failed: $result"
case $result in
    *'"sid":"SM'*'"status":"queued"'* | *'"status":"queued"'*'"sid":"SM'*) echo "invoke: $result" ;;
    *) fail "invoke answered: $result" ;;
esac
sent=$(in_root run-action sendSMS --input from=+15005550006 --input to=+14155550100 --input body=again --compact 2>/dev/null) ||
    fail "run-action failed: $sent"
case $sent in *'"sid":"SM'*) echo "run-action: sent $(printf %s "$sent" | sed 's/.*"sid":"\(SM[0-9a-f]*\)".*/\1/')" ;; *) fail "run-action answered: $sent" ;; esac
echo "dist-check: $(basename "$tarball") runs in $root, which has no Swift"
