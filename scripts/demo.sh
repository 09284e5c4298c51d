#!/usr/bin/env bash
# Installs dependencies, builds, starts Stratus on 127.0.0.1 with data under ./data, deploys a
# demo function, prints how to call it, and keeps serving until Ctrl-C.
set -euo pipefail
cd "$(dirname "$0")/.."
PORT="${PORT:-9000}"
DATA_DIR="${DATA_DIR:-$PWD/data}"

scripts/deps.sh
scripts/build.sh --target stratus

# The stratus command on PATH (docs/cli.md): a link to this build where /usr/local/bin is ours.
if [ -w /usr/local/bin ]; then
  ln -sfn "$PWD/build/stratus" /usr/local/bin/stratus
  stratus_cmd=stratus
else
  stratus_cmd="$PWD/build/stratus"
fi
endpoint_flag=""
[ "$PORT" = 9000 ] || endpoint_flag=" --endpoint http://127.0.0.1:$PORT"

build/stratus serve --listen "127.0.0.1:$PORT" --data-dir "$DATA_DIR" &
server=$!
trap 'kill "$server" 2>/dev/null || true' EXIT INT TERM
for _ in $(seq 1 100); do
  if python3 -c "import urllib.request,sys; urllib.request.urlopen('http://127.0.0.1:$PORT/_stratus/health', timeout=1)" 2>/dev/null; then break; fi
  kill -0 "$server" 2>/dev/null || { echo "demo: the server did not start" >&2; exit 1; }
  sleep 0.1
done

export AWS_ACCESS_KEY_ID="${AWS_ACCESS_KEY_ID:-test}" AWS_SECRET_ACCESS_KEY="${AWS_SECRET_ACCESS_KEY:-test}"
export AWS_DEFAULT_REGION="${AWS_DEFAULT_REGION:-us-east-1}"
zip_file="$DATA_DIR/hello.zip"
python3 - "$zip_file" <<'PY'
import sys, zipfile
with zipfile.ZipFile(sys.argv[1], "w") as z:
    z.write("examples/hello/index.js", "index.js")
PY
if ! scripts/aws-cli --endpoint-url "http://127.0.0.1:$PORT" lambda get-function --function-name hello >/dev/null 2>&1; then
  scripts/aws-cli --endpoint-url "http://127.0.0.1:$PORT" lambda create-function --function-name hello \
    --runtime nodejs20.x --handler index.handler --role arn:aws:iam::000000000000:role/demo \
    --zip-file "fileb://$zip_file" --query 'FunctionArn' --output text
else
  scripts/aws-cli --endpoint-url "http://127.0.0.1:$PORT" lambda update-function-code --function-name hello \
    --zip-file "fileb://$zip_file" --query 'FunctionArn' --output text
fi

# The command to show: plain `aws` when it is v2, else Debian's v2 by its path.
aws_cmd=aws
aws --version 2>&1 | grep -q '^aws-cli/2' || aws_cmd=/usr/bin/aws

cat <<EOT

Stratus is serving the Lambda API on http://127.0.0.1:$PORT (data in $DATA_DIR), with the
demo function "hello" deployed. In another shell:

  export AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test AWS_DEFAULT_REGION=us-east-1
  $aws_cmd --endpoint-url http://127.0.0.1:$PORT lambda invoke --function-name hello \\
      --payload '{"name":"Stratus"}' --cli-binary-format raw-in-base64-out --log-type Tail \\
      --query LogResult --output text out.json | base64 -d; cat out.json; echo

  curl -s -X POST http://127.0.0.1:$PORT/2015-03-31/functions/hello/invocations -d '{"name":"curl"}'

  $stratus_cmd invoke hello '{"name":"Stratus"}'$endpoint_flag
  $stratus_cmd deploy ./my-function$endpoint_flag      # or: $stratus_cmd dev ./my-function (redeploys on save)
  $stratus_cmd logs hello --follow$endpoint_flag

Ctrl-C stops the server; the function and its code stay in $DATA_DIR.
EOT
wait "$server"
