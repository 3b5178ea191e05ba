-- wrk script: requests the paths listed in a file (one per line, given after `--`), each
-- thread starting at a different line, and prints the figures as one JSON line at the end
-- (wrk's own report has no 95th percentile).
--
--   wrk -t2 -c32 -d10s -s bench/catalog/paths.lua http://127.0.0.1:8102 -- paths.txt

local threads = 0

function setup(thread)
  thread:set("id", threads)
  threads = threads + 1
end

local paths = {}
local position = 1

function init(args)
  for line in io.lines(args[1]) do
    if #line > 0 then
      paths[#paths + 1] = line
    end
  end
  position = (id * 7919) % #paths + 1
end

function request()
  local path = paths[position]
  position = position % #paths + 1
  return wrk.format("GET", path)
end

function done(summary, latency, requests)
  local errors = summary.errors
  io.write(string.format(
    '{"requests": %d, "duration_us": %d, "p50_us": %d, "p95_us": %d, "p99_us": %d, ' ..
    '"max_us": %d, "non_2xx": %d, "socket_errors": %d}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(95),
    latency:percentile(99), latency.max, errors.status,
    errors.connect + errors.read + errors.write + errors.timeout))
end
