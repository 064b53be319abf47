-- wrk script for the CDS Hooks load test (bench/http/run.sh): POSTs the patient-view
-- request in $KHE_BODY to /cds-services/khe-kmp; with $KHE_TOKENS, each request carries
-- the next pre-signed token of that file (unique jti: never the same token twice, across
-- threads too), so authentication runs in full on every request.
local body_file = os.getenv("KHE_BODY")
local token_file = os.getenv("KHE_TOKENS")
local threads = tonumber(os.getenv("KHE_THREADS") or "1")
local counter = 0

function setup(thread)
  thread:set("id", counter)
  counter = counter + 1
end

local body, tokens, next_token, headers
function init(args)
  local f = assert(io.open(body_file, "rb"))
  body = f:read("*a")
  f:close()
  tokens = {}
  if token_file and token_file ~= "" then
    local i = 0
    for line in io.lines(token_file) do
      if i % threads == id then tokens[#tokens + 1] = line end
      i = i + 1
    end
  end
  next_token = 1
  headers = { ["Content-Type"] = "application/json" }
end

function request()
  if #tokens > 0 then
    -- past the last token the requests are replays and must be refused (401): size the
    -- token file for the run (run.sh does)
    headers["Authorization"] = tokens[next_token] or tokens[#tokens]
    next_token = next_token + 1
  end
  return wrk.format("POST", "/cds-services/khe-kmp", headers, body)
end

local non2xx = 0
function response(status, hdrs, b)
  if status ~= 200 then non2xx = non2xx + 1 end
end

function done(summary, latency, requests)
  io.write(string.format("requests %d, errors(connect %d read %d write %d timeout %d status %d)\n",
    summary.requests, summary.errors.connect, summary.errors.read, summary.errors.write,
    summary.errors.timeout, summary.errors.status))
  io.write(string.format("latency p50 %.2f ms, p90 %.2f ms, p99 %.2f ms, max %.2f ms\n",
    latency:percentile(50) / 1000, latency:percentile(90) / 1000,
    latency:percentile(99) / 1000, latency.max / 1000))
end
