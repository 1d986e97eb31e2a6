#!/bin/sh
# Installs the C libraries the package links (libcurl, libyaml) and pkg-config, only when missing.
# Package.swift names the same packages as the system-library providers.
set -eu
if command -v pkg-config >/dev/null 2>&1 && pkg-config --exists libcurl yaml-0.1; then
    exit 0
fi
packages="libcurl4-openssl-dev libyaml-dev pkg-config"
echo "Installing $packages ..." >&2
if [ "$(id -u)" -eq 0 ]; then
    apt-get update -qq && apt-get install -y -qq $packages
elif command -v sudo >/dev/null 2>&1; then
    sudo apt-get update -qq && sudo apt-get install -y -qq $packages
else
    echo "error: $packages are missing and this user cannot install them; ask an administrator to run: apt-get install -y $packages" >&2
    exit 1
fi
