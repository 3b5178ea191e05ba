"""Gateway throughput next to nginx, in one run on one machine.

Starts a tiny FastAPI JSON route on uvicorn (one worker) and, in front of it, nginx (one
worker, keep-alive upstream pool, no access log) and our gateway; then runs wrk against
(a) the service directly, (b) nginx, (c) the gateway on a public route, (d) the gateway
on a route that needs a token, with a valid token, and (e) a minimal aiohttp proxy as a
reference point (minimal_proxy.py). Prints a table and gateway/nginx, with the CPU time each
proxy process spent per request (from /proc; steadier than req/s when other work shares the
machine, since it does not count time spent waiting for a core).

Everything binds 127.0.0.1 and every load run stops by itself (wrk -d). Usage:

    bench/gateway/run.sh [--duration 10] [--connections 32] [--threads 2] [--rounds 1]
                         [--no-access-log] [--no-reference] [--json FILE]

Needs wrk and nginx on PATH (Debian: ``apt-get install -y wrk nginx``).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path

import jwt
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from jwt.algorithms import OKPAlgorithm

HERE = Path(__file__).resolve().parent
HOST = "127.0.0.1"

NGINX_CONF = """\
worker_processes 1;
daemon off;
pid {tmp}/nginx.pid;
error_log {tmp}/nginx-error.log warn;
events {{ worker_connections 4096; }}
http {{
    access_log off;
    client_body_temp_path {tmp}/nginx-body;
    proxy_temp_path {tmp}/nginx-proxy;
    fastcgi_temp_path {tmp}/nginx-fastcgi;
    uwsgi_temp_path {tmp}/nginx-uwsgi;
    scgi_temp_path {tmp}/nginx-scgi;
    upstream app {{
        server {host}:{upstream_port};
        keepalive 64;
    }}
    server {{
        listen {host}:{port};
        location / {{
            proxy_pass http://app;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_set_header Host $host;
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
        }}
    }}
}}
"""


@dataclass
class Result:
    name: str
    rps: float
    latency_p50_ms: float
    latency_p99_ms: float
    errors: int
    cpu_us_per_request: float = float("nan")


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of ``pid`` and its child processes (nginx's worker), or NaN
    where /proc is not there."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0.0
    try:
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue  # ended meanwhile
            if int(entry.name) == pid or int(fields[1]) == pid:
                total += (int(fields[11]) + int(fields[12])) / ticks
    except OSError:
        return float("nan")
    return total


def _load_average() -> str:
    return " ".join(f"{value:.2f}" for value in os.getloadavg())


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def require_tools() -> None:
    missing = [tool for tool in ("wrk", "nginx") if shutil.which(tool) is None]
    if missing:
        sys.exit(
            f"missing: {', '.join(missing)}. Install them with: "
            f"sudo apt-get install -y {' '.join(missing)}"
        )


def wait_ready(url: str, *, timeout: float = 20.0, headers: dict[str, str] | None = None) -> None:
    deadline = time.monotonic() + timeout
    last: object = None
    while time.monotonic() < deadline:
        try:
            request = urllib.request.Request(url, headers=headers or {})  # noqa: S310 - loopback
            with urllib.request.urlopen(request, timeout=2) as response:  # noqa: S310
                if response.status == 200:
                    return
        except (urllib.error.URLError, OSError) as exc:
            last = exc
        time.sleep(0.1)
    sys.exit(f"{url} did not become ready: {last}")


def parse_duration_ms(text: str) -> float:
    match = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text.strip())
    if not match:
        return float("nan")
    value, unit = float(match.group(1)), match.group(2)
    return value * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}[unit]


def run_wrk(
    name: str, url: str, *, threads: int, connections: int, duration: int,
    headers: dict[str, str] | None = None,
) -> Result:
    command = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{duration}s", "--latency"]
    for key, value in (headers or {}).items():
        command += ["-H", f"{key}: {value}"]
    command.append(url)
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    p50 = re.search(r"^\s+50%\s+(\S+)", output, re.MULTILINE)
    p99 = re.search(r"^\s+99%\s+(\S+)", output, re.MULTILINE)
    errors = 0
    non_2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output)
    if non_2xx:
        errors += int(non_2xx.group(1))
    socket_errors = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output
    )
    if socket_errors:
        errors += sum(int(n) for n in socket_errors.groups())
    return Result(
        name, rps,
        parse_duration_ms(p50.group(1)) if p50 else float("nan"),
        parse_duration_ms(p99.group(1)) if p99 else float("nan"),
        errors,
    )


def nginx_version() -> str:
    done = subprocess.run(["nginx", "-v"], capture_output=True, text=True, check=False)
    return (done.stderr or done.stdout).strip().split("/")[-1]


def wrk_version() -> str:
    done = subprocess.run(["wrk", "-v"], capture_output=True, text=True, check=False)
    match = re.search(r"wrk (\S+)", done.stdout + done.stderr)
    return match.group(1) if match else "?"


def machine() -> dict[str, str]:
    cpu = "?"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {
        "cores": str(os.cpu_count()),
        "cpu": cpu,
        "python": platform.python_version(),
        "aiohttp": version("aiohttp"),
        "uvloop": version("uvloop"),
        "fastapi": version("fastapi"),
        "uvicorn": version("uvicorn"),
        "nginx": nginx_version(),
        "wrk": wrk_version(),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=int, default=10, help="seconds per wrk run")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=1,
                        help="repeat the runs, interleaved (every other round in reverse "
                             "order); report medians")
    parser.add_argument("--warmup", type=int, default=2, help="seconds of warm-up per target")
    parser.add_argument("--json", type=Path, help="also write the results here")
    parser.add_argument("--no-access-log", action="store_true",
                        help="turn the gateway's access log off, like nginx's here")
    parser.add_argument("--no-reference", action="store_true",
                        help="skip the minimal aiohttp proxy run (a reference point)")
    args = parser.parse_args()
    require_tools()

    load_before = _load_average()
    processes: list[subprocess.Popen[bytes]] = []
    with tempfile.TemporaryDirectory(prefix="bench-gateway-") as tmp_dir:
        tmp = Path(tmp_dir)
        try:
            key = Ed25519PrivateKey.generate()
            jwk = OKPAlgorithm.to_jwk(key.public_key(), as_dict=True)
            (tmp / "jwks.json").write_text(
                json.dumps({"keys": [{**jwk, "kid": "bench", "use": "sig", "alg": "EdDSA"}]})
            )
            now = int(time.time())
            token = jwt.encode(
                {"sub": str(uuid.uuid4()), "role": "user", "iss": "marketplace-auth",
                 "aud": "marketplace", "iat": now, "exp": now + 3600},
                key, algorithm="EdDSA", headers={"kid": "bench"},
            )

            upstream_port, nginx_port, gateway_port = free_port(), free_port(), free_port()
            env = {**os.environ, "BENCH_JWKS_FILE": str(tmp / "jwks.json")}
            processes.append(subprocess.Popen(
                [sys.executable, "-m", "uvicorn", "--app-dir", str(HERE), "upstream_app:app",
                 "--host", HOST, "--port", str(upstream_port), "--workers", "1",
                 "--log-level", "warning", "--no-access-log"],
                env=env,
            ))
            upstream = f"http://{HOST}:{upstream_port}"
            wait_ready(f"{upstream}/health/ready")

            (tmp / "nginx.conf").write_text(NGINX_CONF.format(
                tmp=tmp, host=HOST, port=nginx_port, upstream_port=upstream_port
            ))
            processes.append(subprocess.Popen(
                ["nginx", "-p", str(tmp), "-c", str(tmp / "nginx.conf")],
                stderr=subprocess.DEVNULL,
            ))
            wait_ready(f"http://{HOST}:{nginx_port}/health/ready")

            gateway_env = {
                **os.environ,
                "GATEWAY_HOST": HOST,
                "GATEWAY_PORT": str(gateway_port),
                "GATEWAY_UPSTREAMS": json.dumps(
                    {"auth": [upstream], "catalog": [upstream], "orders": [upstream]}
                ),
                # The limiter stays in the path, with a budget wrk cannot exhaust.
                "GATEWAY_RATE_LIMIT_PER_MINUTE": "1000000000",
                "GATEWAY_RATE_LIMIT_BURST": "1000000000",
                "GATEWAY_LOG_LEVEL": "INFO",
                "GATEWAY_ACCESS_LOG": "false" if args.no_access_log else "true",
                # Services refuse to start without one.
                "GATEWAY_INTERNAL_TOKEN": secrets.token_urlsafe(32),
            }
            gateway_log = (tmp / "gateway.log").open("wb")
            processes.append(subprocess.Popen(
                [sys.executable, "-m", "gateway_service"], env=gateway_env,
                stdout=gateway_log, stderr=subprocess.STDOUT,
            ))
            gateway = f"http://{HOST}:{gateway_port}"
            wait_ready(f"{gateway}/health/ready")
            wait_ready(f"{gateway}/api/orders/ping", headers={"Authorization": f"Bearer {token}"})

            minimal_port = free_port()
            if not args.no_reference:
                processes.append(subprocess.Popen(
                    [sys.executable, str(HERE / "minimal_proxy.py"), str(minimal_port), upstream]
                ))
                wait_ready(f"http://{HOST}:{minimal_port}/health/ready")

            upstream_pid, nginx_pid, gateway_pid = (p.pid for p in processes[:3])
            targets = [
                ("direct (uvicorn)", f"{upstream}/api/catalog/ping", None, upstream_pid),
                ("nginx", f"http://{HOST}:{nginx_port}/api/catalog/ping", None, nginx_pid),
                ("gateway, public route", f"{gateway}/api/catalog/ping", None, gateway_pid),
                ("gateway, with token", f"{gateway}/api/orders/ping",
                 {"Authorization": f"Bearer {token}"}, gateway_pid),
            ]
            if not args.no_reference:
                targets.append(("minimal aiohttp proxy", f"http://{HOST}:{minimal_port}"
                                "/api/catalog/ping", None, processes[3].pid))
            runs: dict[str, list[Result]] = {name: [] for name, _, _, _ in targets}
            for round_number in range(args.rounds):
                # Every other round runs backwards, so no target always runs right after
                # the same neighbour (load from outside drifts over a run).
                order = targets if round_number % 2 == 0 else targets[::-1]
                for name, url, headers, pid in order:
                    if args.warmup:
                        run_wrk(name, url, threads=args.threads, connections=args.connections,
                                duration=args.warmup, headers=headers)
                    cpu_before = cpu_seconds(pid)
                    result = run_wrk(name, url, threads=args.threads,
                                     connections=args.connections, duration=args.duration,
                                     headers=headers)
                    result.cpu_us_per_request = (cpu_seconds(pid) - cpu_before) / (
                        result.rps * args.duration
                    ) * 1e6
                    runs[name].append(result)
                    print(f"round {round_number + 1}: {name:24} {result.rps:9.0f} req/s",
                          file=sys.stderr)
        finally:
            for process in reversed(processes):
                if process.poll() is None:
                    process.send_signal(signal.SIGTERM)
            for process in reversed(processes):
                try:
                    process.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    process.kill()

    results = [
        Result(
            name,
            statistics.median(r.rps for r in rs),
            statistics.median(r.latency_p50_ms for r in rs),
            statistics.median(r.latency_p99_ms for r in rs),
            sum(r.errors for r in rs),
            statistics.median(r.cpu_us_per_request for r in rs),
        )
        for name, rs in runs.items()
    ]
    nginx_rps = results[1].rps
    info = machine()
    print()
    print(f"wrk -t{args.threads} -c{args.connections} -d{args.duration}s, "
          f"{args.rounds} round(s), median; {info['cores']} cores, {info['cpu']}; "
          f"gateway access log {'off' if args.no_access_log else 'on'}")
    print(f"{'target':24} {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8} {'errors':>7} "
          f"{'vs nginx':>9} {'CPU us/req':>11}")
    for r in results:
        print(f"{r.name:24} {r.rps:9.0f} {r.latency_p50_ms:8.2f} {r.latency_p99_ms:8.2f} "
              f"{r.errors:7d} {r.rps / nginx_rps:9.2f} {r.cpu_us_per_request:11.0f}")
    print()
    print(f"gateway/nginx: public {results[2].rps / nginx_rps:.2f}, "
          f"with token {results[3].rps / nginx_rps:.2f}")
    # Each round's ratio uses that round's nginx run, a few seconds apart: less exposed to
    # other work starting or stopping on the machine than the ratio of medians above.
    names = list(runs)
    per_round = {
        name: [run.rps / nginx.rps for run, nginx in zip(runs[name], runs[names[1]], strict=True)]
        for name in names[2:]
    }
    for name, ratios in per_round.items():
        print(f"{name:24} vs nginx per round: {' '.join(f'{r:.2f}' for r in ratios)}; "
              f"median {statistics.median(ratios):.2f}")
    print(f"load average (1, 5, 15 min) before: {load_before}, after: {_load_average()}")
    print("versions: " + ", ".join(f"{k} {v}" for k, v in info.items() if k not in ("cpu",)))
    if args.json:
        args.json.write_text(json.dumps(
            {"machine": info, "args": vars(args) | {"json": str(args.json)},
             "results": [r.__dict__ for r in results],
             "rounds": {name: [r.__dict__ for r in rs] for name, rs in runs.items()}},
            indent=2,
        ))


if __name__ == "__main__":
    main()
