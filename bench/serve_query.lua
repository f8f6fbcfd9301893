-- serve_query.lua: wrk script for bench/serve_bench.sh. Each request POSTs one of the query
-- texts (QUERY_DIR/q001.txt ... q200.txt, raw text) to /api/query, in turn. A run is bounded by
-- wrk's -d; each thread also stops after MAX_PER_THREAD answers, a cap on the count (when a
-- thread reaches it, the rate below is not valid: wrk divides by the whole -d, and this says so).
local dir = os.getenv("QUERY_DIR")
local max_per_thread = tonumber(os.getenv("MAX_PER_THREAD") or "1000")
local texts = {}
for i = 1, 200 do
    local f = io.open(string.format("%s/q%03d.txt", dir, i), "rb")
    if f then
        texts[#texts + 1] = f:read("*a")
        f:close()
    end
end
local threads = {}

function setup(thread)
    thread:set("id", #threads)
    table.insert(threads, thread)
end

function init(args)
    n = 0
    k = id * 37
    bad = 0
end

function request()
    k = k % #texts + 1
    return wrk.format("POST", "/api/query", {["Content-Type"] = "text/plain"}, texts[k])
end

function response(status, headers, body)
    if status ~= 200 then bad = bad + 1 end
    n = n + 1
    if n >= max_per_thread then wrk.thread:stop() end
end

function done(summary, latency, requests)
    local nbad, capped = 0, false
    for _, t in ipairs(threads) do
        nbad = nbad + t:get("bad")
        if t:get("n") >= max_per_thread then capped = true end
    end
    if capped then io.write("a thread reached MAX_PER_THREAD: queries/s below is too low\n") end
    io.write(string.format("answers %d, not 200: %d, errors %d; %.1f queries/s\n",
        summary.requests, nbad, summary.errors.connect + summary.errors.read +
        summary.errors.write + summary.errors.status + summary.errors.timeout,
        summary.requests / (summary.duration / 1e6)))
    io.write(string.format("latency ms: p50 %.1f, p95 %.1f, p99 %.1f, max %.1f (mean %.1f)\n",
        latency:percentile(50) / 1000, latency:percentile(95) / 1000,
        latency:percentile(99) / 1000, latency.max / 1000, latency.mean / 1000))
end
