#!/usr/bin/env bash
# HTTP routing (docs/http.md "A request's way through", 2 and 3): `route`
# lines by host (exact and *.domain, case and port ignored), by path prefix,
# by header value; the first match wins; the frontend's pool otherwise;
# routing is per request on a keep-alive connection. `balance = hash` with
# `hash_key = uri` sends one URI to one server.
. "$(dirname "$0")/lib.sh"

for b in api static canary dflt h1 h2 h3; do start_backend $b || bail "backend $b starts"; done
P=$(free_port) P_HASH=$(free_port) P_HDR=$(free_port)
{
  global_section
  cat <<EOC
[frontend:web]
bind = 127.0.0.1:$P
mode = http
pool = default
route = host api.example.com -> api
route = host *.static.example.com -> static
route = path /static/ -> static
route = header X-Env canary -> canary
route = path /api/ -> api

[frontend:hashed]
bind = 127.0.0.1:$P_HASH
mode = http
pool = hashed

[frontend:tenant]
bind = 127.0.0.1:$P_HDR
mode = http
pool = tenant

[pool:tenant]
balance = hash
hash_key = header X-Tenant
health = none
server = h1 127.0.0.1:${BE_PORT[h1]}
server = h2 127.0.0.1:${BE_PORT[h2]}
server = h3 127.0.0.1:${BE_PORT[h3]}

[pool:default]
health = none
server = dflt 127.0.0.1:${BE_PORT[dflt]}

[pool:api]
health = none
server = api 127.0.0.1:${BE_PORT[api]}

[pool:static]
health = none
server = static 127.0.0.1:${BE_PORT[static]}

[pool:canary]
health = none
server = canary 127.0.0.1:${BE_PORT[canary]}

[pool:hashed]
balance = hash
hash_key = uri
health = none
server = h1 127.0.0.1:${BE_PORT[h1]}
server = h2 127.0.0.1:${BE_PORT[h2]}
server = h3 127.0.0.1:${BE_PORT[h3]}
EOC
} >"$T/tandem.ini"

start_tandemd "$T/tandem.ini" || bail "tandemd starts" "$(tail -5 "$T/tandemd.err" 2>/dev/null)"
ok "tandemd starts"

# served_by PATH [CURL ARGS...]: the backend that answered.
served_by() {
  local path=$1
  shift
  curl -s --max-time 10 "$@" "http://127.0.0.1:$P$path"
}
# routes WANT PATH [CURL ARGS...]: check that WANT answers.
routes() {
  local want=$1 path=$2 got
  shift 2
  got=$(served_by "$path" "$@")
  if [ "$got" = "$want" ]; then return 0; fi
  echo "GET $path $* -> '$got', want '$want'"
  return 1
}

# by host
check "host: api.example.com -> api" routes api / -H 'Host: api.example.com'
check "host: case and port are ignored (API.Example.COM:8080 -> api)" routes api / -H 'Host: API.Example.COM:8080'
check "host: another name -> the default pool" routes dflt / -H 'Host: www.example.com'
check "host: a name that only ends like the route's -> default (xapi.example.com)" routes dflt / -H 'Host: xapi.example.com'
check "host wildcard: img.static.example.com -> static" routes static / -H 'Host: img.static.example.com'
check "host wildcard: a.b.static.example.com -> static" routes static / -H 'Host: a.b.static.example.com'
check "host wildcard: not the domain itself (static.example.com -> default)" routes dflt / -H 'Host: static.example.com'

# by path prefix
check "path: /static/img.png -> static" routes static /static/img.png
check "path: /static/ with a query -> static" routes static '/static/?v=1'
check "path: /static without the slash -> default" routes dflt /static
check "path: /staticfoo -> default" routes dflt /staticfoo
check "path: the prefix is not searched inside the path (/x/static/ -> default)" routes dflt /x/static/
check "path: /api/v1 -> api (the later path route)" routes api /api/v1

# by header
check "header: X-Env: canary -> canary" routes canary / -H 'X-Env: canary'
check "header: the value is exact (X-Env: Canary -> default)" routes dflt / -H 'X-Env: Canary'
check "header: the value is exact (X-Env: canary-2 -> default)" routes dflt / -H 'X-Env: canary-2'
check "header: the field name is case-insensitive (x-env: canary -> canary)" routes canary / -H 'x-env: canary'

# first match wins
check "first match: host api + path /static/ -> api (host route first)" routes api /static/x -H 'Host: api.example.com'
check "first match: path /static/ + X-Env canary -> static (path route first)" routes static /static/x -H 'X-Env: canary'
check "first match: X-Env canary + path /api/ -> canary (header route first)" routes canary /api/x -H 'X-Env: canary'
check "no route matches -> the frontend's pool" routes dflt /anything/else

# per request on one connection
curl -s --max-time 10 -v "http://127.0.0.1:$P/static/a" "http://127.0.0.1:$P/other" "http://127.0.0.1:$P/api/b" \
  "http://127.0.0.1:$P/static/c" >"$T/conn.out" 2>"$T/conn.err"
check "keep-alive: each request on one connection is routed on its own" eval \
  '[ "$(tr "\n" " " <"$T/conn.out")" = "static dflt api static " ] && [ "$(grep -c "Connected to" "$T/conn.err")" = 1 ]'

# balance = hash, hash_key = uri
urls=()
for i in $(seq 1 30); do urls+=("http://127.0.0.1:$P_HASH/item/$i?q=$i"); done
curl -s --max-time 20 "${urls[@]}" >"$T/hash1.out"
curl -s --max-time 20 "${urls[@]}" >"$T/hash2.out"
for i in 1 2 3; do  # and on new connections each time
  for u in "${urls[@]:0:10}"; do curl -s --max-time 10 "$u"; done >"$T/hash3_$i.out"
done
check "hash uri: 30 URIs answered twice on keep-alive connections" eval \
  '[ "$(wc -l <"$T/hash1.out")" = 30 ] && [ "$(wc -l <"$T/hash2.out")" = 30 ]'
check "hash uri: each URI gets the same server both times" cmp "$T/hash1.out" "$T/hash2.out"
check "hash uri: ... and on new connections, 3 rounds" eval \
  'for i in 1 2 3; do head -10 "$T/hash1.out" | cmp - "$T/hash3_$i.out" || exit 1; done'
distinct=$(sort -u "$T/hash1.out" | wc -l)
check "hash uri: 30 URIs spread over all 3 servers (got $distinct)" test "$distinct" = 3
same=$(for i in $(seq 1 10); do curl -s --max-time 10 -H "X-Noise: $i" "http://127.0.0.1:$P_HASH/one/uri"; done | sort -u | wc -l)
check "hash uri: other fields do not matter (10 requests for /one/uri, 1 server; got $same)" test "$same" = 1

# balance = hash, hash_key = header X-Tenant (absent: the client address)
bad="" seen=""
for t in $(seq 1 12); do
  got=$(for i in 1 2 3 4; do curl -s --max-time 10 -H "X-Tenant: tenant-$t" "http://127.0.0.1:$P_HDR/x$i"; done | sort -u)
  case $got in *$'\n'* | "") bad="$bad tenant-$t:[$(echo $got)]" ;; *) seen="$seen $got" ;; esac
done
check "hash header: each of 12 tenants always gets one server (4 requests, other paths)" test -z "$bad"
check "hash header: the 12 tenants spread over >= 2 servers" test "$(echo $seen | tr ' ' '\n' | sort -u | wc -l)" -ge 2
bad=""
for a in 21 22 23 24 25 26; do
  got=$(for i in 1 2 3; do curl -s --max-time 10 --interface 127.0.0.$a "http://127.0.0.1:$P_HDR/y$i"; done | sort -u)
  case $got in *$'\n'* | "") bad="$bad 127.0.0.$a:[$(echo $got)]" ;; esac
done
check "hash header: without the field, each client address keeps one server" test -z "$bad"

# --- one keep-alive connection follows operator decisions: each request is
# served with the worker's newest snapshot, not the one of the connection's start.
python3 - "$P_HDR" "$TANDEMCTL" "$SOCK" >"$T/ka-disable.txt" 2>&1 <<'PY'
import socket, subprocess, sys, time
port, ctl, sock = int(sys.argv[1]), sys.argv[2], sys.argv[3]
s = socket.create_connection(("127.0.0.1", port))
s.settimeout(5)
def ask():
    s.sendall(b"GET /k HTTP/1.1\r\nHost: t\r\nX-Tenant: one-tenant\r\n\r\n")
    data = b""
    while b"\r\n\r\n" not in data:
        data += s.recv(4096)
    head, _, body = data.partition(b"\r\n\r\n")
    n = int([l.split(b":")[1] for l in head.split(b"\r\n") if l.lower().startswith(b"content-length")][0])
    while len(body) < n:
        body += s.recv(4096)
    return body.decode().strip()
first = ask()
subprocess.run([ctl, "-s", sock, "server", "disable", "tenant/" + first], check=True, stdout=subprocess.DEVNULL)
# The worker applies the change asynchronously: within 1 s (20 tries, bounded).
second = first
deadline = time.monotonic() + 1.0
for _ in range(20):
    second = ask()
    if second != first or time.monotonic() > deadline:
        break
    time.sleep(0.05)
subprocess.run([ctl, "-s", sock, "server", "enable", "tenant/" + first], check=True, stdout=subprocess.DEVNULL)
print(first, second)
PY
read -r ka_first ka_second <"$T/ka-disable.txt"
check "one keep-alive connection: after 'server disable tenant/$ka_first' its requests go to another server ($ka_second)" \
  test -n "$ka_second" -a "$ka_first" != "$ka_second"

finish
