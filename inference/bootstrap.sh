#!/usr/bin/env bash
# warmfleet bootstrap: from a bare GPU AMI to a running inference server and agent.
#
# The launch template's user data runs this script. It reads the stack's configuration from SSM Parameter
# Store (/warmfleet/<stack>/..., names in warmfleet_inference/publishing/names.py), downloads the version
# that `warmfleet-inference publish` uploaded and verifies every file against the manifest whose sha256 is in
# SSM, installs server and agent into their own virtual environment, and starts both as systemd units with
# restart policies. With a `container-image` parameter it runs that image (docker run --gpus all) in place of
# the server, with the agent beside it. Any failure exits non-zero with a message naming the step, on the
# console and in the journal, and is reported as `Instance Warm-up Failed` (the event built by the agent's
# own event module, taken from the downloaded wheel) so the launch is abandoned at once.
#
# Local mode (`--root DIR --no-systemd`) does the same inside DIR and starts the two processes directly,
# recording their pids in DIR/run/warmfleet/: the local fleet runs instances this way. `--reuse-venv PATH`
# uses an existing environment that already holds this version instead of creating one (the test and demo
# path; an instance always creates its own).
#
# Needs: bash, curl (IMDSv2), the AWS CLI, python3 >= 3.11 (venv, JSON), sha256sum; docker with the NVIDIA
# container toolkit for the container path. The AWS Deep Learning Base GPU AMIs have all of them.
set -Eeuo pipefail

usage() {
    cat <<'EOF'
usage: bootstrap.sh --stack-name NAME [options]

  --stack-name NAME    read /warmfleet/NAME/... from SSM (required)
  --root DIR           install under DIR instead of / (local mode)
  --no-systemd         start the processes directly, pids in ROOT/run/warmfleet (local mode)
  --port N             the server's port (default: the app-port parameter, else 8000)
  --host ADDR          the server's listen address (default 0.0.0.0; 127.0.0.1 with --no-systemd)
  --python PATH        the interpreter that creates the venv and runs helpers (default: the first
                       Python >= 3.11 of python3.13, python3.12, python3.11, python3)
  --reuse-venv PATH    use this environment, which must hold the published version (tests, demo)
  --wheelhouse DIR     install the requirements from DIR only (no index; for subnets without internet)
  --imds-url URL       the instance metadata service (default http://169.254.169.254)
  --region REGION      skip IMDS for the region
  --instance-id ID     skip IMDS for the instance id
  --dry-run            download and verify, write the files, log the commands without running them
EOF
}

STACK="" ROOT="" SYSTEMD=1 PORT="" HOST="" PYTHON="" REUSE_VENV="" WHEELHOUSE="" DRY_RUN=0
IMDS_URL=http://169.254.169.254 REGION="" INSTANCE_ID=""
while (($#)); do
    case $1 in
    --stack-name) STACK=${2:?--stack-name needs a value} && shift ;;
    --root) ROOT=${2:?--root needs a directory} && shift ;;
    --no-systemd) SYSTEMD=0 ;;
    --port) PORT=${2:?--port needs a number} && shift ;;
    --host) HOST=${2:?--host needs an address} && shift ;;
    --python) PYTHON=${2:?--python needs a path} && shift ;;
    --reuse-venv) REUSE_VENV=${2:?--reuse-venv needs a path} && shift ;;
    --wheelhouse) WHEELHOUSE=${2:?--wheelhouse needs a directory} && shift ;;
    --imds-url) IMDS_URL=${2:?--imds-url needs a URL} && shift ;;
    --region) REGION=${2:?--region needs a value} && shift ;;
    --instance-id) INSTANCE_ID=${2:?--instance-id needs a value} && shift ;;
    --dry-run) DRY_RUN=1 ;;
    -h | --help) usage && exit 0 ;;
    *) echo "bootstrap.sh: error: unknown argument '$1'" >&2 && usage >&2 && exit 2 ;;
    esac
    shift
done
[[ -n $STACK ]] || { echo "bootstrap.sh: error: --stack-name is required" >&2 && usage >&2 && exit 2; }
[[ -z $ROOT ]] || ROOT=$(mkdir -p "$ROOT" && cd "$ROOT" && pwd)
[[ -n $HOST ]] || { ((SYSTEMD)) && HOST=0.0.0.0 || HOST=127.0.0.1; }

PREFIX=$ROOT/opt/warmfleet
CONFIG_DIR=$ROOT/etc/warmfleet
LOG_DIR=$ROOT/var/log/warmfleet
CACHE_DIR=$ROOT/var/cache/warmfleet
RUN_DIR=$ROOT/run/warmfleet
UNIT_DIR=$ROOT/etc/systemd/system
PARAMETERS=/warmfleet/$STACK
COMMAND_LOG=$LOG_DIR/commands.log
mkdir -p "$PREFIX/bin" "$CONFIG_DIR" "$LOG_DIR" "$CACHE_DIR" "$RUN_DIR"

STEP=arguments FAILURE="" WHEEL="" VERSION="" CFG_GROUP_NAME=""
JOURNAL=0
[[ -z $ROOT && -S /dev/log ]] && command -v logger >/dev/null && JOURNAL=1

log() {
    local line
    line="$(date -u +%Y-%m-%dT%H:%M:%SZ) warmfleet-bootstrap[$STEP]: $*"
    echo "$line" >&2
    echo "$line" >>"$LOG_DIR/bootstrap.log"
    ((JOURNAL)) && logger -t warmfleet-bootstrap -- "[$STEP] $*"
    return 0
}

fail() {
    FAILURE=$*
    log "error: $*"
    exit 1
}

# Every command that changes the machine goes through `run`: logged to commands.log, skipped by --dry-run.
run() {
    local status=0
    printf '%q ' "$@" >>"$COMMAND_LOG" && echo >>"$COMMAND_LOG"
    ((DRY_RUN)) && { log "dry run: $*" && return 0; }
    "$@" || status=$?
    ((status == 0)) || fail "'$*' exited with status $status"
}

report_failure() {
    local reason=$1 entry
    if [[ -z $CFG_GROUP_NAME || -z $INSTANCE_ID || -z $VERSION || ! -f $WHEEL ]]; then
        log "cannot send Instance Warm-up Failed before the configuration and the wheel are in hand;" \
            "the lifecycle sweep abandons this launch when its warm-up budget runs out"
        return 0
    fi
    # The agent's own event builder, run from the downloaded wheel with the AMI's python3: this works even
    # when installing the environment is what failed.
    entry=$(PYTHONPATH=$WHEEL "$PYTHON" -m warmfleet_inference.publishing.report --wheel "$WHEEL" \
        --group "$CFG_GROUP_NAME" --instance-id "$INSTANCE_ID" --model-version "$VERSION" \
        --waited-seconds "$SECONDS" --reason "$reason") || { log "could not build the failure event" && return 0; }
    if ((DRY_RUN)); then
        log "dry run: would send $entry"
    elif aws events put-events --entries "$entry" --query FailedEntryCount --output text | grep -qx 0; then
        log "reported Instance Warm-up Failed: $reason"
    else
        log "could not send Instance Warm-up Failed (see the error above)"
    fi
}

on_exit() {
    local status=$?
    ((status == 0)) && return 0
    set +e
    [[ -n $FAILURE ]] || FAILURE="command failed (exit $status): $LAST_COMMAND"
    log "FAILED: $FAILURE"
    report_failure "bootstrap failed during $STEP: $FAILURE"
    exit "$status"
}
LAST_COMMAND=""
trap 'LAST_COMMAND=$BASH_COMMAND' ERR
trap on_exit EXIT

require_command() {
    command -v "$1" >/dev/null || fail "'$1' is not installed or not on the PATH ($2)"
}

imds() {
    local token
    token=$(curl -fsS --max-time 2 --retry 3 -X PUT "$IMDS_URL/latest/api/token" \
        -H "X-aws-ec2-metadata-token-ttl-seconds: 300") || fail "no IMDSv2 token from $IMDS_URL"
    curl -fsS --max-time 2 --retry 3 -H "X-aws-ec2-metadata-token: $token" "$IMDS_URL/latest/meta-data/$1" ||
        fail "IMDS has no $1"
}

# Turn `aws ssm get-parameters-by-path` JSON (stdin) into shell assignments: `group-name` -> CFG_GROUP_NAME.
parameters_to_shell() {
    "$PYTHON" -c '
import json, re, shlex, sys
path, prefix = sys.argv[1].rstrip("/") + "/", sys.argv[2]
for parameter in json.load(sys.stdin).get("Parameters", []):
    name = parameter["Name"].removeprefix(path)
    print(prefix + re.sub(r"[^A-Za-z0-9]", "_", name).upper() + "=" + shlex.quote(parameter["Value"]))
' "$1" "$2"
}

read_parameters() { # PATH PREFIX RECURSIVE -> CONFIG_DIR/<file>.env, sourced
    local file=$CONFIG_DIR/$4.env
    aws ssm get-parameters-by-path --path "$1" "$3" --output json | parameters_to_shell "$1" "$2" >"$file" ||
        fail "could not read the SSM parameters under $1"
    # shellcheck source=/dev/null
    source "$file"
}

verify_sha256() { # FILE HEX
    [[ -f $1 ]] || fail "$1 is missing"
    echo "$2  $1" | sha256sum --check --quiet --status - ||
        fail "checksum mismatch for $1: expected sha256 $2, got $(sha256sum "$1" | cut -d' ' -f1)"
}

# Print `role<TAB>path<TAB>sha256` per file and `package<TAB>version`, refusing unsafe paths.
manifest_entries() {
    "$PYTHON" -c '
import json, sys
body = json.load(open(sys.argv[1]))
found = (body.get("schema"), body.get("version"))
if found != (1, sys.argv[2]):
    sys.exit(f"manifest schema/version {found} is not (1, {sys.argv[2]!r})")
print("package", body["package_version"], sep="\t")
for item in body["files"]:
    path = item["path"]
    if path.startswith("/") or ".." in path.split("/"):
        sys.exit(f"unsafe path in manifest: {path!r}")
    print(item["role"], path, item["sha256"], sep="\t")
' "$1" "$2"
}

STEP=prerequisites
require_command aws "the AWS CLI reads SSM and S3"
require_command curl "IMDSv2"
require_command sha256sum "checksums"
python_ok() { "$1" -c 'import sys; assert sys.version_info >= (3, 11)' 2>/dev/null; }
if [[ -z $PYTHON ]]; then
    # Ubuntu 24.04 DLAMIs have python3.12 as python3; Amazon Linux 2023 ones add python3.12 beside 3.9.
    for candidate in python3.13 python3.12 python3.11 python3; do
        command -v "$candidate" >/dev/null && python_ok "$candidate" && PYTHON=$candidate && break
    done
    [[ -n $PYTHON ]] || fail "no Python >= 3.11 on the PATH (tried python3.13, python3.12, python3.11, python3)"
fi
python_ok "$PYTHON" || fail "$PYTHON is not Python >= 3.11"

if ((!SYSTEMD)); then
    # Local mode: never overwrite the files of an instance that is still running in this root.
    for pid_file in "$RUN_DIR"/server.pid "$RUN_DIR"/agent.pid; do
        if [[ -f $pid_file ]] && kill -0 "$(cat "$pid_file")" 2>/dev/null; then
            fail "$(basename "$pid_file" .pid) already running (pid $(cat "$pid_file")) in ${ROOT:-/}; stop it first"
        fi
    done
fi

STEP=identity
[[ -n $REGION ]] || REGION=$(imds placement/region)
[[ -n $INSTANCE_ID ]] || INSTANCE_ID=$(imds instance-id)
export AWS_DEFAULT_REGION=$REGION AWS_REGION=$REGION
log "instance $INSTANCE_ID in $REGION, stack parameters $PARAMETERS, root ${ROOT:-/}"

STEP=configuration
read_parameters "$PARAMETERS" CFG_ --no-recursive stack
[[ -n ${CFG_GROUP_NAME:-} ]] || fail "SSM parameter $PARAMETERS/group-name is missing"
[[ -n ${CFG_MODEL_VERSION:-} ]] || fail "SSM parameter $PARAMETERS/model-version is missing"
VERSION=$CFG_MODEL_VERSION
read_parameters "$PARAMETERS/versions/$VERSION" VER_ --recursive version
for name in MANIFEST_URI MANIFEST_SHA256 MODEL_URI MODEL_SHA256 MODEL_NAME; do
    variable=VER_$name
    [[ -n ${!variable:-} ]] || fail "version $VERSION is not published: SSM parameter" \
        "$PARAMETERS/versions/$VERSION/$(tr '_A-Z' '-a-z' <<<"$name") is missing (run warmfleet-inference publish)"
done
PORT=${PORT:-${CFG_APP_PORT:-8000}}
if ! [[ $PORT =~ ^[0-9]+$ ]] || ((PORT < 1 || PORT > 65535)); then
    fail "the server port '$PORT' is not a TCP port"
fi
# One drain timeout for the server, the agent and systemd (which must not kill either mid-drain): the
# stack's, else the processes' own default (DEFAULT_DRAIN_TIMEOUT_SECONDS in warmfleet_inference/process.py).
DRAIN_TIMEOUT=${CFG_DRAIN_TIMEOUT_SECONDS:-300}
[[ $DRAIN_TIMEOUT =~ ^[1-9][0-9]{0,5}$ ]] ||
    fail "SSM parameter $PARAMETERS/drain-timeout-seconds is not a positive whole number of seconds"
log "group $CFG_GROUP_NAME, version $VERSION, model $VER_MODEL_URI, port $PORT"

STEP=artifact
RELEASE=$PREFIX/releases/$VERSION
mkdir -p "$RELEASE"
# One download for the manifest and the files beside it; nothing is trusted before it is verified. The
# model is not downloaded here: the server fetches it through its verified, digest-keyed cache.
aws s3 cp --only-show-errors --recursive "${VER_MANIFEST_URI%/*}/" "$RELEASE/" \
    --exclude "model/*" --exclude "manifest.json.sha256" || fail "could not download version $VERSION"
[[ -f $RELEASE/${VER_MANIFEST_URI##*/} ]] || fail "$VER_MANIFEST_URI does not exist"
verify_sha256 "$RELEASE/${VER_MANIFEST_URI##*/}" "$VER_MANIFEST_SHA256"
entries=$(manifest_entries "$RELEASE/${VER_MANIFEST_URI##*/}" "$VERSION") || fail "the manifest of $VERSION is invalid"
PACKAGE_VERSION="" REQUIREMENTS="" UNITS=()
while IFS=$'\t' read -r role path sha256; do
    case $role in
    package) PACKAGE_VERSION=$path && continue ;;
    model | model-checksum) continue ;;
    wheel) WHEEL=$RELEASE/$path ;;
    requirements) REQUIREMENTS=$RELEASE/$path ;;
    systemd-unit) UNITS+=("$RELEASE/$path") ;;
    esac
    verify_sha256 "$RELEASE/$path" "$sha256"
done <<<"$entries"
[[ -f $WHEEL && -f $REQUIREMENTS && ${#UNITS[@]} -gt 0 ]] || fail "the manifest of $VERSION lacks a wheel, requirements or units"
log "verified version $VERSION (package $PACKAGE_VERSION) in $RELEASE"

STEP=install
if [[ -n $REUSE_VENV ]]; then
    VENV=$(cd "$REUSE_VENV" && pwd) || fail "--reuse-venv $REUSE_VENV does not exist"
    installed=$("$VENV/bin/python" -c 'from importlib.metadata import version; print(version("warmfleet"))') ||
        fail "$VENV does not hold the warmfleet package"
    [[ $installed == "$PACKAGE_VERSION" ]] || fail "$VENV holds warmfleet $installed, version $VERSION needs $PACKAGE_VERSION"
    log "reusing $VENV (warmfleet $installed)"
else
    VENV=$PREFIX/venv
    pip_source=()
    [[ -z $WHEELHOUSE ]] || pip_source=(--no-index --find-links "$WHEELHOUSE")
    run "$PYTHON" -m venv "$VENV"
    run "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check --no-input \
        "${pip_source[@]}" --requirement "$REQUIREMENTS"
    run "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check --no-input \
        --no-deps --force-reinstall "$WHEEL"
    log "installed warmfleet $PACKAGE_VERSION into $VENV"
fi

STEP=render
write_script() { # NAME ARGV... -> PREFIX/bin/NAME, an exec of ARGV with every word quoted
    local target=$PREFIX/bin/$1
    shift
    {
        echo '#!/usr/bin/env bash'
        echo "# Written by bootstrap.sh for $STACK version $VERSION; rerun the bootstrap to change it."
        # systemd starts units with an empty environment: boto3 in the server and the agent needs the region.
        printf 'export AWS_REGION=%q AWS_DEFAULT_REGION=%q\n' "$REGION" "$REGION"
        printf 'exec'
        printf ' %q' "$@"
        echo
    } >"$target.tmp"
    chmod 0755 "$target.tmp" && mv "$target.tmp" "$target"
}
optional() { # FLAG VALUE -> FLAG VALUE when VALUE is set
    [[ -z $2 ]] || printf '%s\n%s\n' "$1" "$2"
}
mapfile -t server_options < <(
    optional --max-batch-size "${VER_SERVER_MAX_BATCH_SIZE:-}"
    optional --batch-window-ms "${VER_SERVER_BATCH_WINDOW_MS:-}"
    optional --warmup-iterations "${VER_SERVER_WARMUP_ITERATIONS:-}"
    optional --warmup-batch-sizes "${VER_SERVER_WARMUP_BATCH_SIZES:-}"
)
if [[ -n ${CFG_CONTAINER_IMAGE:-} ]]; then
    CONTAINER=warmfleet-server-$INSTANCE_ID
    # --stop-timeout: a `docker stop` (docker.service going down at shutdown) allows the drain too.
    write_script run-server docker run --rm --name "$CONTAINER" --gpus all --ipc=host \
        --stop-timeout "$DRAIN_TIMEOUT" \
        --publish "$PORT:${CFG_CONTAINER_PORT:-$PORT}" --volume "$CACHE_DIR:/var/cache/warmfleet" \
        --env "WARMFLEET_MODEL_URI=$VER_MODEL_URI" --env "WARMFLEET_MODEL_SHA256=$VER_MODEL_SHA256" \
        --env "WARMFLEET_MODEL_NAME=$VER_MODEL_NAME" --env "WARMFLEET_MODEL_VERSION=$VERSION" \
        --env "AWS_DEFAULT_REGION=$REGION" "$CFG_CONTAINER_IMAGE"
else
    write_script run-server "$VENV/bin/warmfleet-inference" serve --model "$VER_MODEL_URI" \
        --sha256 "$VER_MODEL_SHA256" --name "$VER_MODEL_NAME" --host "$HOST" --port "$PORT" \
        --cache-dir "$CACHE_DIR/models" --drain-timeout "$DRAIN_TIMEOUT" "${server_options[@]}"
fi
mapfile -t agent_options < <(
    optional --queue-url "${CFG_QUEUE_URL:-}"
    optional --reply-queue-url "${CFG_REPLY_QUEUE_URL:-}"
    optional --results-bucket "${CFG_RESULTS_BUCKET:-}"
    optional --ready-url "${CFG_READY_URL:-}"
    optional --metrics-url "${CFG_METRICS_URL:-}"
    optional --drain-url "${CFG_DRAIN_URL:-}"
)
write_script run-agent "$VENV/bin/warmfleet-inference" agent --group "$CFG_GROUP_NAME" \
    --server "http://127.0.0.1:$PORT" --instance-id "$INSTANCE_ID" --model-version "$VERSION" \
    --imds-url "$IMDS_URL" --drain-timeout "$DRAIN_TIMEOUT" "${agent_options[@]}"
log "wrote $PREFIX/bin/run-server and $PREFIX/bin/run-agent"

if [[ -n ${CFG_CONTAINER_IMAGE:-} ]]; then
    STEP=container
    require_command docker "the container-image parameter runs the server in Docker"
    registry=${CFG_CONTAINER_IMAGE%%/*}
    if [[ $registry =~ ^[0-9]{12}\.dkr\.ecr\.([a-z0-9-]+)\.amazonaws\.com$ ]]; then
        # A registry answers for its own region, which need not be the stack's.
        aws ecr get-login-password --region "${BASH_REMATCH[1]}" |
            run docker login --username AWS --password-stdin "$registry" ||
            fail "could not log in to $registry"
    fi
    run docker pull "$CFG_CONTAINER_IMAGE" || fail "could not pull $CFG_CONTAINER_IMAGE"
fi

STEP=start
if ((SYSTEMD)); then
    require_command systemctl "systemd runs the units; use --no-systemd for local mode"
    mkdir -p "$UNIT_DIR"
    for unit in "${UNITS[@]}"; do
        sed "s|@PREFIX@|$PREFIX|g" "$unit" >"$UNIT_DIR/${unit##*/}"
    done
    # systemd must wait for a whole drain before it kills either process: the drain timeout plus a margin
    # (DRAIN_STOP_MARGIN_SECONDS in warmfleet_inference/process.py) for the exit after it.
    for name in server agent; do
        mkdir -p "$UNIT_DIR/warmfleet-$name.service.d"
        printf '[Service]\nTimeoutStopSec=%d\n' "$((DRAIN_TIMEOUT + 30))" \
            >"$UNIT_DIR/warmfleet-$name.service.d/drain-timeout.conf"
    done
    run systemctl daemon-reload
    run systemctl enable warmfleet-server.service warmfleet-agent.service
    run systemctl restart warmfleet-server.service warmfleet-agent.service
    log "started warmfleet-server and warmfleet-agent (journalctl -u 'warmfleet-*' for their logs)"
else
    for name in server agent; do
        pid_file=$RUN_DIR/$name.pid
        ((DRY_RUN)) && { run "$PREFIX/bin/run-$name" && continue; }
        printf '%q\n' "$PREFIX/bin/run-$name" >>"$COMMAND_LOG"
        # Its own session, so the caller can stop the process and its children by the recorded pid.
        setsid "$PREFIX/bin/run-$name" >>"$LOG_DIR/$name.log" 2>&1 </dev/null &
        echo $! >"$pid_file"
        log "started the $name (pid $!, log $LOG_DIR/$name.log)"
    done
fi
STEP=finished
log "bootstrap of $VERSION finished in ${SECONDS}s; the agent reports Instance Warm once the server is ready"
