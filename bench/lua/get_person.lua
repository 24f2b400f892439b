-- GET /api/v1/people/{id}, each request a random id from the file BENCH_IDS (one id a line).
-- Env: BENCH_IDS, BENCH_KEY (an API key).
local counter = 0

function setup(thread)
  thread:set("thread_id", counter)
  counter = counter + 1
end

local ids = {}
local headers = { ["Authorization"] = "Bearer " .. os.getenv("BENCH_KEY") }

function init(args)
  for line in io.lines(os.getenv("BENCH_IDS")) do
    ids[#ids + 1] = line
  end
  -- Each thread its own sequence, so the two threads do not ask for the same ids in step.
  math.randomseed(os.time() * 100 + thread_id)
end

function request()
  return wrk.format("GET", "/api/v1/people/" .. ids[math.random(#ids)], headers)
end
