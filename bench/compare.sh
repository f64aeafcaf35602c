#!/usr/bin/env bash
# Side-by-side benchmark: Prosody, ejabberd and Parley on this machine, one after the other, same scenarios.
#
#   bench/compare.sh [options of org.parley.bench.Compare]      e.g.  bench/compare.sh --servers ejabberd,parley
#
# 1. Installs Debian's prosody and ejabberd packages when missing (apt-get, as root or through sudo), without
#    letting the packages start their system services (a temporary policy-rc.d when none exists).
# 2. Builds app/target/parley.jar and bench/target/benchmarks.jar when missing or older than the sources.
# 3. Runs org.parley.bench.Compare with a work dir of its own (config files, data, logs of each server, the
#    certificate, and a file of every pid started). Each server runs in the foreground as a child process with its
#    config in that dir; nothing under /etc is read or changed.
# 4. On exit, even after Ctrl-C, stops whatever the run started and is still alive, by pid (only pids listed in
#    the pid file whose command line names the work dir), and deletes the work dir (KEEP=1 keeps it).
#
# Environment: JAVA (java), CLIENT_HEAP (3g, the load generator's heap), MVN (mvn), KEEP=1, PARLEY_JVM_OPTS (extra
# JVM options for the Parley server, e.g. -Dparley.tls.provider=jdk to measure BouncyCastle JSSE instead of BoringSSL).
set -euo pipefail

cd "$(dirname "$0")/.."
JAVA=${JAVA:-java}
MVN=${MVN:-mvn}
CLIENT_HEAP=${CLIENT_HEAP:-3g}

as_root() {
    if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

install_servers() {
    local missing=()
    command -v prosody >/dev/null 2>&1 || missing+=(prosody)
    [ -x /usr/sbin/ejabberdctl ] || missing+=(ejabberd)
    [ ${#missing[@]} -eq 0 ] && return 0
    if ! command -v apt-get >/dev/null 2>&1; then
        echo "compare.sh: ${missing[*]} missing and no apt-get to install them" >&2
        return 1
    fi
    echo "compare.sh: installing ${missing[*]} from the Debian packages"
    local policy=/usr/sbin/policy-rc.d made_policy=0
    if [ ! -e "$policy" ]; then
        # Keep the packages from starting their system-wide services: this run starts its own copies.
        as_root sh -c "printf '#!/bin/sh\nexit 101\n' > $policy && chmod 755 $policy"
        made_policy=1
    fi
    local rc=0
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}" || rc=$?
    if [ "$rc" -ne 0 ]; then
        as_root env DEBIAN_FRONTEND=noninteractive apt-get update -q && \
            as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}" && rc=0
    fi
    [ "$made_policy" -eq 1 ] && as_root rm -f "$policy"
    return "$rc"
}

build() {
    local jar=app/target/parley.jar bench=bench/target/benchmarks.jar
    if [ -f "$jar" ] && [ -f "$bench" ] && \
        [ -z "$(find pom.xml */pom.xml */src -newer "$bench" -type f -print -quit 2>/dev/null)" ] && \
        [ -z "$(find pom.xml */pom.xml */src -newer "$jar" -type f -not -path 'bench/*' -print -quit 2>/dev/null)" ]; then
        return 0
    fi
    echo "compare.sh: building the server and the bench jars"
    "$MVN" -B -ntp -q -o -DskipTests -pl app,bench -am package 2>/dev/null || \
        "$MVN" -B -ntp -q -DskipTests -pl app,bench -am package
}

install_servers
build

# Thousands of sessions need as many descriptors in the client and in each server.
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true

WORK=$(mktemp -d /tmp/parley-compare.XXXXXX)
chmod 755 "$WORK"

cleanup() {
    local pids=() pid
    if [ -f "$WORK/pids" ]; then
        while read -r pid; do
            [ -n "$pid" ] && [ -r "/proc/$pid/cmdline" ] && \
                tr '\0' ' ' < "/proc/$pid/cmdline" | grep -qF "$WORK" && pids+=("$pid")
        done < "$WORK/pids"
    fi
    if [ ${#pids[@]} -gt 0 ]; then
        echo "compare.sh: stopping leftover server processes ${pids[*]}"
        kill -TERM "${pids[@]}" 2>/dev/null || true
        for _ in $(seq 1 50); do
            local alive=()
            for pid in "${pids[@]}"; do [ -d "/proc/$pid" ] && alive+=("$pid"); done
            [ ${#alive[@]} -eq 0 ] && break
            sleep 0.2
        done
        for pid in "${pids[@]}"; do [ -d "/proc/$pid" ] && kill -KILL "$pid" 2>/dev/null || true; done
    fi
    if [ "${KEEP:-0}" = 1 ]; then echo "compare.sh: work dir kept: $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

echo "compare.sh: $("$JAVA" -version 2>&1 | head -1); ulimit -n $(ulimit -n); work dir $WORK"
"$JAVA" -Xmx"$CLIENT_HEAP" -cp bench/target/benchmarks.jar org.parley.bench.Compare --work-dir "$WORK" "$@"
