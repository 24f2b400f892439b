-- POST /api/v1/people with a new CURP each time: thread k of BENCH_THREADS takes the lines k, k+n, ...
-- of BENCH_CURPS, so no CURP is sent twice. Env: BENCH_CURPS, BENCH_THREADS, BENCH_KEY.
-- If the file runs out, CURPs repeat and the service answers 422: counted as errors, never hidden.
local counter = 0

function setup(thread)
  thread:set("thread_id", counter)
  counter = counter + 1
end

local curps = {}
local next_one = 0
local headers = {
  ["Authorization"] = "Bearer " .. os.getenv("BENCH_KEY"),
  ["Content-Type"] = "application/json",
}

function init(args)
  local threads = tonumber(os.getenv("BENCH_THREADS"))
  local n = 0
  for line in io.lines(os.getenv("BENCH_CURPS")) do
    if n % threads == thread_id then
      curps[#curps + 1] = line
    end
    n = n + 1
  end
end

function request()
  next_one = next_one % #curps + 1
  local body = '{"national_id":"' .. curps[next_one]
    .. '","name":"Ana","first_lastname":"López","second_lastname":"Díaz"}'
  return wrk.format("POST", "/api/v1/people", headers, body)
end
