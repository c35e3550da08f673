#!/usr/bin/env bash
# Installs the real servers shopmesh runs against (Consul, NATS, PostgreSQL) into .tools/; quiet and idempotent.
#
# Result:
#   .tools/bin/consul       Consul >= 1.8       (PATH, else Debian bullseye's `consul` unpacked into .tools/consul)
#   .tools/bin/nats-server  nats-server >= 2.9  (PATH, else Debian bookworm's `nats-server` unpacked into .tools/nats)
#   .tools/pgbin            dir with PostgreSQL >= 15 server binaries (PATH, /usr/lib/postgresql/*/bin, else apt)
#   python3-grpcio          for /usr/bin/python3 (interop tests of the sidecar; else apt)
#
# Debian packages are fetched with a private apt setup under .tools/apt (own sources list, lists and cache
# dirs) that reuses the machine's Debian archive address and keeps signature checking on, so the system's
# apt configuration and package state are never changed. Prints nothing when everything is already there.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
TOOLS=$ROOT/.tools
BIN=$TOOLS/bin
APT_DIR=$TOOLS/apt
LOG=$TOOLS/deps.log
KEYRING=/usr/share/keyrings/debian-archive-keyring.gpg

MIN_CONSUL=1.8
MIN_NATS=2.9
MIN_PG=15
CONSUL_SUITE=bullseye # Debian 11: consul 1.8.7 (built with UI and Connect CA); later releases dropped it
NATS_SUITE=bookworm   # Debian 12: nats-server 2.9.10
PG_BINARIES=(initdb pg_ctl postgres pg_basebackup)

die() {
  printf 'deps: %s\n' "$*" >&2
  exit 1
}

# die_with_log MSG: fail and show the tail of the log of the step that failed.
die_with_log() {
  {
    printf 'deps: %s\n' "$1"
    if $log_started && [[ -s $LOG ]]; then
      printf 'deps: last lines of %s:\n' "$LOG"
      tail -n 20 "$LOG" | sed 's/^/  | /'
    fi
  } >&2
  exit 1
}

is_root() { [[ $(id -u) -eq 0 ]]; }

# note TEXT: append a line to the log, which is started afresh by the first note of a run
# (so a run with nothing to do writes nothing, and a failure shows only this run's lines).
log_started=false
note() {
  if ! $log_started; then
    mkdir -p "$TOOLS"
    : >"$LOG"
    log_started=true
  fi
  printf '%s\n' "$*" >>"$LOG"
}

# run CMD...: run a noisy command with its output in the log (so a normal run stays quiet), timed.
run() {
  local start=$SECONDS status=0
  note "\$ $*"
  "$@" >>"$LOG" 2>&1 || status=$?
  note "# exit $status after $((SECONDS - start)) s"
  return "$status"
}

# version_ge A B: true when version A >= version B (sort -V also handles 1.10 > 1.9).
version_ge() {
  local sorted
  sorted=$(printf '%s\n%s\n' "$2" "$1" | sort -V)
  [[ ${sorted%%$'\n'*} == "$2" ]]
}

# tool_version KIND BINARY: print the bare version (e.g. 1.8.7) of a binary, or nothing.
# The whole output is read before taking its first line: `| head -n 1` would make a program that
# writes more lines die of SIGPIPE now and then, which pipefail turns into a failure.
tool_version() {
  local out
  case $1 in
    consul) out=$("$2" version 2>/dev/null) || return 0 ;; # "Consul v1.8.7"
    nats) out=$("$2" --version 2>/dev/null) || return 0 ;;  # "nats-server: v2.9.10"
    pg) out=$("$2" --version 2>/dev/null) || return 0 ;;    # "postgres (PostgreSQL) 15.18 (...)"
  esac
  out=${out%%$'\n'*}
  [[ $out =~ [vV]?([0-9]+\.[0-9]+(\.[0-9]+)?) ]] && printf '%s\n' "${BASH_REMATCH[1]}"
  return 0
}

# usable KIND BINARY MIN: true when BINARY runs and reports a version >= MIN.
usable() {
  local v
  [[ -x $2 ]] || return 1
  v=$(tool_version "$1" "$2")
  [[ -n $v ]] && version_ge "$v" "$3"
}

# find_on_path NAME: the first NAME on PATH that is not one of our own links under .tools/.
find_on_path() {
  local dir candidate real IFS=:
  for dir in $PATH; do
    [[ -n $dir ]] || continue
    candidate=$dir/$1
    [[ -x $candidate && ! -d $candidate ]] || continue
    real=$(readlink -f "$candidate") || continue
    [[ $real == "$TOOLS"/* || $candidate == "$TOOLS"/* ]] && continue
    printf '%s\n' "$candidate"
    return 0
  done
  return 1
}

# ---------------------------------------------------------------------------------------------------
# Private apt: Debian packages downloaded and unpacked without touching the system's apt state.

# debian_archive_uri: the URI of the machine's main Debian archive (not security, not a third-party repo),
# read from one-line (*.list) and deb822 (*.sources) apt sources.
debian_archive_uri() {
  local files=() f
  local etc=${DEPS_APT_ETC:-/etc/apt} # overridable to test the parser
  [[ -f $etc/sources.list ]] && files+=("$etc/sources.list")
  for f in "$etc"/sources.list.d/*.list "$etc"/sources.list.d/*.sources; do
    [[ -f $f ]] && files+=("$f")
  done
  ((${#files[@]})) || return 1
  # Emits "score uri" for every (uri, suite) pair that looks like a Debian release archive; best score wins.
  awk '
    function codename(s) {
      return s ~ /^(buster|bullseye|bookworm|trixie|forky|duke|sid|stable|oldstable|oldoldstable|testing|unstable)$/
    }
    function consider(uri, suite, comps,   score) {
      if (uri ~ /security/ || !codename(suite) || comps !~ /(^|[ \t])main([ \t]|$)/) return
      score = 1
      if (uri ~ /\/debian\/?$/) score += 1           # the conventional archive path, e.g. deb.debian.org/debian
      sub(/\/+$/, "", uri)
      print score, uri
    }
    function flush(   nu, ns, u, s, uris, suites) {
      if (types ~ /(^|[ \t])deb([ \t]|$)/ && enabled !~ /^(no|false)$/) {
        nu = split(uris_, uris, /[ \t]+/); ns = split(suites_, suites, /[ \t]+/)
        for (u = 1; u <= nu; u++) for (s = 1; s <= ns; s++) if (uris[u] != "") consider(uris[u], suites[s], comps_)
      }
      types = ""; uris_ = ""; suites_ = ""; comps_ = ""; enabled = ""
    }
    FNR == 1 { flush() }
    FILENAME ~ /\.sources$/ {
      if ($0 ~ /^[ \t]*$/) { flush(); next }
      if ($0 ~ /^#/) next
      key = $0; sub(/[ \t]*:.*/, "", key); key = tolower(key)
      val = $0; sub(/^[^:]*:[ \t]*/, "", val)
      if (key == "types") types = val
      else if (key == "uris") uris_ = val
      else if (key == "suites") suites_ = val
      else if (key == "components") comps_ = val
      else if (key == "enabled") enabled = tolower(val)
      next
    }
    {
      line = $0; sub(/#.*/, "", line)
      if (line !~ /^[ \t]*deb[ \t]/) next
      sub(/^[ \t]*deb[ \t]+/, "", line)
      if (line ~ /^\[/) sub(/^\[[^]]*\][ \t]*/, "", line)   # [arch=... signed-by=...]
      n = split(line, w, /[ \t]+/)
      comps = ""; for (i = 3; i <= n; i++) comps = comps " " w[i]
      consider(w[1], w[2], comps)
    }
    END { flush() }
  ' "${files[@]}" | sort -s -k1,1nr | awk 'NR == 1 { print $2 }'
}

# apt_private ARGS...: apt-get confined to .tools/apt (sources, lists, cache; the system's pins ignored).
# The system's apt.conf.d still applies (proxies, Check-Valid-Until), except for the hooks that our
# private .tools/apt/apt.conf clears. The binary caches are named explicitly: Debian's docker images turn
# them off, and then every apt-get call re-parses the package lists (~1.5 s each here).
apt_private() {
  apt-get -q -c "$APT_DIR/apt.conf" \
    -o Dir::Etc::SourceList="$APT_DIR/sources.list" \
    -o Dir::Etc::SourceParts=/dev/null \
    -o Dir::Etc::Preferences=/dev/null \
    -o Dir::Etc::PreferencesParts=/dev/null \
    -o Dir::State::Lists="$APT_DIR/lists" \
    -o Dir::State::Status=/dev/null \
    -o Dir::Cache="$APT_DIR/cache" \
    -o Dir::Cache::pkgcache="$APT_DIR/cache/pkgcache.bin" \
    -o Dir::Cache::srcpkgcache="$APT_DIR/cache/srcpkgcache.bin" \
    "$@"
}

# fetch_debs PKG:SUITE...: download the packages through the private apt into .tools/apt/debs.
fetch_debs() {
  local uri suites=() pkgs=() spec suite
  command -v apt-get >/dev/null && command -v dpkg >/dev/null || { note "apt-get and dpkg are needed"; return 1; }
  [[ -r $KEYRING ]] || { note "missing $KEYRING (package debian-archive-keyring)"; return 1; }
  uri=$(debian_archive_uri) || true
  [[ -n $uri ]] || { note "no Debian archive URI found in the apt sources"; return 1; }

  mkdir -p "$APT_DIR/lists/partial" "$APT_DIR/cache/archives/partial" "$APT_DIR/debs"
  for spec in "$@"; do
    suite=${spec#*:}
    [[ " ${suites[*]-} " == *" $suite "* ]] || suites+=("$suite")
  done
  # Our `update` must not run the system's update hooks (PackageKit, AppStream refresh of system lists).
  printf '#clear APT::Update::Pre-Invoke;\n#clear APT::Update::Post-Invoke;\n#clear APT::Update::Post-Invoke-Success;\n' \
    >"$APT_DIR/apt.conf"
  # signed-by: the release files must be signed by Debian's archive keys, whatever the machine trusts.
  for suite in "${suites[@]}"; do
    printf 'deb [signed-by=%s] %s %s main\n' "$KEYRING" "$uri" "$suite"
  done >"$APT_DIR/sources.list"

  # As root apt downloads as the unprivileged _apt user: give it the download folder (else a warning).
  if is_root && getent passwd _apt >/dev/null; then
    chown _apt "$APT_DIR/debs" 2>/dev/null || true
  fi
  run apt_private update || return 1
  for spec in "$@"; do
    pkgs+=("${spec%%:*}")
    rm -f "$APT_DIR/debs/${spec%%:*}"_*.deb
  done
  (cd "$APT_DIR/debs" && run apt_private download "${pkgs[@]}") || return 1
  rm -rf "$APT_DIR/lists" "$APT_DIR/cache" # ~150 MB of indexes, needed again only if a binary goes missing
}

# unpack_deb PKG DEST: dpkg -x the downloaded package into DEST (replaced whole, via a temp folder).
unpack_deb() {
  local debs tmp
  debs=("$APT_DIR/debs/${1}"_*.deb)
  [[ -f ${debs[0]} ]] || return 1
  tmp=$(mktemp -d "$2.tmp.XXXXXX")
  run dpkg -x "${debs[0]}" "$tmp" || { rm -rf "$tmp"; return 1; }
  rm -rf "$2"
  mv "$tmp" "$2"
}

# unpacked_binary DEST NAME: where NAME landed in an unpacked package (usr/bin or usr/sbin).
unpacked_binary() {
  local b
  for b in "$1/usr/bin/$2" "$1/usr/sbin/$2" "$1/bin/$2"; do
    [[ -x $b ]] && { printf '%s\n' "$b"; return 0; }
  done
  return 1
}

# ---------------------------------------------------------------------------------------------------

# link_existing KIND NAME MIN: keep a good .tools/bin/NAME, else link a good NAME from PATH; false if neither.
link_existing() {
  local link=$BIN/$2 found
  usable "$1" "$link" "$3" && return 0
  if found=$(find_on_path "$2") && usable "$1" "$found" "$3"; then
    ln -sfn "$found" "$link"
    return 0
  fi
  return 1
}

# ensure_downloaded_servers: Consul and nats-server from PATH, else from Debian packages in one apt pass.
ensure_downloaded_servers() {
  local need=() fetched=true bin
  link_existing consul consul "$MIN_CONSUL" || need+=("consul:$CONSUL_SUITE")
  link_existing nats nats-server "$MIN_NATS" || need+=("nats-server:$NATS_SUITE")
  ((${#need[@]})) || return 0
  fetch_debs "${need[@]}" || fetched=false

  if [[ " ${need[*]} " == *" consul:"* ]]; then
    $fetched && unpack_deb consul "$TOOLS/consul" && bin=$(unpacked_binary "$TOOLS/consul" consul) ||
      die_with_log "could not fetch Consul >= $MIN_CONSUL (Debian $CONSUL_SUITE package consul); put consul on PATH or fix the error above"
    ln -sfn "..${bin#"$TOOLS"}" "$BIN/consul" # relative: survives moving the checkout
    usable consul "$BIN/consul" "$MIN_CONSUL" ||
      die "$BIN/consul is not Consul >= $MIN_CONSUL (got '$(tool_version consul "$BIN/consul")')"
  fi

  if [[ " ${need[*]} " == *" nats-server:"* ]]; then
    if $fetched && unpack_deb nats-server "$TOOLS/nats" && bin=$(unpacked_binary "$TOOLS/nats" nats-server); then
      ln -sfn "..${bin#"$TOOLS"}" "$BIN/nats-server"
    elif is_root; then
      # Last resort: the system package (installing it does not start a server).
      apt_install nats-server || die_with_log "could not install nats-server >= $MIN_NATS (apt-get install nats-server)"
      ln -sfn "$(command -v nats-server)" "$BIN/nats-server"
    else
      die_with_log "nats-server >= $MIN_NATS missing: install Debian's package nats-server (or put nats-server on PATH)"
    fi
    usable nats "$BIN/nats-server" "$MIN_NATS" ||
      die "$BIN/nats-server is not nats-server >= $MIN_NATS (got '$(tool_version nats "$BIN/nats-server")')"
  fi
}

# apt_install PKG...: system install (root only); refreshes the package lists when the package is unknown.
apt_install() {
  export DEBIAN_FRONTEND=noninteractive
  if ! apt-cache show "$@" >/dev/null 2>&1; then
    run apt-get update || return 1
  fi
  run apt-get install -y --no-install-recommends "$@"
}

# pg_bindir_ok DIR: DIR holds every server binary we use, of version >= MIN_PG.
pg_bindir_ok() {
  local b
  for b in "${PG_BINARIES[@]}"; do [[ -x $1/$b ]] || return 1; done
  usable pg "$1/postgres" "$MIN_PG"
}

# pg_bindir_candidates: PATH first (pg_config, then initdb), then /usr/lib/postgresql/*/bin, newest first.
pg_bindir_candidates() {
  local found
  if found=$(find_on_path pg_config); then "$found" --bindir 2>/dev/null || true; fi
  if found=$(find_on_path initdb); then dirname "$(readlink -f "$found")"; fi
  ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -t/ -k5,5Vr || true
}

# link_pg_bindir: point .tools/pgbin at the first good candidate; false if there is none.
link_pg_bindir() {
  local dir
  while IFS= read -r dir; do
    if [[ -n $dir ]] && pg_bindir_ok "$dir"; then
      ln -sfn "$dir" "$TOOLS/pgbin"
      return 0
    fi
  done < <(pg_bindir_candidates)
  return 1
}

ensure_postgres() {
  [[ -L $TOOLS/pgbin ]] && pg_bindir_ok "$TOOLS/pgbin" && return 0
  link_pg_bindir && return 0
  is_root || die "PostgreSQL >= $MIN_PG server binaries not found: install Debian's package postgresql (as root: apt-get install postgresql)"
  apt_install postgresql || die_with_log "could not install PostgreSQL (apt-get install postgresql)"
  link_pg_bindir || die "PostgreSQL >= $MIN_PG server binaries still not found after installing postgresql"
}

# PostgreSQL refuses to run as root: as root the launchers run it as the `postgres` OS user.
ensure_postgres_user() {
  is_root || return 0
  getent passwd postgres >/dev/null && return 0
  run useradd --system --user-group --home-dir /var/lib/postgresql --shell /usr/sbin/nologin postgres ||
    die_with_log "could not create the system user postgres"
}

# An independent gRPC implementation (C core) for the sidecar's interop tests: Debian's python3-grpcio,
# used with the system python (/usr/bin/python3), never another python3 on PATH.
ensure_python_grpc() {
  /usr/bin/python3 -c 'import grpc' >/dev/null 2>&1 && return 0
  is_root || die "python3-grpcio not found: install Debian's package python3-grpcio (as root: apt-get install python3-grpcio)"
  apt_install python3-grpcio || die_with_log "could not install python3-grpcio (apt-get install python3-grpcio)"
  /usr/bin/python3 -c 'import grpc' >/dev/null 2>&1 || die "python3-grpcio installed but /usr/bin/python3 cannot import grpc"
}

main() {
  [[ -d $BIN ]] || mkdir -p "$BIN"
  ensure_downloaded_servers
  ensure_postgres
  ensure_postgres_user
  ensure_python_grpc
}

main "$@"
