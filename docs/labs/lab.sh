# Helpers for the labs in docs/labs/: source this file in a shell next to a running
# `make run` (`. docs/labs/lab.sh`). It signs up a fresh user and logs in (T: the access token,
# R: the refresh token), finds a product in stock (P), and defines a few short commands.
# Needs curl, jq and python3. B is the gateway (default http://127.0.0.1:8000), VAR the
# launcher's var dir (default var).

B=${B:-http://127.0.0.1:8000}
VAR=${VAR:-var}
GOOD_CARD='{"number":"4242 4242 4242 4242","exp_month":12,"exp_year":2040,"cvc":"123","holder":"IVAN PETROV"}'
DECLINED_CARD='{"number":"4000 0000 0000 0002","exp_month":12,"exp_year":2040,"cvc":"123","holder":"IVAN PETROV"}'

new_uuid() { python3 -c 'import uuid; print(uuid.uuid4())'; }

# post PATH JSON [curl options...]: a JSON POST as the signed-up user; prints the body.
post() {
  local path=$1 body=$2
  shift 2
  curl -sS -XPOST "$B$path" -H "authorization: Bearer $T" -H 'content-type: application/json' \
    -d "$body" "$@"
}

# get PATH: a GET as the signed-up user.
get() { curl -sS "$B$1" -H "authorization: Bearer $T"; }

# sign_up: a new account, logged in (EMAIL, PASSWORD, T, R).
sign_up() {
  EMAIL="lab-$(new_uuid | cut -c1-8)@example.com"
  PASSWORD="lab-password-$(new_uuid)"
  curl -sS -XPOST "$B/api/auth/register" -H 'content-type: application/json' \
    -d "{\"email\":\"$EMAIL\",\"password\":\"$PASSWORD\",\"name\":\"Lab\"}" >/dev/null
  local login
  login=$(curl -sS -XPOST "$B/api/auth/login" -H 'content-type: application/json' \
    -d "{\"email\":\"$EMAIL\",\"password\":\"$PASSWORD\"}")
  T=$(echo "$login" | jq -r '.access_token // empty')
  R=$(echo "$login" | jq -r '.refresh_token // empty')
  [ -n "$T" ] || { echo "login failed: $login" >&2; return 1; }
}

# order [QUANTITY]: order P, with a fresh Idempotency-Key; prints the order's id.
order() {
  post /api/orders "{\"items\":[{\"product_id\":\"$P\",\"quantity\":${1:-1}}]}" \
    -H "Idempotency-Key: $(new_uuid)" | jq -r .id
}

# pay ORDER [CARD_JSON]: pay it (the good card unless told); prints status and amount.
pay() {
  post /api/payments "{\"order_id\":\"$1\",\"card\":${2:-$GOOD_CARD}}" \
    -H "Idempotency-Key: $(new_uuid)" | jq -c '{status, amount, failure_reason}'
}

# status ORDER: the order's status now.
status() { get "/api/orders/$1" | jq -r .status; }

# wait_for ORDER STATUS [SECONDS]: poll until the order has that status (default 30 s).
wait_for() {
  local order=$1 wanted=$2 now
  for _ in $(seq $((${3:-30} * 2))); do
    now=$(status "$order")
    [ "$now" = "$wanted" ] && { echo "order $order: $now"; return 0; }
    sleep 0.5
  done
  echo "order $order is $now, not $wanted" >&2
  return 1
}

# pid_of SERVICE [REPLICA]: the pid of the process serving that replica (from the port
# var/launcher.json gives it). Precise: other copies of the system on the machine are not it.
pid_of() {
  local url port
  url=$(jq -r ".services.$1[$((${2:-1} - 1))] // empty" "$VAR/launcher.json")
  port=${url##*:}
  [ -n "$port" ] || { echo "no replica ${2:-1} of $1 in $VAR/launcher.json" >&2; return 1; }
  lsof -nP -t -iTCP:"$port" -sTCP:LISTEN 2>/dev/null \
    || ss -ltnpH "sport = :$port" | sed -n 's/.*pid=\([0-9]*\).*/\1/p'
}

sign_up || return 1 2>/dev/null || exit 1
P=$(curl -sS -G "$B/api/catalog/products" -d in_stock=true -d limit=1 | jq -r '.items[0].id // empty')
[ -n "$P" ] || echo "no product in stock: start without --no-seed, or make one as admin" >&2
echo "lab ready: B=$B user $EMAIL, product P=${P:-none}"
