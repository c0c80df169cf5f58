-- wrk script: POST the merged-PR payload as a signed webhook with a fresh
-- X-GitHub-Delivery per request (duplicates would be no-ops).
-- Env: PAYLOAD (file), SIGNATURE ("sha256=..."), RUN (a prefix unique per run).
local body
local counter = 0
local prefix

function setup(thread)
  counter = counter + 1
  thread:set("tid", counter)
end

function init(args)
  local f = assert(io.open(os.getenv("PAYLOAD"), "rb"))
  body = f:read("*a")
  f:close()
  prefix = (os.getenv("RUN") or "run") .. "-" .. tostring(tid) .. "-"
  wrk.method = "POST"
  wrk.body = body
  wrk.headers["Content-Type"] = "application/json"
  wrk.headers["X-GitHub-Event"] = "pull_request"
  wrk.headers["X-Hub-Signature-256"] = os.getenv("SIGNATURE")
  n = 0
end

function request()
  n = n + 1
  wrk.headers["X-GitHub-Delivery"] = prefix .. n
  return wrk.format()
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("non2xx=%d connect=%d read=%d write=%d timeout=%d\n",
    e.status, e.connect, e.read, e.write, e.timeout))
end
