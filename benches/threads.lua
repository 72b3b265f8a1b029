-- Shared by the wrk scripts: numbers each thread (its `index`, for its share of the work) and
-- keeps them in `threads`, so done() can sum what each counted.
threads = {}
local next_thread = 0

function setup(thread)
  thread:set("index", next_thread)
  next_thread = next_thread + 1
  table.insert(threads, thread)
end
