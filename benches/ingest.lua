-- wrk script: POSTs pre-built batches of 1,000 interactions to /api/v1/interactions/batch,
-- each batch once, so every interaction is new (customers do repeat, so fatigue throttles
-- some). Args: DIR KEY STRIDE [OFFSET], with DIR holding batch0.json, batch1.json, ... from the
-- bench script; thread k posts batches OFFSET + k, OFFSET + k + STRIDE, ... (two wrk processes
-- feeding two instances take offsets 0 and 2 with stride 4, and so never post the same batch).
-- done() prints the interactions recorded per second and the requests that failed (anything
-- but 200), and fails the run if a thread ran out.
dofile("benches/threads.lua")

function init(args)
  local dir, key = args[1], args[2]
  local stride = tonumber(args[3])
  bodies, sent, recorded, exhausted, failed = {}, 0, 0, 0, 0
  headers = { ["Authorization"] = "Bearer " .. key, ["Content-Type"] = "application/json" }
  local b = index + tonumber(args[4] or "0")
  while true do
    local f = io.open(dir .. "/batch" .. b .. ".json", "rb")
    if not f then break end
    bodies[#bodies + 1] = f:read("a")
    f:close()
    b = b + stride
  end
end

function request()
  sent = sent + 1
  if sent > #bodies then
    exhausted = 1
    return wrk.format("GET", "/healthz")
  end
  return wrk.format("POST", "/api/v1/interactions/batch", headers, bodies[sent])
end

function response(status, headers, body)
  if status == 200 and #body > 1000 then
    recorded = recorded + 1000
  elseif status ~= 200 then
    failed = failed + 1
  end
end

function done(summary, latency, requests)
  local total, ran_out, failed_requests = 0, 0, 0
  for _, t in ipairs(threads) do
    total = total + t:get("recorded")
    ran_out = ran_out + t:get("exhausted")
    failed_requests = failed_requests + t:get("failed")
  end
  local secs = summary.duration / 1e6
  io.write(string.format("ingest: %d interactions in %.2fs = %.0f interactions/s; batch p50 %.1f ms, p99 %.1f ms; %d of %d requests failed\n",
    total, secs, total / secs, latency:percentile(50) / 1000, latency:percentile(99) / 1000, failed_requests, summary.requests))
  if ran_out > 0 then
    io.write("ingest: a thread ran out of batches; generate more for a valid figure\n")
    os.exit(1)
  end
end
