-- wrk script of benchmarks/api_load.py: POST /api/v1/orders with the orders in the file named by the
-- environment's FACTORYOS_LOAD_ORDERS (one per line: API key, a tab, the JSON body), each with its own
-- Idempotency-Key (prefixed with FACTORYOS_LOAD_RUN); every REPLAY_EVERY-th request repeats the previous
-- request's key and body, as a client retrying after a timeout would. At the end the ids of the orders
-- answered 201 go to the file FACTORYOS_LOAD_IDS, one a line, and one line "RESULT {json}" with the counts
-- and latencies to the output.

local REPLAY_EVERY = tonumber(os.getenv("FACTORYOS_LOAD_REPLAY_EVERY") or "20")
local RUN = os.getenv("FACTORYOS_LOAD_RUN") or "run"
local threads = {}
local orders = {}

for line in io.lines(os.getenv("FACTORYOS_LOAD_ORDERS")) do
  local key, body = line:match("^([^\t]+)\t(.+)$")
  orders[#orders + 1] = { key = key, body = body }
end

function setup(thread)
  thread:set("number", #threads + 1)
  threads[#threads + 1] = thread
end

function init(args)
  number = tonumber(wrk.thread:get("number"))
  sent, created, replayed, failed = 0, 0, 0, 0
  statuses = {}
  ids = {}
  previous = nil
end

function request()
  sent = sent + 1
  local key, order
  if previous ~= nil and sent % REPLAY_EVERY == 0 then
    key, order = previous.key, previous.order
  else
    key = RUN .. "-" .. number .. "-" .. sent
    order = orders[((sent * #threads + number) % #orders) + 1]
  end
  previous = { key = key, order = order }
  return wrk.format("POST", "/api/v1/orders", {
    ["Content-Type"] = "application/json",
    ["Authorization"] = "Bearer " .. order.key,
    ["Idempotency-Key"] = key,
  }, order.body)
end

function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
  if status == 201 then
    ids[#ids + 1] = body:match('"id":"([^"]+)"')
    if headers["idempotent-replayed"] == "true" or headers["Idempotent-Replayed"] == "true" then
      replayed = replayed + 1
    else
      created = created + 1
    end
  end
end

function done(summary, latency, requests)
  local created_total, replayed_total, parts = 0, 0, {}
  local by_status = {}
  local answered = io.open(os.getenv("FACTORYOS_LOAD_IDS"), "w")
  for _, thread in ipairs(threads) do
    for _, id in ipairs(thread:get("ids")) do
      answered:write(id, "\n")
    end
    created_total = created_total + thread:get("created")
    replayed_total = replayed_total + thread:get("replayed")
    for status, count in pairs(thread:get("statuses")) do
      by_status[status] = (by_status[status] or 0) + count
    end
  end
  answered:close()
  for status, count in pairs(by_status) do
    parts[#parts + 1] = string.format('"%d": %d', status, count)
  end
  io.write(string.format(
    'RESULT {"seconds": %.3f, "requests": %d, "created": %d, "replayed": %d, "statuses": {%s}, ' ..
    '"errors": {"connect": %d, "read": %d, "write": %d, "timeout": %d, "status": %d}, ' ..
    '"latency_ms": {"p50": %.2f, "p90": %.2f, "p99": %.2f, "max": %.2f, "mean": %.2f}}\n',
    summary.duration / 1e6, summary.requests, created_total, replayed_total, table.concat(parts, ", "),
    summary.errors.connect, summary.errors.read, summary.errors.write, summary.errors.timeout,
    summary.errors.status,
    latency:percentile(50) / 1e3, latency:percentile(90) / 1e3, latency:percentile(99) / 1e3,
    latency.max / 1e3, latency.mean / 1e3))
end
